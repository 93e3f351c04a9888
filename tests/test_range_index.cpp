// RangeIndex alone: the window it returns always holds the true slot, at and around every key
// and at every segment edge, and the stored bounds are never below the measured error.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "keys.hpp"
#include "lacl/range_index.hpp"

using namespace lacl;

namespace {

// The true slot: the last key <= v, or -1.
std::int64_t true_slot(const std::vector<std::uint32_t>& keys, std::uint32_t v) {
  auto it = std::upper_bound(keys.begin(), keys.end(), v);
  return static_cast<std::int64_t>(it - keys.begin()) - 1;
}

void check_index(const std::vector<std::uint32_t>& keys, std::uint32_t domain_max,
                 RangeIndex::Params params, std::uint64_t seed) {
  CAPTURE(keys.size(), domain_max, params.epsilon, params.radix_bits, seed);
  const RangeIndex idx = RangeIndex::build(keys, domain_max, params);
  REQUIRE(idx.verify_bounds());
  std::vector<std::uint32_t> probes = {0, domain_max};
  for (std::uint32_t k : keys) {
    for (std::int64_t d = -2; d <= 2; ++d) {
      const std::int64_t v = static_cast<std::int64_t>(k) + d;
      if (v >= 0 && v <= domain_max) probes.push_back(static_cast<std::uint32_t>(v));
    }
  }
  for (const auto& s : idx.segments()) {  // segment edges and the middle of every gap
    if (s.key > 0) probes.push_back(s.key - 1);
  }
  for (std::size_t i = 0; i + 1 < keys.size(); ++i)
    probes.push_back(keys[i] + (keys[i + 1] - keys[i]) / 2);
  test::Rng rng(seed);
  for (int i = 0; i < 2000; ++i)
    probes.push_back(static_cast<std::uint32_t>(rng.next() % (std::uint64_t{domain_max} + 1)));
  for (std::uint32_t v : probes) {
    const std::int64_t t = true_slot(keys, v);
    if (t < 0) continue;  // below every range: no slot to find
    const RangeIndex::Window w = idx.window(v);
    CAPTURE(v, t, w.lo, w.hi);
    REQUIRE(w.lo <= static_cast<std::uint64_t>(t));
    REQUIRE(static_cast<std::uint64_t>(t) <= w.hi);
    REQUIRE(idx.find(v) == static_cast<std::uint32_t>(t));
  }
}

std::vector<std::uint32_t> random_keys(test::Rng& rng, std::size_t n, std::uint32_t domain_max,
                                       bool clustered) {
  std::set<std::uint32_t> s;
  std::uint32_t centre = 0;
  while (s.size() < n) {
    if (!clustered || rng.below(50) == 0)
      centre = static_cast<std::uint32_t>(rng.next() % (std::uint64_t{domain_max} + 1));
    const std::uint64_t spread = clustered ? 1 + rng.below(4096) : std::uint64_t{domain_max} + 1;
    const std::uint64_t v = (centre + rng.next() % spread) % (std::uint64_t{domain_max} + 1);
    s.insert(static_cast<std::uint32_t>(v));
  }
  return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("RangeIndex windows hold the true slot", "[range_index]") {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    test::Rng rng(seed);
    const std::uint32_t domain = seed % 3 == 0 ? 0xFFFFu : 0xFFFFFFFFu;
    const std::size_t n = 1 + rng.below(seed % 4 == 0 ? 20000 : 600);
    const bool clustered = seed % 2 == 0;
    const auto keys = random_keys(rng, std::min<std::size_t>(n, domain / 2), domain, clustered);
    for (std::uint32_t eps : {1u, 4u, 16u, 64u}) {
      for (std::uint32_t bits : {0u, 1u, 6u})
        check_index(keys, domain, {eps, bits}, seed);
    }
  }
}

TEST_CASE("RangeIndex edge cases", "[range_index]") {
  SECTION("one key at 0, one at max") {
    check_index({0}, 0xFFFFFFFFu, {}, 1);
    check_index({0xFFFFFFFFu}, 0xFFFFFFFFu, {}, 1);
    check_index({0, 0xFFFFFFFFu}, 0xFFFFFFFFu, {}, 1);
  }
  SECTION("every value of a small domain is a key") {
    std::vector<std::uint32_t> keys(256);
    for (std::uint32_t i = 0; i < 256; ++i)
      keys[i] = i;
    check_index(keys, 255, {1, 0}, 2);
  }
  SECTION("dense run then a huge gap then a dense run (a segment must not run across the gap)") {
    std::vector<std::uint32_t> keys;
    for (std::uint32_t i = 0; i < 1000; ++i)
      keys.push_back(i * 3);
    for (std::uint32_t i = 0; i < 1000; ++i)
      keys.push_back(0xF0000000u + i * 7);
    for (std::uint32_t eps : {1u, 8u, 100u})
      check_index(keys, 0xFFFFFFFFu, {eps, 0}, 3);
  }
  SECTION("exponentially spaced keys") {
    std::vector<std::uint32_t> keys;
    for (std::uint32_t i = 0; i < 32; ++i)
      keys.push_back((1u << i) - 1);
    check_index(keys, 0xFFFFFFFFu, {2, 0}, 4);
  }
}

TEST_CASE("RangeIndex exhaustively on a 16-bit domain", "[range_index]") {
  test::Rng rng(99);
  auto keys = random_keys(rng, 3000, 0xFFFF, true);
  const RangeIndex idx = RangeIndex::build(keys, 0xFFFF, {8, 0});
  for (std::uint32_t v = 0; v <= 0xFFFF; ++v) {
    const std::int64_t t = true_slot(keys, v);
    if (t < 0) continue;
    const auto w = idx.window(v);
    if (!(w.lo <= t && t <= w.hi))
      FAIL("value " << v << " slot " << t << " outside [" << w.lo << ", " << w.hi << "]");
  }
  SUCCEED();
}

TEST_CASE("RangeIndex refuses bad input and bad stored parts", "[range_index]") {
  CHECK_THROWS(RangeIndex::build(std::vector<std::uint32_t>{}, 10, {}));
  CHECK_THROWS(RangeIndex::build(std::vector<std::uint32_t>{3, 3}, 10, {}));
  CHECK_THROWS(RangeIndex::build(std::vector<std::uint32_t>{11}, 10, {}));

  std::vector<std::uint32_t> keys;
  for (std::uint32_t i = 0; i < 500; ++i)
    keys.push_back(i * i);
  const RangeIndex idx = RangeIndex::build(keys, 0xFFFFFFFFu, {4, 0});
  auto parts = [&] {
    return std::tuple{
        detail::AlignedVector<std::uint32_t>(idx.keys().begin(), idx.keys().end()),
        detail::AlignedVector<RangeIndex::Segment>(idx.stored_segments().begin(),
                                                   idx.stored_segments().end()),
        detail::AlignedVector<std::uint32_t>(idx.radix_table().begin(), idx.radix_table().end())};
  };
  {
    auto [k, s, r] = parts();
    RangeIndex out;
    CHECK(RangeIndex::assemble(out, k, s, r, idx.radix_shift(), idx.domain_max()));
    CHECK(out.find(12345) == idx.find(12345));
  }
  {
    auto [k, s, r] = parts();
    REQUIRE(idx.max_window() > 1);  // some segment has a non-zero proved error...
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
      s[i].below = s[i].above = 0;
    RangeIndex out;  // ...so zeroed bounds are smaller than the measured error and refused
    CHECK_FALSE(RangeIndex::assemble(out, k, s, r, idx.radix_shift(), idx.domain_max()));
  }
  {
    auto [k, s, r] = parts();
    std::swap(k[3], k[4]);
    RangeIndex out;
    CHECK_FALSE(RangeIndex::assemble(out, k, s, r, idx.radix_shift(), idx.domain_max()));
  }
  {
    auto [k, s, r] = parts();
    r.pop_back();
    RangeIndex out;
    CHECK_FALSE(RangeIndex::assemble(out, k, s, r, idx.radix_shift(), idx.domain_max()));
  }
  {
    auto [k, s, r] = parts();
    s.back().base = 7;
    RangeIndex out;
    CHECK_FALSE(RangeIndex::assemble(out, k, s, r, idx.radix_shift(), idx.domain_max()));
  }
}
