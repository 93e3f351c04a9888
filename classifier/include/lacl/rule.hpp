// The IPv4 5-tuple rule model shared by every layer of lacl.
//
// A rule matches a packet when every one of its five fields contains the packet's value for that
// field. All ranges are closed ([lo, hi], both ends included) and every value is in host byte
// order. Rules are ordered: the rule with the smaller id (earlier in its file) has the higher
// priority, so equal priorities cannot occur.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

namespace lacl {

/// Index of a rule in its rule set: the 0-based file order, which is also its priority (0 wins).
using RuleId = std::uint32_t;

/// The result written for a packet that no rule matches.
inline constexpr RuleId kNoMatch = std::numeric_limits<RuleId>::max();

/// The five matched fields, in the order ClassBench writes them.
enum class Field : std::uint8_t { kSrcIp = 0, kDstIp = 1, kSrcPort = 2, kDstPort = 3, kProto = 4 };
inline constexpr std::size_t kNumFields = 5;

/// The largest value each field can hold.
inline constexpr std::array<std::uint32_t, kNumFields> kFieldMax = {0xFFFFFFFFu, 0xFFFFFFFFu,
                                                                    0xFFFFu, 0xFFFFu, 0xFFu};

/// Short lower-case name of a field ("src_ip", ...), for reports and errors.
const char* field_name(Field f) noexcept;

/// A closed range [lo, hi] of field values, host order. Valid when lo <= hi.
struct Range {
  std::uint32_t lo = 0;
  std::uint32_t hi = 0;

  constexpr bool contains(std::uint32_t v) const noexcept { return lo <= v && v <= hi; }
  constexpr bool overlaps(const Range& o) const noexcept { return lo <= o.hi && o.lo <= hi; }
  friend constexpr bool operator==(const Range&, const Range&) = default;
};

/// What happens to a packet that a rule matches (or that no rule matches: the default action).
struct Action {
  enum class Kind : std::uint8_t { kAccept = 0, kDrop = 1 };
  static constexpr std::uint16_t kSamePort = 0xFFFF;  ///< accept: send out of the paired port

  Kind kind = Kind::kAccept;
  std::uint16_t port = kSamePort;  ///< accept only: output port, or kSamePort

  static constexpr Action accept(std::uint16_t p = kSamePort) noexcept {
    return {Kind::kAccept, p};
  }
  static constexpr Action drop() noexcept { return {Kind::kDrop, kSamePort}; }
  friend constexpr bool operator==(const Action&, const Action&) = default;
};

/// "accept", "accept:3" or "drop".
std::string to_string(const Action& a);

/// One 5-tuple rule. `field[f]` is the range matched on field f; the protocol is kept as the
/// value/mask the rule was written with and also as a range (exact: [v, v]; wildcard: [0, 255]).
/// TCP flags are parsed and kept for round trips but never matched, as in rte_acl.
struct Rule {
  std::array<Range, kNumFields> field{};
  std::uint8_t proto_value = 0;
  std::uint8_t proto_mask = 0;
  std::uint16_t flags_value = 0;
  std::uint16_t flags_mask = 0;
  Action action{};

  const Range& operator[](Field f) const noexcept { return field[static_cast<std::size_t>(f)]; }
  Range& operator[](Field f) noexcept { return field[static_cast<std::size_t>(f)]; }
  friend bool operator==(const Rule&, const Rule&) = default;
};

/// A rule that matches every packet on every field.
Rule wildcard_rule() noexcept;

/// A packet's five header fields in host byte order.
struct PacketKey {
  std::uint32_t src_ip = 0;
  std::uint32_t dst_ip = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t proto = 0;

  constexpr std::uint32_t get(Field f) const noexcept {
    switch (f) {
      case Field::kSrcIp:
        return src_ip;
      case Field::kDstIp:
        return dst_ip;
      case Field::kSrcPort:
        return src_port;
      case Field::kDstPort:
        return dst_port;
      case Field::kProto:
        return proto;
    }
    return 0;
  }
  friend constexpr bool operator==(const PacketKey&, const PacketKey&) = default;
};

/// True when every field of `key` lies in the rule's range for it.
constexpr bool matches(const Rule& r, const PacketKey& key) noexcept {
  return r.field[0].contains(key.src_ip) && r.field[1].contains(key.dst_ip) &&
         r.field[2].contains(key.src_port) && r.field[3].contains(key.dst_port) &&
         r.field[4].contains(key.proto);
}

/// The closed range covered by an IPv4 prefix addr/len (len 0..32); host bits of addr are ignored.
constexpr Range prefix_range(std::uint32_t addr, unsigned len) noexcept {
  const std::uint32_t mask = len == 0 ? 0u : ~std::uint32_t{0} << (32 - len);
  return {addr & mask, (addr & mask) | ~mask};
}

/// The prefix length when `r` is exactly one prefix of a 32-bit field, otherwise -1.
int prefix_length(const Range& r) noexcept;

}  // namespace lacl
