// bench::timing_order, the packet order the benchmarks time: the trace itself first, then
// copies in which its runs of identical headers are reordered, never cut, until there are
// enough packets; the same order for the same seed.
#include <catch2/catch.hpp>
#include <algorithm>
#include <vector>

#include "lacl/bench/timed_backend.hpp"
#include "lacl/rule.hpp"

using namespace lacl;

namespace {

PacketKey key(std::uint32_t n) {
  return {n, ~n, static_cast<std::uint16_t>(n), 80, 6};
}

// A trace with runs of 1, 3, 1, 2 and 1 copies, the first and last header equal (a header may
// come back after others: only adjacent copies make a run).
std::vector<PacketKey> sample_trace() {
  std::vector<PacketKey> t;
  for (auto [n, copies] : std::vector<std::pair<std::uint32_t, int>>{
           {1, 1}, {2, 3}, {3, 1}, {4, 2}, {1, 1}}) {
    for (int c = 0; c < copies; ++c)
      t.push_back(key(n));
  }
  return t;
}

}  // namespace

TEST_CASE("timing_order: the trace alone when it is long enough") {
  const auto trace = sample_trace();
  const auto order = bench::timing_order(trace, trace.size());
  REQUIRE(order.size() == trace.size());
  for (std::uint32_t i = 0; i < order.size(); ++i)
    CHECK(order[i] == i);
  CHECK(bench::timing_order({}, 1000).empty());
}

TEST_CASE("timing_order: copies reorder whole runs, and the trace comes first") {
  const auto trace = sample_trace();
  const std::size_t n = trace.size();  // 8 packets in 5 runs
  const auto order = bench::timing_order(trace, 10 * n + 3);
  REQUIRE(order.size() >= 10 * n + 3);
  REQUIRE(order.size() % n == 0);  // whole copies only
  for (std::uint32_t i = 0; i < n; ++i)
    REQUIRE(order[i] == i);
  bool some_copy_differs = false;
  for (std::size_t c = 1; c < order.size() / n; ++c) {
    // Each copy holds every packet once, and each run's packets together and in order.
    std::vector<int> seen(n, 0);
    for (std::size_t k = c * n; k < (c + 1) * n; ++k)
      ++seen[order[k]];
    CHECK(std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; }));
    for (std::size_t k = c * n; k < (c + 1) * n; ++k) {
      if (order[k] == 1) CHECK((order[k + 1] == 2 && order[k + 2] == 3));  // run of three
      if (order[k] == 5) CHECK(order[k + 1] == 6);                         // run of two
    }
    for (std::size_t k = c * n; k < (c + 1) * n; ++k)
      some_copy_differs |= order[k] != order[k - c * n];
  }
  CHECK(some_copy_differs);
}

TEST_CASE("timing_order: the same seed gives the same order, another seed another") {
  const auto trace = sample_trace();
  const auto a = bench::timing_order(trace, 400, 7);
  CHECK(a == bench::timing_order(trace, 400, 7));
  CHECK(a != bench::timing_order(trace, 400, 8));
}
