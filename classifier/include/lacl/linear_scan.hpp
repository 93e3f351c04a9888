// LinearScan: the reference classifier. Exact by construction and deliberately simple: every test
// and benchmark uses it as the oracle the other classifiers are compared against.
#pragma once

#include <span>
#include <vector>

#include "lacl/rule.hpp"
#include "lacl/rule_set.hpp"

namespace lacl {

class LinearScan {
 public:
  explicit LinearScan(const RuleSet& rules);

  /// For each key, writes the id of the first (highest-priority) matching rule, or kNoMatch.
  /// `out.size()` must be at least `keys.size()`. Thread-safe (const, no shared state).
  void classify(std::span<const PacketKey> keys, std::span<RuleId> out) const noexcept;

  /// Single-key convenience wrapper around classify().
  RuleId classify(const PacketKey& key) const noexcept;

  std::size_t size() const noexcept { return rules_.size(); }

 private:
  std::vector<Rule> rules_;
};

}  // namespace lacl
