#include "lacl/rule.hpp"

#include <bit>

namespace lacl {

const char* field_name(Field f) noexcept {
  switch (f) {
    case Field::kSrcIp:
      return "src_ip";
    case Field::kDstIp:
      return "dst_ip";
    case Field::kSrcPort:
      return "src_port";
    case Field::kDstPort:
      return "dst_port";
    case Field::kProto:
      return "proto";
  }
  return "?";
}

std::string to_string(const Action& a) {
  if (a.kind == Action::Kind::kDrop) return "drop";
  if (a.port == Action::kSamePort) return "accept";
  return "accept:" + std::to_string(a.port);
}

Rule wildcard_rule() noexcept {
  Rule r;
  for (std::size_t f = 0; f < kNumFields; ++f)
    r.field[f] = {0, kFieldMax[f]};
  return r;
}

int prefix_length(const Range& r) noexcept {
  // A prefix covers [lo, lo | host] where host = 2^k - 1 and lo has its k low bits clear.
  const std::uint32_t host = r.lo ^ r.hi;
  if (r.lo > r.hi || (host & (host + 1)) != 0 || (r.lo & host) != 0) return -1;
  return 32 - std::popcount(host);
}

}  // namespace lacl
