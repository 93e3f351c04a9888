// Candidate lanes: the candidate lists of a merged index stored field by field, so one key is
// validated against a whole list with a few vector compares instead of a branchy row-by-row scan.
//
// Interval j's c candidates (rows offsets[j] .. offsets[j + 1] of the list, in priority order)
// start at byte lane_layout(f).bytes * offsets[j] of an index on field f and hold, each as an
// array of c values, in this order:
//
//   src_lo src_hi dst_lo dst_hi id   (u32)   sport_lo sport_hi dport_lo dport_hi (u16)
//   proto_lo proto_hi (u8)
//
// leaving out the two of field f. Those need no check: every candidate of an interval covers
// all of it on f (ISetIndex::links says where it ends), so a key that the index's search put in
// the interval, and that is not past its end, lies in every candidate's range on f. That is 22
// bytes per candidate for an index on an address, 26 on a port, 28 on the protocol.
//
// There is no padding between lists; a vector load may read past a list into the next one (the
// lane mask drops those lanes) and past the last list into kLaneOverread bytes of zero padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "lacl/detail/aligned.hpp"
#include "lacl/detail/rule_row.hpp"

namespace lacl::detail {

/// The lane arrays, in storage order.
enum LaneArray : std::uint32_t {
  kSrcLo,
  kSrcHi,
  kDstLo,
  kDstHi,
  kId,
  kSportLo,
  kSportHi,
  kDportLo,
  kDportHi,
  kProtoLo,
  kProtoHi,
  kLaneArrays
};

/// Bytes of each array's values.
inline constexpr std::uint32_t kLaneWidth[kLaneArrays] = {4, 4, 4, 4, 4, 2, 2, 2, 2, 1, 1};
/// The field (a Field as an integer) whose bound each array holds; kNumFields for the id.
inline constexpr std::uint32_t kLaneField[kLaneArrays] = {0, 0, 1, 1, kNumFields, 2,
                                                          2, 3, 3, 4,          4};

/// The type of array a's values.
template <LaneArray a>
using LaneType = std::conditional_t<kLaneWidth[a] == 4, std::uint32_t,
                                    std::conditional_t<kLaneWidth[a] == 2, std::uint16_t,
                                                       std::uint8_t>>;

/// Where the arrays of an index's lanes are.
struct LaneLayout {
  /// Offset of each array in a list of c candidates, in units of c bytes (unused for the
  /// indexed field's two arrays, which are left out).
  std::uint32_t at[kLaneArrays];
  std::uint32_t bytes;  ///< per candidate
};

/// The layout of the lanes of an index on field `indexed` (a Field as an integer).
constexpr LaneLayout lane_layout(std::uint32_t indexed) noexcept {
  LaneLayout l{};
  for (std::uint32_t a = 0; a < kLaneArrays; ++a) {
    if (kLaneField[a] == indexed) continue;
    l.at[a] = l.bytes;
    l.bytes += kLaneWidth[a];
  }
  return l;
}
/// The `indexed` field of lanes that leave no field out (a cut tree's leaves, CutTree).
inline constexpr std::uint32_t kNoIndexedField = kNumFields + 1;
static_assert(lane_layout(0).bytes == 22 && lane_layout(2).bytes == 26 &&
              lane_layout(4).bytes == 28 && lane_layout(kNoIndexedField).bytes == 30);

/// What a lookup reads of interval j of an index whose lists are lanes, in one record so that
/// it is one cache line: the list (candidates first .. end), the floor (ISetIndex::floors) and
/// the interval's last value (its end on the indexed field: a key past it is in a gap no
/// candidate covers and gets an empty list).
struct IntervalLinks {
  std::uint32_t first;
  std::uint32_t end;
  RuleId floor;
  std::uint32_t last;
};

/// Bytes a list validation may read past the last list (one 512-bit load, and the sentinel id
/// a step past the list: see Pipeline::first_match).
inline constexpr std::size_t kLaneOverread = 64;

template <class T>
T lane_load(const std::uint8_t* list, std::uint32_t c, std::uint32_t at, std::uint32_t i) noexcept {
  T v;
  std::memcpy(&v, list + at * c + sizeof(T) * i, sizeof(T));
  return v;
}

/// Packs `rows`, grouped into lists by `offsets` (offsets.back() == rows.size()), into the lanes
/// of an index on field `indexed` (a Field as an integer, or kNoIndexedField).
inline AlignedVector<std::uint8_t> pack_lanes(std::span<const std::uint32_t> offsets,
                                              std::span<const RuleRow> rows,
                                              std::uint32_t indexed) {
  const LaneLayout l = lane_layout(indexed);
  AlignedVector<std::uint8_t> out(rows.size() * l.bytes + kLaneOverread, 0);
  for (std::size_t j = 0; j + 1 < offsets.size(); ++j) {
    const std::uint32_t c = offsets[j + 1] - offsets[j];
    std::uint8_t* list = out.data() + std::size_t{l.bytes} * offsets[j];
    for (std::uint32_t i = 0; i < c; ++i) {
      const RuleRow& r = rows[offsets[j] + i];
      auto put = [&](LaneArray array, auto v) {
        if (kLaneField[array] != indexed)
          std::memcpy(list + l.at[array] * c + sizeof(v) * i, &v, sizeof(v));
      };
      put(kSrcLo, r.src_lo);
      put(kSrcHi, r.src_hi);
      put(kDstLo, r.dst_lo);
      put(kDstHi, r.dst_hi);
      put(kId, r.id);
      put(kSportLo, r.sport_lo);
      put(kSportHi, r.sport_hi);
      put(kDportLo, r.dport_lo);
      put(kDportHi, r.dport_hi);
      put(kProtoLo, r.proto_lo);
      put(kProtoHi, r.proto_hi);
    }
  }
  return out;
}

inline AlignedVector<std::uint8_t> pack_lanes(std::span<const std::uint32_t> offsets,
                                              std::span<const RuleRow> rows, Field indexed) {
  return pack_lanes(offsets, rows, static_cast<std::uint32_t>(indexed));
}

/// Candidate i of the c-candidate list at `list` of an index on field `indexed` (a Field as an
/// integer, or kNoIndexedField), as a row whose range on that field is `range`.
inline RuleRow lane_row(const std::uint8_t* list, std::uint32_t c, std::uint32_t i,
                        std::uint32_t indexed, Range range) noexcept {
  const LaneLayout l = lane_layout(indexed);
  // The indexed field's arrays hold `range` (lo for a low array, hi for a high one).
  auto get = [&]<class T>(LaneArray array, T& out, std::uint32_t bound) {
    out = kLaneField[array] == indexed ? static_cast<T>(bound)
                                       : lane_load<T>(list, c, l.at[array], i);
  };
  RuleRow r{};
  get(kSrcLo, r.src_lo, range.lo);
  get(kSrcHi, r.src_hi, range.hi);
  get(kDstLo, r.dst_lo, range.lo);
  get(kDstHi, r.dst_hi, range.hi);
  get(kId, r.id, 0);
  get(kSportLo, r.sport_lo, range.lo);
  get(kSportHi, r.sport_hi, range.hi);
  get(kDportLo, r.dport_lo, range.lo);
  get(kDportHi, r.dport_hi, range.hi);
  get(kProtoLo, r.proto_lo, range.lo);
  get(kProtoHi, r.proto_hi, range.hi);
  return r;
}

inline RuleRow lane_row(const std::uint8_t* list, std::uint32_t c, std::uint32_t i, Field indexed,
                        Range range) noexcept {
  return lane_row(list, c, i, static_cast<std::uint32_t>(indexed), range);
}

}  // namespace lacl::detail
