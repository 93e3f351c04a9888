// What the AVX2 and AVX-512 list validations share: a key's fields broadcast to eight 32-bit
// lanes, and eight candidates' bounds of one lane array widened to 32-bit lanes. Include only
// from a translation unit compiled with AVX2 or better. Templates on the including unit's ISA
// policy, so each unit instantiates its own copy (see lookup_pipeline.hpp's top comment).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "lacl/detail/candidate_lanes.hpp"
#include "lacl/rule.hpp"

namespace lacl::detail {

template <class Isa>
struct KeyLanes256 {
  __m256i src, dst, sport, dport, proto;

  explicit KeyLanes256(const PacketKey& k) noexcept
      : src(_mm256_set1_epi32(static_cast<int>(k.src_ip))),
        dst(_mm256_set1_epi32(static_cast<int>(k.dst_ip))),
        sport(_mm256_set1_epi32(k.src_port)),
        dport(_mm256_set1_epi32(k.dst_port)),
        proto(_mm256_set1_epi32(k.proto)) {}
};

/// Candidates g .. g + 7 of the c-candidate list at `list` of an index on field kField.
template <class Isa, std::uint32_t kField>
struct ListStep256 {
  static constexpr LaneLayout kLayout = lane_layout(kField);
  const std::uint8_t* list;
  std::uint32_t c;
  std::uint32_t g;

  /// Array a's values of the eight candidates, widened to 32-bit lanes.
  template <LaneArray a>
  __m256i values() const noexcept {
    const std::uint8_t* p = list + kLayout.at[a] * c + kLaneWidth[a] * g;
    if constexpr (kLaneWidth[a] == 4) {
      return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    } else if constexpr (kLaneWidth[a] == 2) {
      return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    } else {
      return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    }
  }
};

}  // namespace lacl::detail
