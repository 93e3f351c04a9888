// What the remainder structures' tests share (test_bit_vectors.cpp, test_cut_tree.cpp): rules
// as rows, keys that probe them, and a classifier checked against the linear scan under every
// ISA and batch length.
#pragma once

#include <algorithm>
#include <functional>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "keys.hpp"
#include "lacl/classbench.hpp"
#include "lacl/classifier.hpp"
#include "lacl/generator.hpp"
#include "lacl/linear_scan.hpp"

namespace lacl::test {

inline std::vector<detail::RuleRow> rows_of(std::span<const Rule> rules) {
  std::vector<detail::RuleRow> rows;
  for (std::size_t i = 0; i < rules.size(); ++i)
    rows.push_back(detail::RuleRow::from(rules[i], static_cast<RuleId>(i)));
  return rows;
}

/// Keys on and beside every rule's boundaries, uniform ones, and a trace drawn from the rules.
inline std::vector<PacketKey> remainder_keys(const std::vector<Rule>& rules, std::uint64_t seed) {
  auto keys = boundary_keys(rules, 30000, seed);
  const auto random = uniform_keys(2000, seed + 1);
  keys.insert(keys.end(), random.begin(), random.end());
  if (!rules.empty()) {
    const auto trace = trace_keys(generate_trace(rules, 3000, seed + 2, 0.0));
    keys.insert(keys.end(), trace.begin(), trace.end());
  }
  return keys;
}

/// A remainder structure `s` (BitVectors, CutTree) built over all of `rules` answers like the
/// scan, with and without a better match already in hand, and gives back exactly those rules.
template <class Structure>
void expect_like_scan(const Structure& s, const std::vector<Rule>& rules, std::uint64_t seed) {
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  const LinearScan ref(*set);
  CHECK(s.size() == rules.size());
  CHECK(s.rows() == rows_of(rules));
  std::size_t mismatches = 0;
  Rng rng(seed);
  for (const PacketKey& k : remainder_keys(rules, seed)) {
    const RuleId want = ref.classify(k);
    const auto bound = static_cast<RuleId>(rng.below(rules.size() + 2));
    if (s.classify(k, kNoMatch) != want) ++mismatches;
    if (s.classify(k, bound) != std::min(want, bound)) ++mismatches;
  }
  CHECK(mismatches == 0);
}

/// The classifier compiled with `o` answers like the scan under every ISA the CPU has, for
/// batches of every length from 0 to well past the vector width; `expect` checks each
/// compiled classifier's structure first.
inline void check_against_scan(const std::vector<Rule>& rules, CompileOptions o, std::uint64_t seed,
                               const std::function<void(const Classifier&)>& expect) {
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  const LinearScan ref(*set);
  const auto keys = remainder_keys(rules, seed);
  std::vector<RuleId> want(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i)
    want[i] = ref.classify(keys[i]);
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!isa_supported(isa)) continue;
    CAPTURE(isa_name(isa));
    o.isa = isa;
    auto c = Classifier::compile(*set, o);
    REQUIRE(c);
    expect(*c);
    std::vector<RuleId> got(keys.size(), 777);
    c->classify(keys, got);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < keys.size(); ++i)
      mismatches += got[i] != want[i] ? 1 : 0;
    CHECK(mismatches == 0);
    for (std::size_t len = 0; len <= 200; len += (len < 40 ? 1 : 17)) {
      CAPTURE(len);
      std::vector<RuleId> out(len + 1, 777);
      c->classify(std::span(keys).first(len), std::span(out).first(len));
      for (std::size_t i = 0; i < len; ++i)
        REQUIRE(out[i] == want[i]);
      REQUIRE(out[len] == 777);  // nothing written past the batch
    }
  }
}

}  // namespace lacl::test
