// detail::radix_sort, which the compiler's partition, indexes and bit vectors sort with: the same
// order as std::stable_sort on the key, for any length, key width and share of equal keys.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "lacl/detail/radix_sort.hpp"

namespace {

// (key, position in the input): the position shows whether equal keys kept their order.
using Item = std::pair<std::uint64_t, std::size_t>;

std::uint64_t key_of(const Item& x) {
  return x.first;
}

std::vector<Item> random_items(std::size_t n, unsigned bits, std::uint64_t distinct,
                               std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::uint64_t mask = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  std::vector<std::uint64_t> pool(distinct);
  for (auto& k : pool)
    k = rng() & mask;
  std::vector<Item> v;
  for (std::size_t i = 0; i < n; ++i)
    v.emplace_back(pool[rng() % distinct], i);
  return v;
}

}  // namespace

TEST_CASE("radix_sort orders like std::stable_sort on the key", "[radix-sort]") {
  for (unsigned bits : {1u, 8u, 11u, 12u, 32u, 33u, 64u}) {
    for (std::size_t n : {0u, 1u, 2u, 7u, 100u, 5000u}) {
      for (std::uint64_t distinct : {1u, 3u, 1000u}) {
        CAPTURE(bits, n, distinct);
        std::vector<Item> v = random_items(n, bits, distinct, bits * 7919 + n + distinct);
        std::vector<Item> want = v;
        std::stable_sort(want.begin(), want.end(),
                         [](const Item& a, const Item& b) { return a.first < b.first; });
        lacl::detail::radix_sort(v, key_of, bits);
        CHECK(v == want);
      }
    }
  }
}

TEST_CASE("radix_sort sorts the extremes of a 64-bit key", "[radix-sort]") {
  std::vector<Item> v = {{~std::uint64_t{0}, 0}, {0, 1}, {std::uint64_t{1} << 63, 2},
                         {~std::uint64_t{0}, 3}, {1, 4}, {0, 5}};
  lacl::detail::radix_sort(v, key_of);
  const std::uint64_t top = std::uint64_t{1} << 63;
  const std::uint64_t max = ~std::uint64_t{0};
  const std::vector<Item> want = {{0, 1}, {0, 5}, {1, 4}, {top, 2}, {max, 0}, {max, 3}};
  CHECK(v == want);
}
