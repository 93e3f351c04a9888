#include "keys.hpp"

#include <algorithm>

namespace lacl::test {
namespace {

PacketKey key_from(const std::array<std::uint32_t, kNumFields>& v) {
  PacketKey k;
  k.src_ip = v[0];
  k.dst_ip = v[1];
  k.src_port = static_cast<std::uint16_t>(v[2]);
  k.dst_port = static_cast<std::uint16_t>(v[3]);
  k.proto = static_cast<std::uint8_t>(v[4]);
  return k;
}

std::uint32_t random_in(Rng& rng, const Range& r) {
  const std::uint64_t span = std::uint64_t{r.hi} - r.lo + 1;
  return static_cast<std::uint32_t>(r.lo + rng.below(span));
}

}  // namespace

std::vector<PacketKey> uniform_keys(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<PacketKey> keys(n);
  for (auto& k : keys) {
    std::array<std::uint32_t, kNumFields> v{};
    for (std::size_t f = 0; f < kNumFields; ++f) {
      v[f] = static_cast<std::uint32_t>(rng.next() & kFieldMax[f]);
    }
    k = key_from(v);
  }
  return keys;
}

std::vector<PacketKey> boundary_keys(std::span<const Rule> rules, std::size_t max_keys,
                                     std::uint64_t seed) {
  Rng rng(seed);
  std::vector<PacketKey> keys;
  // 0 and max on every field, mixed.
  for (unsigned mask = 0; mask < (1u << kNumFields); ++mask) {
    std::array<std::uint32_t, kNumFields> v{};
    for (std::size_t f = 0; f < kNumFields; ++f)
      v[f] = (mask >> f) & 1 ? kFieldMax[f] : 0;
    keys.push_back(key_from(v));
  }
  if (rules.empty()) return keys;
  const std::size_t per_rule = kNumFields * 6;
  const std::size_t total = rules.size() * per_rule;
  const double keep =
      max_keys >= total ? 1.0 : static_cast<double>(max_keys) / static_cast<double>(total);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    for (std::size_t f = 0; f < kNumFields; ++f) {
      const Range& r = rules[i].field[f];
      const std::int64_t cands[6] = {std::int64_t{r.lo} - 1, r.lo, std::int64_t{r.lo} + 1,
                                     std::int64_t{r.hi} - 1, r.hi, std::int64_t{r.hi} + 1};
      for (std::int64_t c : cands) {
        if (keep < 1.0 && static_cast<double>(rng.below(1u << 20)) >= keep * (1u << 20)) continue;
        const std::int64_t clamped = std::clamp<std::int64_t>(c, 0, kFieldMax[f]);
        // Other fields: this rule's own corner/interior (so the key is near a match), or a random
        // rule's, so keys land in other rules' regions too.
        const Rule& other = rng.below(4) == 0 ? rules[rng.below(rules.size())] : rules[i];
        std::array<std::uint32_t, kNumFields> v{};
        for (std::size_t g = 0; g < kNumFields; ++g) {
          const Range& o = other.field[g];
          switch (rng.below(3)) {
            case 0:
              v[g] = o.lo;
              break;
            case 1:
              v[g] = o.hi;
              break;
            default:
              v[g] = random_in(rng, o);
              break;
          }
        }
        v[f] = static_cast<std::uint32_t>(clamped);
        keys.push_back(key_from(v));
      }
    }
  }
  return keys;
}

}  // namespace lacl::test
