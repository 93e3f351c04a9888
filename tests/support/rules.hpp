// Hand-made rules for tests.
#pragma once

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

}  // namespace lacl::test
