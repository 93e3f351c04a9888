// RuleRow: a rule packed into 32 bytes for validation on the fast path. Rows are stored in
// cache-aligned arrays, so a row never straddles a cache line.
#pragma once

#include <cstdint>

#include "lacl/rule.hpp"

namespace lacl::detail {

struct alignas(32) RuleRow {
  std::uint32_t src_lo, src_hi;
  std::uint32_t dst_lo, dst_hi;
  std::uint16_t sport_lo, sport_hi;
  std::uint16_t dport_lo, dport_hi;
  std::uint8_t proto_lo, proto_hi;
  std::uint16_t reserved;
  RuleId id;  ///< the rule's id, which is also its priority (smaller wins)

  static RuleRow from(const Rule& r, RuleId id) noexcept {
    RuleRow row{};
    row.src_lo = r.field[0].lo;
    row.src_hi = r.field[0].hi;
    row.dst_lo = r.field[1].lo;
    row.dst_hi = r.field[1].hi;
    row.sport_lo = static_cast<std::uint16_t>(r.field[2].lo);
    row.sport_hi = static_cast<std::uint16_t>(r.field[2].hi);
    row.dport_lo = static_cast<std::uint16_t>(r.field[3].lo);
    row.dport_hi = static_cast<std::uint16_t>(r.field[3].hi);
    row.proto_lo = static_cast<std::uint8_t>(r.field[4].lo);
    row.proto_hi = static_cast<std::uint8_t>(r.field[4].hi);
    row.id = id;
    return row;
  }

  friend bool operator==(const RuleRow&, const RuleRow&) = default;

  /// The row's range on field f.
  Range range(Field f) const noexcept {
    switch (f) {
      case Field::kSrcIp:
        return {src_lo, src_hi};
      case Field::kDstIp:
        return {dst_lo, dst_hi};
      case Field::kSrcPort:
        return {sport_lo, sport_hi};
      case Field::kDstPort:
        return {dport_lo, dport_hi};
      case Field::kProto:
        return {proto_lo, proto_hi};
    }
    return {};
  }

  /// Whether some key matches both rows: their ranges meet on every field.
  bool overlaps(const RuleRow& o) const noexcept {
    return static_cast<unsigned>(src_lo <= o.src_hi) & static_cast<unsigned>(o.src_lo <= src_hi) &
           static_cast<unsigned>(dst_lo <= o.dst_hi) & static_cast<unsigned>(o.dst_lo <= dst_hi) &
           static_cast<unsigned>(sport_lo <= o.sport_hi) &
           static_cast<unsigned>(o.sport_lo <= sport_hi) &
           static_cast<unsigned>(dport_lo <= o.dport_hi) &
           static_cast<unsigned>(o.dport_lo <= dport_hi) &
           static_cast<unsigned>(proto_lo <= o.proto_hi) &
           static_cast<unsigned>(o.proto_lo <= proto_hi);
  }

  /// Branch-free full match on all five fields.
  bool matches(const PacketKey& k) const noexcept {
    // Unsigned wrap-around turns each `lo <= v && v <= hi` into one compare.
    return static_cast<unsigned>(k.src_ip - src_lo <= src_hi - src_lo) &
           static_cast<unsigned>(k.dst_ip - dst_lo <= dst_hi - dst_lo) &
           static_cast<unsigned>(static_cast<std::uint32_t>(k.src_port - sport_lo) <=
                                 static_cast<std::uint32_t>(sport_hi - sport_lo)) &
           static_cast<unsigned>(static_cast<std::uint32_t>(k.dst_port - dport_lo) <=
                                 static_cast<std::uint32_t>(dport_hi - dport_lo)) &
           static_cast<unsigned>(static_cast<std::uint32_t>(k.proto - proto_lo) <=
                                 static_cast<std::uint32_t>(proto_hi - proto_lo));
  }
};
static_assert(sizeof(RuleRow) == 32);

}  // namespace lacl::detail
