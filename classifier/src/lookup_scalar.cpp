// The lookup pipeline for any x86-64 CPU (baseline flags).
#include "lacl/detail/lookup_pipeline.hpp"

namespace lacl::detail {

void classify_scalar(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                     std::size_t chunk) noexcept;

namespace {

struct Scalar {
  // Whether candidate i of the c-candidate list at `list` (of an index on field kField) holds v
  // between lane arrays kLo and kLo + 1: always when those bound kField, which the lanes leave
  // out (see candidate_lanes.hpp).
  template <LaneArray kLo, std::uint32_t kField>
  static bool in(const std::uint8_t* list, std::uint32_t c, std::uint32_t i,
                 std::uint32_t v) noexcept {
    if constexpr (kLaneField[kLo] == kField) {
      return true;
    } else {
      constexpr LaneLayout kLayout = lane_layout(kField);
      using T = LaneType<kLo>;
      const std::uint32_t low = Pipeline<Scalar>::lane<T>(list, c, kLayout.at[kLo], i);
      const std::uint32_t high = Pipeline<Scalar>::lane<T>(list, c, kLayout.at[kLo + 1], i);
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
      if (in<kSrcLo, kField>(list, c, i, k.src_ip) && in<kDstLo, kField>(list, c, i, k.dst_ip) &&
          in<kSportLo, kField>(list, c, i, k.src_port) &&
          in<kDportLo, kField>(list, c, i, k.dst_port) &&
          in<kProtoLo, kField>(list, c, i, k.proto)) {
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
