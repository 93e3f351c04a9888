#include "lacl/rule_set.hpp"

#include <string>

namespace lacl {

std::string RuleSet::check(const Rule& r) {
  for (std::size_t f = 0; f < kNumFields; ++f) {
    const Range& rg = r.field[f];
    const char* name = field_name(static_cast<Field>(f));
    if (rg.lo > rg.hi) {
      return std::string(name) + " range is inverted (" + std::to_string(rg.lo) + " > " +
             std::to_string(rg.hi) + ")";
    }
    if (rg.hi > kFieldMax[f]) {
      return std::string(name) + " value " + std::to_string(rg.hi) + " exceeds the field maximum " +
             std::to_string(kFieldMax[f]);
    }
  }
  if (r.proto_mask == 0xFF) {
    if (r[Field::kProto] != Range{r.proto_value, r.proto_value}) {
      return "protocol range does not agree with its exact value/mask";
    }
  } else if (r.proto_mask == 0x00) {
    if (r.proto_value != 0) return "wildcard protocol (mask 0x00) must have value 0x00";
    if (r[Field::kProto] != Range{0, 0xFF}) {
      return "protocol range does not agree with its wildcard value/mask";
    }
  } else {
    return "protocol mask must be 0x00 (any) or 0xFF (exact)";
  }
  return {};
}

Result<RuleSet> RuleSet::make(std::vector<Rule> rules, Action default_action) {
  if (rules.size() >= kNoMatch) return Error{"too many rules"};
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (std::string why = check(rules[i]); !why.empty()) {
      return Error{"rule " + std::to_string(i) + ": " + why};
    }
  }
  RuleSet set;
  set.rules_ = std::move(rules);
  set.default_action_ = default_action;
  return set;
}

}  // namespace lacl
