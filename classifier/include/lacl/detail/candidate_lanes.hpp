// Candidate lanes: the candidate lists of a merged index stored field by field, so one key is
// validated against a whole list with a few vector compares instead of a branchy row-by-row scan.
//
// Interval j's c candidates (rows offsets[j] .. offsets[j + 1] of the list, in priority order)
// start at byte kLaneBytes * offsets[j] and hold, each as an array of c values:
//
//   src_lo src_hi dst_lo dst_hi id   (u32)   sport_lo sport_hi dport_lo dport_hi (u16)
//   proto_lo proto_hi (u8)
//
// That is exactly the bytes of the rows, with no padding between lists; a vector load may read
// past a list into the next one (the lane mask drops those lanes) and past the last list into
// kLaneOverread bytes of zero padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "lacl/detail/aligned.hpp"
#include "lacl/detail/rule_row.hpp"

namespace lacl::detail {

inline constexpr std::uint32_t kLaneBytes = 30;  ///< bytes per candidate
/// Offset of each array in a list of c candidates, in units of c bytes.
enum LaneArray : std::uint32_t {
  kSrcLo = 0,
  kSrcHi = 4,
  kDstLo = 8,
  kDstHi = 12,
  kId = 16,
  kSportLo = 20,
  kSportHi = 22,
  kDportLo = 24,
  kDportHi = 26,
  kProtoLo = 28,
  kProtoHi = 29,
};
/// Bytes a list validation may read past the last list (one 256-bit load).
inline constexpr std::size_t kLaneOverread = 64;

template <class T>
T lane_load(const std::uint8_t* list, std::uint32_t c, LaneArray array, std::uint32_t i) noexcept {
  T v;
  std::memcpy(&v, list + array * c + sizeof(T) * i, sizeof(T));
  return v;
}

/// Packs `rows`, grouped into lists by `offsets` (offsets.back() == rows.size()), into lanes.
inline AlignedVector<std::uint8_t> pack_lanes(std::span<const std::uint32_t> offsets,
                                              std::span<const RuleRow> rows) {
  AlignedVector<std::uint8_t> out(rows.size() * kLaneBytes + kLaneOverread, 0);
  for (std::size_t j = 0; j + 1 < offsets.size(); ++j) {
    const std::uint32_t c = offsets[j + 1] - offsets[j];
    std::uint8_t* list = out.data() + std::size_t{kLaneBytes} * offsets[j];
    auto put = [&](LaneArray array, std::uint32_t i, auto v) {
      std::memcpy(list + array * c + sizeof(v) * i, &v, sizeof(v));
    };
    for (std::uint32_t i = 0; i < c; ++i) {
      const RuleRow& r = rows[offsets[j] + i];
      put(kSrcLo, i, r.src_lo);
      put(kSrcHi, i, r.src_hi);
      put(kDstLo, i, r.dst_lo);
      put(kDstHi, i, r.dst_hi);
      put(kId, i, r.id);
      put(kSportLo, i, r.sport_lo);
      put(kSportHi, i, r.sport_hi);
      put(kDportLo, i, r.dport_lo);
      put(kDportHi, i, r.dport_hi);
      put(kProtoLo, i, r.proto_lo);
      put(kProtoHi, i, r.proto_hi);
    }
  }
  return out;
}

/// Candidate i of the c-candidate list at `list`, as a row.
inline RuleRow lane_row(const std::uint8_t* list, std::uint32_t c, std::uint32_t i) noexcept {
  RuleRow r{};
  r.src_lo = lane_load<std::uint32_t>(list, c, kSrcLo, i);
  r.src_hi = lane_load<std::uint32_t>(list, c, kSrcHi, i);
  r.dst_lo = lane_load<std::uint32_t>(list, c, kDstLo, i);
  r.dst_hi = lane_load<std::uint32_t>(list, c, kDstHi, i);
  r.id = lane_load<std::uint32_t>(list, c, kId, i);
  r.sport_lo = lane_load<std::uint16_t>(list, c, kSportLo, i);
  r.sport_hi = lane_load<std::uint16_t>(list, c, kSportHi, i);
  r.dport_lo = lane_load<std::uint16_t>(list, c, kDportLo, i);
  r.dport_hi = lane_load<std::uint16_t>(list, c, kDportHi, i);
  r.proto_lo = lane_load<std::uint8_t>(list, c, kProtoLo, i);
  r.proto_hi = lane_load<std::uint8_t>(list, c, kProtoHi, i);
  return r;
}

}  // namespace lacl::detail
