// The lookup pipeline for any x86-64 CPU (baseline flags).
#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_scalar(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept;

namespace {

struct Scalar {
  template <class T>
  static T load(const std::uint8_t* list, std::uint32_t c, LaneArray a, std::uint32_t i) noexcept {
    return Pipeline<Scalar>::lane<T>(list, c, a, i);
  }

  // Candidates in priority order: the first match is the list's best, and nothing at or after
  // the best found so far can improve on it.
  static RuleId match_list(const std::uint8_t* list, std::uint32_t c, const PacketKey& k,
                           RuleId best) noexcept {
    for (std::uint32_t i = 0; i < c; ++i) {
      const auto id = load<std::uint32_t>(list, c, kId, i);
      if (id >= best) break;
      auto in = [&](std::uint32_t v, auto lo, auto hi) {
        return v - std::uint32_t{lo} <= std::uint32_t{hi} - std::uint32_t{lo};
      };
      if (in(k.src_ip, load<std::uint32_t>(list, c, kSrcLo, i),
             load<std::uint32_t>(list, c, kSrcHi, i)) &&
          in(k.dst_ip, load<std::uint32_t>(list, c, kDstLo, i),
             load<std::uint32_t>(list, c, kDstHi, i)) &&
          in(k.src_port, load<std::uint16_t>(list, c, kSportLo, i),
             load<std::uint16_t>(list, c, kSportHi, i)) &&
          in(k.dst_port, load<std::uint16_t>(list, c, kDportLo, i),
             load<std::uint16_t>(list, c, kDportHi, i)) &&
          in(k.proto, load<std::uint8_t>(list, c, kProtoLo, i),
             load<std::uint8_t>(list, c, kProtoHi, i))) {
        return id;
      }
    }
    return best;
  }

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
