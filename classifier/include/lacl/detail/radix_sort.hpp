// A stable LSD radix sort on a 64-bit key, for the compiler's large sorts (a field's range
// ends, the partition's orders): tens of thousands of elements with cheap keys, where
// std::sort's comparisons were a quarter of a 10K-rule compile.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace lacl::detail {

/// Sorts `v` by key(x) (a std::uint64_t of which only the low `bits` bits may be set),
/// stably: elements of equal keys keep their order. Eleven bits per pass; a pass in which every
/// key has the same digit moves nothing.
template <class T, class Key>
void radix_sort(std::vector<T>& v, Key key, unsigned bits = 64) {
  constexpr unsigned kDigit = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kDigit;
  if (v.size() < 2) return;
  std::vector<T> tmp(v.size());
  std::vector<std::uint64_t> keys(v.size());
  std::vector<std::uint64_t> tmp_keys(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    keys[i] = key(v[i]);
  for (unsigned shift = 0; shift < bits; shift += kDigit) {
    std::array<std::size_t, kBuckets> count{};
    for (std::uint64_t k : keys)
      ++count[(k >> shift) & (kBuckets - 1)];
    if (count[(keys[0] >> shift) & (kBuckets - 1)] == v.size()) continue;
    std::size_t sum = 0;
    for (std::size_t& c : count)
      sum += std::exchange(c, sum);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::size_t at = count[(keys[i] >> shift) & (kBuckets - 1)]++;
      tmp[at] = std::move(v[i]);
      tmp_keys[at] = keys[i];
    }
    v.swap(tmp);
    keys.swap(tmp_keys);
  }
}

}  // namespace lacl::detail
