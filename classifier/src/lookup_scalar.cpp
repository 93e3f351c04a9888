// The lookup pipeline for any x86-64 CPU (baseline flags).
#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_scalar(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept;

namespace {

struct Scalar {
  // Branch-free halving over a power-of-two window: log2(width) dependent compares.
  static std::uint32_t search(const std::uint32_t* w, std::uint32_t width,
                              std::uint32_t v) noexcept {
    std::uint32_t base = 0;
    for (std::uint32_t half = width / 2; half > 0; half /= 2)
      base = w[base + half] <= v ? base + half : base;
    return base;
  }
};

}  // namespace

void classify_scalar(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept {
  Pipeline<Scalar>::all<kMaxChunk>(t, keys, out, chunk);
}

}  // namespace lacl::detail
