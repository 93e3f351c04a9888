#include "lacl/bench/timed_backend.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <utility>

#include "lacl/linear_scan.hpp"

namespace lacl::bench {
namespace {

class LaclBackend final : public TimedBackend {
 public:
  LaclBackend(const CompiledLacl& lacl, std::span<const PacketKey> keys, std::string name)
      : TimedBackend({std::move(name), "", lacl.build_ms, lacl.classifier->bytes()}, keys.size()),
        classifier_(lacl.classifier),
        keys_(keys) {}

  void classify(std::size_t begin, std::size_t count, std::uint32_t* out) const noexcept override {
    classifier_->classify(keys_.subspan(begin, count), std::span<RuleId>(out, count));
  }

 private:
  std::shared_ptr<const Classifier> classifier_;
  std::span<const PacketKey> keys_;
};

class LinearBackend final : public TimedBackend {
 public:
  LinearBackend(const RuleSet& rules, std::span<const PacketKey> keys)
      : TimedBackend({"linear", "", 0.0, rules.size() * sizeof(Rule)}, keys.size()),
        scan_(rules),
        keys_(keys) {}

  void classify(std::size_t begin, std::size_t count, std::uint32_t* out) const noexcept override {
    scan_.classify(keys_.subspan(begin, count), std::span<RuleId>(out, count));
  }

 private:
  LinearScan scan_;
  std::span<const PacketKey> keys_;
};

}  // namespace

std::size_t count_mismatches(const TimedBackend& b, std::span<const RuleId> expected,
                             std::vector<RuleId>* answers) {
  std::array<std::uint32_t, kBurst> native{};
  std::size_t mismatches = 0;
  if (answers) answers->resize(b.packets());
  for (std::size_t i = 0; i < b.packets(); i += kBurst) {
    const std::size_t n = std::min(kBurst, b.packets() - i);
    b.classify(i, n, native.data());
    for (std::size_t j = 0; j < n; ++j) {
      const RuleId id = b.rule_id(native[j]);
      if (answers) (*answers)[i + j] = id;
      mismatches += id != expected[i + j];
    }
  }
  return mismatches;
}

std::vector<std::uint32_t> timing_order(std::span<const PacketKey> trace, std::size_t min_packets,
                                        std::uint64_t seed) {
  std::vector<std::uint32_t> order(trace.size());
  for (std::size_t i = 0; i < trace.size(); ++i)
    order[i] = static_cast<std::uint32_t>(i);
  if (trace.empty()) return order;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;  // first packet, length
  for (std::size_t i = 0; i < trace.size();) {
    std::size_t j = i + 1;
    while (j < trace.size() && trace[j] == trace[i])
      ++j;
    runs.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j - i));
    i = j;
  }
  std::mt19937_64 rng(seed);
  while (order.size() < min_packets) {
    std::shuffle(runs.begin(), runs.end(), rng);
    for (const auto& [first, length] : runs) {
      for (std::uint32_t k = 0; k < length; ++k)
        order.push_back(first + k);
    }
  }
  return order;
}

Timing time_backend(const TimedBackend& b, unsigned repeat, std::size_t min_packets) {
  alignas(64) std::array<std::uint32_t, kBurst> scratch{};
  return time_bursts(b.packets(), repeat, min_packets, [&](std::size_t begin, std::size_t count) {
    b.classify(begin, count, scratch.data());
  });
}

std::vector<Timing> time_interleaved(std::span<const TimedBackend* const> backends, unsigned repeat,
                                     std::size_t min_packets) {
  std::vector<Timing> best(backends.size());
  alignas(64) std::array<std::uint32_t, kBurst> scratch{};
  for (unsigned r = 0; r < std::max(1u, repeat); ++r) {
    for (std::size_t k = 0; k < backends.size(); ++k) {
      const TimedBackend& b = *backends[k];
      const std::size_t warm = std::min(b.packets(), kWarmPackets);
      for (std::size_t i = 0; i < warm; i += kBurst)
        b.classify(i, std::min(kBurst, warm - i), scratch.data());
      const Timing t = time_backend(b, 1, min_packets);
      if (r == 0 || t.ns_per_pkt < best[k].ns_per_pkt) best[k] = t;
    }
  }
  return best;
}

Result<CompiledLacl> compile_lacl(const RuleSet& rules, const CompileOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  auto c = Classifier::compile(rules, options);
  const auto t1 = std::chrono::steady_clock::now();
  if (!c) return c.error();
  return CompiledLacl{std::make_shared<const Classifier>(std::move(*c)),
                      std::chrono::duration<double, std::milli>(t1 - t0).count()};
}

std::unique_ptr<TimedBackend> make_lacl_backend(const CompiledLacl& lacl,
                                                std::span<const PacketKey> keys, std::string name) {
  return std::make_unique<LaclBackend>(lacl, keys, std::move(name));
}

std::unique_ptr<TimedBackend> make_linear_backend(const RuleSet& rules,
                                                  std::span<const PacketKey> keys) {
  return std::make_unique<LinearBackend>(rules, keys);
}

}  // namespace lacl::bench
