// The learned Classifier on every ClassBench set in ../shared/rulesets (skipped when absent):
// identical answers to LinearScan on every trace packet; the 100K+ sets are checked against
// LinearScan on every distinct header (the traces repeat headers in bursts).
#include <catch2/catch.hpp>
#include <unordered_map>

#include "lacl/classbench.hpp"
#include "lacl/classifier.hpp"
#include "lacl/linear_scan.hpp"
#include "shared_data.hpp"

using namespace lacl;

namespace {
struct SkipIfAbsent {
  SkipIfAbsent() { test::require_shared_sets(); }
} const skip_if_absent;

struct KeyHash {
  std::size_t operator()(const PacketKey& k) const {
    return (std::uint64_t{k.src_ip} << 32 ^ k.dst_ip) * 0x9E3779B97F4A7C15ull ^
           (std::uint64_t{k.src_port} << 24 | std::uint64_t{k.dst_port} << 8 | k.proto);
  }
};
}  // namespace

TEST_CASE("Classifier equals LinearScan on every ClassBench trace packet", "[classbench][shared]") {
  const unsigned max_k = std::getenv("LACL_TEST_500K") ? 500 : 100;
  for (const std::string& name : test::shared_set_names(max_k)) {
    CAPTURE(name);
    auto rules = read_classbench_rules(test::shared_file(name, "rules"));
    REQUIRE(rules);
    auto trace = read_trace(test::shared_file(name, "trace"));
    REQUIRE(trace);
    auto set = RuleSet::make(*rules);
    REQUIRE(set);
    auto c = Classifier::compile(*set);
    REQUIRE(c);
    const std::vector<PacketKey> keys = trace_keys(*trace);
    std::vector<RuleId> got(keys.size());
    c->classify(keys, got);

    // The reference per distinct header, stopping at the generating rule: the first match can
    // only be at or before it, so the scan is short even at 100K rules.
    std::unordered_map<PacketKey, RuleId, KeyHash> want;
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto [it, fresh] = want.try_emplace(keys[i], kNoMatch);
      if (fresh) {
        const auto limit = static_cast<std::size_t>((*trace)[i].rule);
        for (std::size_t r = 0; r <= limit && r < rules->size(); ++r) {
          if (matches((*rules)[r], keys[i])) {
            it->second = static_cast<RuleId>(r);
            break;
          }
        }
      }
      if (got[i] != it->second) ++mismatches;
    }
    INFO(c->report().to_text());
    CHECK(mismatches == 0);
  }
}
