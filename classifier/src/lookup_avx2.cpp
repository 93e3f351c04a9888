// The lookup pipeline with AVX2 (this file alone is compiled with -mavx2 -mbmi2).
#include <immintrin.h>

#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_avx2(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                   std::size_t chunk) noexcept;

namespace {

struct Avx2 {
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
