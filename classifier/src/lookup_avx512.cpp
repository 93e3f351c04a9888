// The lookup pipeline with AVX-512 (this file alone is compiled with -mavx512f/bw/vl/dq).
#include <immintrin.h>

#include "lacl/detail/lanes_256.hpp"
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
    const KeyLanes256<Avx512> key(k);
    for (std::uint32_t g = 0; g < c; g += 8) {
      const ListStep256<Avx512> step{list, c, g};
      auto m = static_cast<__mmask8>(_bzhi_u32(0xFFu, c - g));
      m = _mm256_mask_cmple_epu32_mask(m, step.u32(kSrcLo), key.src);
      m = _mm256_mask_cmple_epu32_mask(m, key.src, step.u32(kSrcHi));
      m = _mm256_mask_cmple_epu32_mask(m, step.u32(kDstLo), key.dst);
      m = _mm256_mask_cmple_epu32_mask(m, key.dst, step.u32(kDstHi));
      m = _mm256_mask_cmple_epu32_mask(m, step.u16(kSportLo), key.sport);
      m = _mm256_mask_cmple_epu32_mask(m, key.sport, step.u16(kSportHi));
      m = _mm256_mask_cmple_epu32_mask(m, step.u16(kDportLo), key.dport);
      m = _mm256_mask_cmple_epu32_mask(m, key.dport, step.u16(kDportHi));
      m = _mm256_mask_cmple_epu32_mask(m, step.u8(kProtoLo), key.proto);
      m = _mm256_mask_cmple_epu32_mask(m, key.proto, step.u8(kProtoHi));
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
