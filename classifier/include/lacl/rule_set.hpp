// RuleSet: an ordered, validated list of rules; the input of every classifier.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "lacl/result.hpp"
#include "lacl/rule.hpp"

namespace lacl {

/// An ordered list of rules: rule i has id and priority i (0 is the highest priority).
/// Built only through `make`, which validates every rule, so a RuleSet is always well formed:
/// every range has lo <= hi within its field's width, the protocol mask is 0x00 (wildcard, value 0)
/// or 0xFF (exact), and the protocol range agrees with the value/mask.
class RuleSet {
 public:
  RuleSet() = default;

  /// Validates and takes `rules`. The error names the first bad rule by 0-based index and says why.
  static Result<RuleSet> make(std::vector<Rule> rules, Action default_action = Action::accept());

  /// Why `r` is not a valid rule, or an empty string when it is.
  static std::string check(const Rule& r);

  std::span<const Rule> rules() const noexcept { return rules_; }
  std::size_t size() const noexcept { return rules_.size(); }
  bool empty() const noexcept { return rules_.empty(); }
  const Rule& operator[](RuleId id) const noexcept { return rules_[id]; }
  /// The action for packets that match no rule.
  Action default_action() const noexcept { return default_action_; }

 private:
  std::vector<Rule> rules_;
  Action default_action_ = Action::accept();
};

}  // namespace lacl
