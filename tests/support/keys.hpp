// Seeded packet-key generators for property tests, named by the distribution they draw from.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "lacl/rule.hpp"

namespace lacl::test {

/// A small deterministic PRNG (splitmix64) so failures reproduce from the printed seed.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n) (n > 0), slight modulo bias is irrelevant for tests.
  std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }

 private:
  std::uint64_t s_;
};

/// Uniformly random keys over the whole 5-tuple space.
std::vector<PacketKey> uniform_keys(std::size_t n, std::uint64_t seed);

/// Keys at and beside every range boundary of the rules: for each rule and field, the values
/// lo-1, lo, lo+1, hi-1, hi, hi+1 (clamped), the other fields taken from the same rule's corners
/// or a random other rule; plus 0 and the maximum on every field. At most `max_keys` (sampled).
std::vector<PacketKey> boundary_keys(std::span<const Rule> rules, std::size_t max_keys,
                                     std::uint64_t seed);

}  // namespace lacl::test
