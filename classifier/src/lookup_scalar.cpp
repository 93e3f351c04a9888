// The lookup pipeline for any x86-64 CPU (baseline flags).
#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_scalar(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept;

namespace {

struct Scalar {
  // Whether candidate i of the c-candidate list at `list` holds v on field kF, whose bounds are
  // lane arrays lo and lo + 1 of type T: always when kF is the index's field kField, which the
  // lanes leave out (see candidate_lanes.hpp).
  template <std::uint32_t kF, std::uint32_t kField, class T>
  static bool in(const std::uint8_t* list, std::uint32_t c, std::uint32_t i, LaneArray lo,
                 std::uint32_t v) noexcept {
    if constexpr (kF == kField) {
      return true;
    } else {
      constexpr LaneLayout kLayout = lane_layout(kField);
      const std::uint32_t low = Pipeline<Scalar>::lane<T>(list, c, kLayout.at[lo], i);
      const std::uint32_t high = Pipeline<Scalar>::lane<T>(list, c, kLayout.at[lo + 1], i);
      return v - low <= high - low;
    }
  }

  // Candidates in priority order: the first match is the list's best, and nothing at or after
  // the best found so far can improve on it.
  template <std::uint32_t kField>
  static RuleId match_list(const std::uint8_t* list, std::uint32_t c, const PacketKey& k,
                           RuleId best) noexcept {
    constexpr std::uint32_t kIdAt = lane_layout(kField).at[kId];
    for (std::uint32_t i = 0; i < c; ++i) {
      const auto id = Pipeline<Scalar>::lane<std::uint32_t>(list, c, kIdAt, i);
      if (id >= best) break;
      if (in<0, kField, std::uint32_t>(list, c, i, kSrcLo, k.src_ip) &&
          in<1, kField, std::uint32_t>(list, c, i, kDstLo, k.dst_ip) &&
          in<2, kField, std::uint16_t>(list, c, i, kSportLo, k.src_port) &&
          in<3, kField, std::uint16_t>(list, c, i, kDportLo, k.dst_port) &&
          in<4, kField, std::uint8_t>(list, c, i, kProtoLo, k.proto)) {
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
