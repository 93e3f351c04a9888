// The lookup pipeline with AVX2 (this file alone is compiled with -mavx2 -mbmi2).
#include <immintrin.h>

#include "lacl/detail/lanes_256.hpp"
#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_avx2(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                   std::size_t chunk) noexcept;

namespace {

struct Avx2 {
  // The step's lanes (all ones for lane i) whose candidate's range between lane arrays kLo and
  // kLo + 1 holds v; all of them when those bound the index's field kField, which the lanes
  // leave out (see candidate_lanes.hpp).
  template <LaneArray kLo, std::uint32_t kField>
  static __m256i in(const ListStep256<Avx2, kField>& step, __m256i v) noexcept {
    if constexpr (kLaneField[kLo] == kField) {
      return _mm256_set1_epi32(-1);
    } else {
      constexpr auto kHi = static_cast<LaneArray>(kLo + 1);
      return _mm256_and_si256(
          _mm256_cmpeq_epi32(_mm256_max_epu32(step.template values<kLo>(), v), v),
          _mm256_cmpeq_epi32(_mm256_min_epu32(step.template values<kHi>(), v), v));
    }
  }

  // Eight candidates per step: lo <= v is max(lo, v) == v, v <= hi is min(hi, v) == v, on
  // unsigned lanes (narrow fields widened to 32 bits). Candidates are in priority order, so the
  // lowest set lane of the first step with any is the list's best.
  template <std::uint32_t kField>
  static RuleId match_list(const std::uint8_t* list, std::uint32_t c, const PacketKey& k,
                           RuleId best) noexcept {
    const KeyLanes256<Avx2> key(k);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    // Bit i set when candidate g + i matches, for i < 8 (and g + i < c).
    auto mask_of = [&](std::uint32_t g) {
      const ListStep256<Avx2, kField> step{list, c, g};
      __m256i ok = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(c - g)), lane);
      ok = _mm256_and_si256(ok, in<kSrcLo>(step, key.src));
      ok = _mm256_and_si256(ok, in<kDstLo>(step, key.dst));
      ok = _mm256_and_si256(ok, in<kSportLo>(step, key.sport));
      ok = _mm256_and_si256(ok, in<kDportLo>(step, key.dport));
      ok = _mm256_and_si256(ok, in<kProtoLo>(step, key.proto));
      return static_cast<std::uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(ok)));
    };
    return Pipeline<Avx2>::first_match<kField>(list, c, mask_of, best);
  }

  // Keys <= v among the eight at w, of which the first `live` count (1 << live - 1 as a mask).
  static std::uint32_t count8(const std::uint32_t* w, __m256i vv, std::uint32_t live) noexcept {
    const __m256i bias = _mm256_set1_epi32(static_cast<int>(0x80000000u));
    const __m256i k =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)), bias);
    const auto gt = static_cast<std::uint32_t>(
        _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(k, vv))));
    return static_cast<std::uint32_t>(__builtin_popcount(~gt & live));
  }

  // The two-level search (see the AVX-512 unit): sixteen block keys, then the sixteen keys of
  // the block, eight per compare.
  static std::uint32_t search_blocks(const std::uint32_t* keys, const std::uint32_t* blocks,
                                     std::uint32_t start, std::uint32_t lanes,
                                     std::uint32_t v) noexcept {
    constexpr std::uint32_t kBlock = RangeIndex::kBlock;
    const __m256i vv = _mm256_xor_si256(_mm256_set1_epi32(static_cast<int>(v)),
                                        _mm256_set1_epi32(static_cast<int>(0x80000000u)));
    const std::uint32_t first = start / kBlock;
    const std::uint32_t live = _bzhi_u32(0xFFFFu, lanes);
    const std::uint32_t in =
        count8(blocks + first, vv, live & 0xFFu) + count8(blocks + first + 8, vv, live >> 8);
    const std::uint32_t block = first + (in != 0 ? in - 1 : 0);
    const std::uint32_t le =
        count8(keys + kBlock * block, vv, 0xFFu) + count8(keys + kBlock * block + 8, vv, 0xFFu);
    return kBlock * block + (le != 0 ? le - 1 : 0);
  }

  // Two chunks (sixteen words, 1024 rules) per step, each two loads per field, ANDed across
  // the fields; past the last chunk, chunk 0 (all zeros) stands in. As the AVX-512 unit's, in
  // 256-bit halves. kFields and kTwoChunks as in Pipeline::first_common.
  template <std::uint32_t kFields, bool kTwoChunks>
  static std::uint32_t first_common(const BitVectorsView& bv, const std::uint16_t* const* row,
                                    const std::uint64_t* const* chunk) noexcept {
    const std::uint32_t fields = kFields != 0 ? kFields : bv.fields;
    const std::uint32_t chunks = kTwoChunks ? 2 : bv.chunks;
    const __m256i zero = _mm256_setzero_si256();
    auto load = [](const std::uint64_t* p) {
      return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    };
    // Bit i for each non-zero word i of the four.
    auto nonzero = [&](__m256i x) {
      const __m256i z = _mm256_cmpeq_epi64(x, zero);
      return ~static_cast<std::uint32_t>(_mm256_movemask_pd(_mm256_castsi256_pd(z))) & 0xFu;
    };
    for (std::uint32_t c = 0; c < chunks; c += 2) {
      const bool second = c + 1 < bv.chunks;
      const std::uint64_t* p = chunk[0] + 8 * row[0][c];
      const std::uint64_t* q = chunk[0] + 8 * (second ? row[0][c + 1] : 0u);
      __m256i x0 = load(p);
      __m256i x1 = load(p + 4);
      __m256i x2 = load(q);
      __m256i x3 = load(q + 4);
      for (std::uint32_t f = 1; f < fields; ++f) {
        p = chunk[f] + 8 * row[f][c];
        q = chunk[f] + 8 * (second ? row[f][c + 1] : 0u);
        x0 = _mm256_and_si256(x0, load(p));
        x1 = _mm256_and_si256(x1, load(p + 4));
        x2 = _mm256_and_si256(x2, load(q));
        x3 = _mm256_and_si256(x3, load(q + 4));
      }
      const std::uint32_t any =
          nonzero(x0) | nonzero(x1) << 4 | nonzero(x2) << 8 | nonzero(x3) << 12;
      if (any != 0) {
        alignas(32) std::uint64_t x[16];
        _mm256_store_si256(reinterpret_cast<__m256i*>(x), x0);
        _mm256_store_si256(reinterpret_cast<__m256i*>(x + 4), x1);
        _mm256_store_si256(reinterpret_cast<__m256i*>(x + 8), x2);
        _mm256_store_si256(reinterpret_cast<__m256i*>(x + 12), x3);
        const auto word = static_cast<std::uint32_t>(__builtin_ctz(any));
        return (8 * c + word) * 64 + static_cast<std::uint32_t>(__builtin_ctzll(x[word]));
      }
    }
    return kNoCommonBit;
  }

  // Counts the window's keys <= v eight at a time; keys are sorted, so the count locates the last
  // one. AVX2 compares signed lanes only: flipping the sign bit makes it an unsigned compare.
  static std::uint32_t search(const std::uint32_t* w, std::uint32_t width,
                              std::uint32_t v) noexcept {
    const __m256i bias = _mm256_set1_epi32(static_cast<int>(0x80000000u));
    const __m256i vv = _mm256_xor_si256(_mm256_set1_epi32(static_cast<int>(v)), bias);
    std::uint32_t count = 0;
    for (std::uint32_t i = 0; i < width; i += 8) {
      const __m256i k =
          _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + i)), bias);
      const __m256i gt = _mm256_cmpgt_epi32(k, vv);  // key > v
      count += 8 - static_cast<std::uint32_t>(__builtin_popcount(
                       static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(gt)))));
    }
    return count == 0 ? 0 : count - 1;
  }
};

}  // namespace

void classify_avx2(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                   std::size_t chunk) noexcept {
  Pipeline<Avx2>::all<kMaxChunk>(t, keys, out, chunk);
}

}  // namespace lacl::detail
