// The lookup pipeline with AVX-512 (this file alone is compiled with -mavx512f/bw/vl/dq).
#include <immintrin.h>

#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_avx512(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept;

namespace {

struct Avx512 {
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
