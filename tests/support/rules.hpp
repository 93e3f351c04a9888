// Hand-made rules for tests.
#pragma once

#include <vector>

#include "lacl/rule.hpp"

namespace lacl::test {

/// A rule from its five fields; proto < 0 means any protocol (mask 0x00), otherwise exact.
inline Rule make_rule(Range src, Range dst, Range sport, Range dport, int proto,
                      Action action = Action::accept()) {
  Rule r = wildcard_rule();
  r[Field::kSrcIp] = src;
  r[Field::kDstIp] = dst;
  r[Field::kSrcPort] = sport;
  r[Field::kDstPort] = dport;
  if (proto >= 0) {
    r.proto_value = static_cast<std::uint8_t>(proto);
    r.proto_mask = 0xFF;
    r[Field::kProto] = {r.proto_value, r.proto_value};
  }
  r.action = action;
  return r;
}

/// Edge cases on every field, in priority order: a rule of single points at 0 and one at the
/// maximum values, a prefix rule, its duplicate, a rule it shadows, a port-range rule, a
/// catch-all and a rule the catch-all shadows.
inline std::vector<Rule> edge_case_rules() {
  constexpr Range kAnyIp{0, 0xFFFFFFFFu};
  constexpr Range kAnyPort{0, 0xFFFF};
  return {
      make_rule({0, 0}, {0, 0}, {0, 0}, {0, 0}, 0),
      make_rule({0xFFFFFFFFu, 0xFFFFFFFFu}, {0xFFFFFFFFu, 0xFFFFFFFFu}, {65535, 65535},
                {65535, 65535}, 255),
      make_rule(prefix_range(0x0A000000u, 8), kAnyIp, kAnyPort, {80, 80}, 6),
      make_rule(prefix_range(0x0A000000u, 8), kAnyIp, kAnyPort, {80, 80}, 6),   // duplicate
      make_rule(prefix_range(0x0A010000u, 16), kAnyIp, kAnyPort, {80, 80}, 6),  // shadowed
      make_rule(kAnyIp, prefix_range(0xC0A80000u, 16), {1024, 65535}, kAnyPort, 17),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, -1),  // matches everything left
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 6),   // fully shadowed by the one above
  };
}

}  // namespace lacl::test
