// The rule model, RuleSet validation and the LinearScan reference on hand-made edge cases.
#include <catch2/catch.hpp>
#include "rules.hpp"

#include "lacl/linear_scan.hpp"
#include "lacl/rule_set.hpp"

using namespace lacl;
using test::make_rule;

namespace {

constexpr Range kAnyIp{0, 0xFFFFFFFFu};
constexpr Range kAnyPort{0, 0xFFFF};

PacketKey key(std::uint32_t s, std::uint32_t d, std::uint16_t sp, std::uint16_t dp,
              std::uint8_t p) {
  return {s, d, sp, dp, p};
}

}  // namespace

TEST_CASE("prefix ranges and prefix lengths agree", "[rule]") {
  CHECK(prefix_range(0x0A000001u, 8) == Range{0x0A000000u, 0x0AFFFFFFu});
  CHECK(prefix_range(0x12345678u, 0) == kAnyIp);
  CHECK(prefix_range(0x12345678u, 32) == Range{0x12345678u, 0x12345678u});
  for (unsigned len = 0; len <= 32; ++len) {
    CAPTURE(len);
    CHECK(prefix_length(prefix_range(0xC0A80101u, len)) == static_cast<int>(len));
  }
  CHECK(prefix_length(Range{1, 2}) == -1);
  CHECK(prefix_length(Range{0, 2}) == -1);
  CHECK(prefix_length(Range{5, 4}) == -1);
}

TEST_CASE("RuleSet rejects invalid rules and names them", "[rule]") {
  Rule good = wildcard_rule();
  REQUIRE(RuleSet::check(good).empty());

  SECTION("inverted range") {
    Rule r = good;
    r[Field::kDstPort] = {80, 79};
    auto s = RuleSet::make({good, r});
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().message, Catch::Contains("rule 1") && Catch::Contains("dst_port") &&
                                      Catch::Contains("inverted"));
  }
  SECTION("port beyond 16 bits") {
    Rule r = good;
    r[Field::kSrcPort] = {0, 70000};
    auto s = RuleSet::make({r});
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().message, Catch::Contains("rule 0") && Catch::Contains("src_port"));
  }
  SECTION("bad protocol mask") {
    Rule r = good;
    r.proto_mask = 0xF0;
    auto s = RuleSet::make({r});
    REQUIRE_FALSE(s);
    CHECK_THAT(s.error().message, Catch::Contains("mask"));
  }
  SECTION("wildcard protocol with a value") {
    Rule r = good;
    r.proto_value = 6;
    CHECK_THAT(RuleSet::check(r), Catch::Contains("wildcard"));
  }
  SECTION("protocol range disagreeing with value/mask") {
    Rule r = good;
    r.proto_mask = 0xFF;
    r.proto_value = 6;
    r[Field::kProto] = {6, 7};
    CHECK_FALSE(RuleSet::check(r).empty());
  }
  SECTION("valid sets keep order and default action") {
    auto s = RuleSet::make({good, good}, Action::drop());
    REQUIRE(s);
    CHECK(s->size() == 2);
    CHECK(s->default_action() == Action::drop());
  }
}

TEST_CASE("LinearScan: first match wins, kNoMatch otherwise", "[linear]") {
  std::vector<Rule> rules = {
      make_rule(prefix_range(0x0A000000u, 8), kAnyIp, kAnyPort, {80, 80}, 6),    // 0
      make_rule(prefix_range(0x0A000000u, 8), kAnyIp, kAnyPort, {80, 80}, 6),    // 1: duplicate
      make_rule(prefix_range(0x0A010000u, 16), kAnyIp, kAnyPort, kAnyPort, -1),  // 2: shadowed part
      make_rule({0, 0}, {0xFFFFFFFFu, 0xFFFFFFFFu}, {0, 0}, {65535, 65535}, 0),  // 3: single points
      make_rule(kAnyIp, kAnyIp, {1024, 65535}, kAnyPort, 17),                    // 4
      make_rule({0xFFFFFFFFu, 0xFFFFFFFFu}, kAnyIp, {65535, 65535}, kAnyPort,
                255),  // 5: max values
  };
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  LinearScan scan(*set);

  CHECK(scan.classify(key(0x0A010203u, 1, 5, 80, 6)) == 0);
  CHECK(scan.classify(key(0x0A010203u, 1, 5, 81, 6)) == 2);
  CHECK(scan.classify(key(0x0B010203u, 1, 5, 81, 6)) == kNoMatch);
  CHECK(scan.classify(key(0, 0xFFFFFFFFu, 0, 65535, 0)) == 3);
  CHECK(scan.classify(key(0, 0xFFFFFFFFu, 0, 65535, 1)) == kNoMatch);
  CHECK(scan.classify(key(1, 0xFFFFFFFFu, 0, 65535, 0)) == kNoMatch);
  CHECK(scan.classify(key(7, 7, 1024, 0, 17)) == 4);
  CHECK(scan.classify(key(7, 7, 1023, 0, 17)) == kNoMatch);
  CHECK(scan.classify(key(0xFFFFFFFFu, 0, 65535, 0, 255)) == 5);
  CHECK(scan.classify(key(0xFFFFFFFFu, 0, 65535, 0, 17)) == 4);

  SECTION("the batch call writes a result for every key") {
    std::vector<PacketKey> keys = {key(0x0A010203u, 1, 5, 80, 6), key(0x0B000000u, 0, 0, 0, 0),
                                   key(7, 7, 2000, 0, 17)};
    std::vector<RuleId> out(keys.size(), 12345);
    scan.classify(keys, out);
    CHECK(out == std::vector<RuleId>{0, kNoMatch, 4});
  }
  SECTION("an all-wildcard rule matches everything, including 0 and max keys") {
    auto all = RuleSet::make({wildcard_rule()});
    REQUIRE(all);
    LinearScan any(*all);
    CHECK(any.classify(key(0, 0, 0, 0, 0)) == 0);
    CHECK(any.classify(key(0xFFFFFFFFu, 0xFFFFFFFFu, 65535, 65535, 255)) == 0);
  }
  SECTION("an empty rule set matches nothing") {
    LinearScan none(RuleSet{});
    CHECK(none.classify(key(1, 2, 3, 4, 5)) == kNoMatch);
  }
}
