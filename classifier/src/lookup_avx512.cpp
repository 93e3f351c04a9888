// The lookup pipeline with AVX-512 (this file alone is compiled with -mavx512f/bw/vl/dq).
#include <immintrin.h>

#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_avx512(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept;

namespace {

struct Avx512 {
  // Eight candidates per step, each bound one masked unsigned compare that narrows the lane mask
  // (narrow fields widened to 32 bits). Candidates are in priority order, so the lowest set lane
  // of the first step with any is the list's best.
  static RuleId match_list(const std::uint8_t* list, std::uint32_t c, const PacketKey& k,
                           RuleId best) noexcept {
    const __m256i ks = _mm256_set1_epi32(static_cast<int>(k.src_ip));
    const __m256i kd = _mm256_set1_epi32(static_cast<int>(k.dst_ip));
    const __m256i kp = _mm256_set1_epi32(k.src_port);
    const __m256i kq = _mm256_set1_epi32(k.dst_port);
    const __m256i kr = _mm256_set1_epi32(k.proto);
    for (std::uint32_t g = 0; g < c; g += 8) {
      auto u32 = [&](LaneArray a) {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(list + a * c + 4 * g));
      };
      auto u16 = [&](LaneArray a) {
        return _mm256_cvtepu16_epi32(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(list + a * c + 2 * g)));
      };
      auto u8 = [&](LaneArray a) {
        return _mm256_cvtepu8_epi32(
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(list + a * c + g)));
      };
      auto m = static_cast<__mmask8>(_bzhi_u32(0xFFu, c - g));
      m = _mm256_mask_cmple_epu32_mask(m, u32(kSrcLo), ks);
      m = _mm256_mask_cmple_epu32_mask(m, ks, u32(kSrcHi));
      m = _mm256_mask_cmple_epu32_mask(m, u32(kDstLo), kd);
      m = _mm256_mask_cmple_epu32_mask(m, kd, u32(kDstHi));
      m = _mm256_mask_cmple_epu32_mask(m, u16(kSportLo), kp);
      m = _mm256_mask_cmple_epu32_mask(m, kp, u16(kSportHi));
      m = _mm256_mask_cmple_epu32_mask(m, u16(kDportLo), kq);
      m = _mm256_mask_cmple_epu32_mask(m, kq, u16(kDportHi));
      m = _mm256_mask_cmple_epu32_mask(m, u8(kProtoLo), kr);
      m = _mm256_mask_cmple_epu32_mask(m, kr, u8(kProtoHi));
      if (Pipeline<Avx512>::merge_first(list, c, g, m, best)) break;
    }
    return best;
  }

  // Sixteen unsigned compares per instruction: a window of up to 16 keys costs one load and one
  // compare instead of four dependent probes.
  static std::uint32_t search(const std::uint32_t* w, std::uint32_t width,
                              std::uint32_t v) noexcept {
    const __m512i vv = _mm512_set1_epi32(static_cast<int>(v));
    std::uint32_t count = 0;
    for (std::uint32_t i = 0; i < width; i += 16) {
      const __mmask16 le = _mm512_cmple_epu32_mask(_mm512_loadu_si512(w + i), vv);
      count += static_cast<std::uint32_t>(__builtin_popcount(le));
    }
    return count == 0 ? 0 : count - 1;
  }
};

}  // namespace

void classify_avx512(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept {
  Pipeline<Avx512>::all<kMaxChunk>(t, keys, out, chunk);
}

}  // namespace lacl::detail
