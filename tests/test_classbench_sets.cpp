// Checks on every ClassBench set in ../shared/rulesets (skipped when absent): the files parse,
// every trace header's generating rule matches it, and the first match found by the reference
// is never after the generating rule.
#include <catch2/catch.hpp>

#include "lacl/classbench.hpp"
#include "lacl/linear_scan.hpp"
#include "shared_data.hpp"

using namespace lacl;

namespace {
struct SkipIfAbsent {
  SkipIfAbsent() { test::require_shared_sets(); }
} const skip_if_absent;
}  // namespace

TEST_CASE("ClassBench traces agree with their generating rules", "[classbench][shared]") {
  // LinearScan over 10K rules and 100K-packet traces is fast enough; the 100K sets are left to
  // the learned-classifier tests, which need no linear scan of a million packets.
  for (const std::string& name : test::shared_set_names(10)) {
    CAPTURE(name);
    auto rules = read_classbench_rules(test::shared_file(name, "rules"));
    REQUIRE(rules);
    auto trace = read_trace(test::shared_file(name, "trace"));
    REQUIRE(trace);
    auto set = RuleSet::make(*rules);
    REQUIRE(set);
    LinearScan scan(*set);
    std::size_t bad_generator = 0;
    std::size_t late_match = 0;
    for (const TraceEntry& e : *trace) {
      REQUIRE(e.rule >= 0);
      REQUIRE(static_cast<std::size_t>(e.rule) < rules->size());
      if (!matches((*rules)[static_cast<std::size_t>(e.rule)], e.key)) ++bad_generator;
      const RuleId first = scan.classify(e.key);
      if (first == kNoMatch || first > e.rule) ++late_match;
    }
    CHECK(bad_generator == 0);
    CHECK(late_match == 0);
  }
}
