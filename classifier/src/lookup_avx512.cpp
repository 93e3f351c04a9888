// The lookup pipeline with AVX-512 (this file alone is compiled with -mavx512f/bw/vl/dq).
#include <immintrin.h>

#include "lacl/detail/lanes_256.hpp"
#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_avx512(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept;

namespace {

struct Avx512 {
  // Eight candidates per step: each field's two bounds are one compare and one masked compare
  // (narrow fields widened to 32 bits), and the five fields' masks are ANDed as a tree, so the
  // dependency chain is three deep instead of ten. Candidates are in priority order, so the
  // lowest set lane of the first step with any is the list's best.
  static RuleId match_list(const std::uint8_t* list, std::uint32_t c, const PacketKey& k,
                           RuleId best) noexcept {
    const KeyLanes256<Avx512> key(k);
    for (std::uint32_t g = 0; g < c; g += 8) {
      const ListStep256<Avx512> step{list, c, g};
      auto in = [](__m256i lo, __m256i hi, __m256i v) {
        return _mm256_mask_cmple_epu32_mask(_mm256_cmple_epu32_mask(lo, v), v, hi);
      };
      const auto live = static_cast<__mmask8>(_bzhi_u32(0xFFu, c - g));
      const __mmask8 src = in(step.u32(kSrcLo), step.u32(kSrcHi), key.src);
      const __mmask8 dst = in(step.u32(kDstLo), step.u32(kDstHi), key.dst);
      const __mmask8 sport = in(step.u16(kSportLo), step.u16(kSportHi), key.sport);
      const __mmask8 dport = in(step.u16(kDportLo), step.u16(kDportHi), key.dport);
      const __mmask8 proto = in(step.u8(kProtoLo), step.u8(kProtoHi), key.proto);
      const auto m = static_cast<std::uint32_t>((live & src) & (dst & sport) & (dport & proto));
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
