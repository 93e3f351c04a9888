// TimedBackend: one built classifier bound to one trace, behind the interface the benchmarks time
// and verify. lacl and the linear scan live here; the DPDK backends (rte_acl, the rte_hash floor)
// are in dpdk_backends.hpp.
//
// Each backend classifies trace packets by index, in its own input form prepared at construction
// (so conversion never runs inside a timed loop), and writes its native 32-bit result (a rule id,
// or rte_acl's userdata); rule_id() turns a native result into a RuleId. Verification and timing
// call the same classify().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lacl/bench/burst_timer.hpp"
#include "lacl/classifier.hpp"
#include "lacl/result.hpp"
#include "lacl/rule_set.hpp"

namespace lacl::bench {

/// What a report says about a built backend.
struct BackendInfo {
  std::string name;     ///< as given to `lacl bench --backend` ("lacl", "rte_acl", "hash", ...)
  std::string detail;   ///< e.g. the rte_acl implementation ("avx512x32"); may be empty
  double build_ms = 0;  ///< wall-clock build time from a RuleSet (or, for the hash, from the keys)
  std::size_t bytes = 0;  ///< memory the lookup structure holds (each backend says how it counts)
};

class TimedBackend {
 public:
  virtual ~TimedBackend() = default;

  const BackendInfo& info() const noexcept { return info_; }
  /// Number of packets of the bound trace.
  std::size_t packets() const noexcept { return packets_; }

  /// Classifies trace packets [begin, begin + count) into out[0, count), native results.
  /// Requires begin + count <= packets(). Never fails.
  virtual void classify(std::size_t begin, std::size_t count,
                        std::uint32_t* out) const noexcept = 0;
  /// A native result as a rule id (kNoMatch when nothing matched).
  virtual RuleId rule_id(std::uint32_t native) const noexcept { return native; }

 protected:
  TimedBackend(BackendInfo info, std::size_t packets) : info_(std::move(info)), packets_(packets) {}

 private:
  BackendInfo info_;
  std::size_t packets_;
};

/// The packets to time a trace of trace.size() packets over, as positions in it: the trace
/// itself, then, until there are at least `min_packets`, copies of it with its runs of
/// identical headers (a flow's burst) in a new order each time (seeded, so every run of the
/// benchmark times the same sequence). Replaying one trace unchanged lets the branch predictor
/// learn its sequence, and it flatters every backend whose branches follow the data: lacl on
/// the 1K ClassBench sets, rte_acl's trie walk on the 10K sets (README.md, "Replayed traces").
std::vector<std::uint32_t> timing_order(std::span<const PacketKey> trace, std::size_t min_packets,
                                        std::uint64_t seed = 1);

/// v[order[0]], v[order[1]], ...: a trace's packets, or their answers, in a timing_order.
template <class T>
std::vector<T> in_order(std::span<const T> v, std::span<const std::uint32_t> order) {
  std::vector<T> out;
  out.reserve(order.size());
  for (std::uint32_t i : order)
    out.push_back(v[i]);
  return out;
}

/// Classifies the whole trace in bursts of kBurst and counts answers that differ from `expected`
/// (expected.size() must be b.packets()). When `answers` is given it receives every answer.
std::size_t count_mismatches(const TimedBackend& b, std::span<const RuleId> expected,
                             std::vector<RuleId>* answers = nullptr);

/// time_bursts() over the backend's whole trace, results into a burst-sized scratch array.
Timing time_backend(const TimedBackend& b, unsigned repeat, std::size_t min_packets);

/// Packets each backend classifies, untimed, before each of its samples in time_interleaved.
inline constexpr std::size_t kWarmPackets = 65536;

/// time_backend() for several backends, `repeat` rounds of one sample each in turn, each
/// backend's best sample kept: a change in the machine's load (other jobs on a shared host)
/// then falls on all of them alike instead of on whichever was being timed, so their ratios
/// hold. Before each sample the backend classifies the first kWarmPackets packets of its trace
/// untimed, since the previous backend's sample had the caches.
std::vector<Timing> time_interleaved(std::span<const TimedBackend* const> backends, unsigned repeat,
                                     std::size_t min_packets);

/// A compiled lacl classifier and how long Classifier::compile took (tuning included).
struct CompiledLacl {
  std::shared_ptr<const Classifier> classifier;
  double build_ms = 0;
};
Result<CompiledLacl> compile_lacl(const RuleSet& rules, const CompileOptions& options = {});

/// lacl over `keys` (host-order PacketKeys, lacl's native input), reported as `name`. bytes:
/// Classifier::bytes(). `keys` must outlive the backend.
std::unique_ptr<TimedBackend> make_lacl_backend(const CompiledLacl& lacl,
                                                std::span<const PacketKey> keys,
                                                std::string name = "lacl");

/// The linear scan over `keys`. bytes: the rule array. `keys` must outlive the backend.
std::unique_ptr<TimedBackend> make_linear_backend(const RuleSet& rules,
                                                  std::span<const PacketKey> keys);

}  // namespace lacl::bench
