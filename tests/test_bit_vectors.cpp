// The bit-vector remainder (BitVectors) against the LinearScan reference: its own lookup, the
// rules it recovers from its vectors, its memory bound, and the classifier holding every rule
// (or the remainder behind the indexes) in it under every ISA and batch length.
#include <algorithm>

#include <catch2/catch.hpp>

#include "keys.hpp"
#include "lacl/bit_vectors.hpp"
#include "lacl/classbench.hpp"
#include "lacl/classifier.hpp"
#include "lacl/generator.hpp"
#include "lacl/linear_scan.hpp"
#include "remainder_checks.hpp"
#include "report.hpp"
#include "rules.hpp"

using namespace lacl;
using test::make_rule;
using test::rows_of;

namespace {

// BitVectors over all of `rules` answers like the scan, with and without a better match
// already in hand, and gives back exactly the rules it was built from.
void check_vectors(const std::vector<Rule>& rules, std::uint64_t seed) {
  const auto bv = BitVectors::build(rows_of(rules), BitVectors::kMaxBytes);
  REQUIRE(bv);
  test::expect_like_scan(*bv, rules, seed);
}

// The classifier compiled with `o` answers like the scan (test::check_against_scan); with
// `expect_bits`, it holds its remainder as bit vectors.
void check_classifier(const std::vector<Rule>& rules, const CompileOptions& o, std::uint64_t seed,
                      bool expect_bits) {
  test::check_against_scan(rules, o, seed, [&](const Classifier& c) {
    if (!expect_bits) return;
    REQUIRE(c.report().remainder_algorithm == "bit-vectors");
    CHECK(c.bit_vectors().size() == c.report().remainder_rules);
    CHECK(c.remainder().size() == 0);
  });
}

constexpr Range kAnyIp{0, 0xFFFFFFFFu};
constexpr Range kAnyPort{0, 0xFFFF};

}  // namespace

TEST_CASE("BitVectors equals LinearScan on generated rule sets", "[bit-vectors][property]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    for (std::size_t n : {1u, 2u, 3u, 10u, 63u, 64u, 65u, 300u, 1000u, 2500u}) {
      for (std::uint64_t seed = 1; seed <= (n <= 300 ? 3u : 1u); ++seed) {
        CAPTURE(profile_name(p), n, seed);
        check_vectors(generate_rules(p, n, seed * 7717 + n), seed);
      }
    }
  }
}

TEST_CASE("BitVectors edge cases", "[bit-vectors]") {
  SECTION("wildcards, full ranges, single points, 0 and max values, duplicates") {
    check_vectors(test::edge_case_rules(), 3);
  }
  SECTION("every rule a wildcard: one field is still looked up") {
    const std::vector<Rule> rules(3, wildcard_rule());
    const auto bv = BitVectors::build(rows_of(rules), BitVectors::kMaxBytes);
    REQUIRE(bv);
    CHECK(bv->fields().size() == 1);
    CHECK(bv->classify(PacketKey{1, 2, 3, 4, 5}, kNoMatch) == 0);
    check_vectors(rules, 4);
  }
  SECTION("a field no rule narrows is not looked up") {
    std::vector<Rule> rules;
    for (std::uint32_t i = 0; i < 40; ++i)
      rules.push_back(make_rule(prefix_range(i << 24, 8), kAnyIp, kAnyPort, {i, i + 5}, -1));
    const auto bv = BitVectors::build(rows_of(rules), BitVectors::kMaxBytes);
    REQUIRE(bv);
    std::vector<Field> fields;
    for (const auto& t : bv->fields())
      fields.push_back(t.field);
    CHECK(fields == std::vector<Field>{Field::kSrcIp, Field::kDstPort});
    check_vectors(rules, 5);
  }
  SECTION("rules 0 .. n - 1 need no id table; any other ids are kept") {
    const auto rules = test::edge_case_rules();
    const auto all = BitVectors::build(rows_of(rules), BitVectors::kMaxBytes);
    REQUIRE(all);
    CHECK(all->ids().empty());
    CHECK(all->id_of(3) == 3);
    std::vector<detail::RuleRow> some;
    for (RuleId id : {2u, 5u, 7u})
      some.push_back(detail::RuleRow::from(rules[id], id));
    const auto part = BitVectors::build(some, BitVectors::kMaxBytes);
    REQUIRE(part);
    CHECK(std::vector<RuleId>(part->ids().begin(), part->ids().end()) ==
          std::vector<RuleId>{2, 5, 7});
    CHECK(part->rows() == some);
    // 10.1.1.1 -> 192.168.0.1, 2000 -> 80, TCP: rule 2 (10/8, port 80, TCP) and rule 7 (TCP)
    // match; rule 5 (UDP) does not.
    CHECK(part->classify(PacketKey{0x0A010101u, 0xC0A80001u, 2000, 80, 6}, kNoMatch) == 2);
    CHECK(part->classify(PacketKey{0x0B010101u, 0xC0A80001u, 2000, 81, 6}, kNoMatch) == 7);
    CHECK(part->classify(PacketKey{0x0B010101u, 0xC0A80001u, 2000, 81, 6}, 6) == 6);
  }
  SECTION("no rules") {
    const auto bv = BitVectors::build({}, 0);
    REQUIRE(bv);
    CHECK(bv->empty());
    CHECK(bv->classify(PacketKey{}, 7) == 7);
  }
}

TEST_CASE("BitVectors stop at their memory bound", "[bit-vectors]") {
  const auto rows = rows_of(generate_rules(Profile::kFw, 1000, 3));
  const auto full = BitVectors::build(rows, BitVectors::kMaxBytes);
  REQUIRE(full);
  CHECK(full->bytes() >= full->chunk_count() * BitVectors::kChunkWords * 8);
  CHECK(BitVectors::build(rows, full->bytes()));
  CHECK_FALSE(BitVectors::build(rows, full->bytes() - 1));
  CHECK_FALSE(BitVectors::build(rows, full->bytes() / 4));
}

TEST_CASE("Classifier with every rule in bit vectors equals LinearScan",
          "[bit-vectors][classifier]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    for (std::size_t n : {1u, 7u, 130u, 1100u}) {
      CAPTURE(profile_name(p), n);
      const auto rules = generate_rules(p, n, n * 31 + 7);
      CompileOptions o;
      o.bit_vectors = true;
      o.min_iset_size = static_cast<std::uint32_t>(n + 1);  // no iSet: every rule in the remainder
      o.tuning_budget_ms = 0;
      check_classifier(rules, o, n, true);
    }
  }
  CompileOptions o;
  o.bit_vectors = true;
  o.min_iset_size = 100;
  o.tuning_budget_ms = 0;
  check_classifier(test::edge_case_rules(), o, 9, true);
}

TEST_CASE("Classifier with its remainder in bit vectors behind the indexes equals LinearScan",
          "[bit-vectors][classifier]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    CAPTURE(profile_name(p));
    const auto rules = generate_rules(p, 2000, 77);
    CompileOptions o;
    o.bit_vectors = true;
    o.max_isets = 2;  // a large remainder behind two iSets
    o.tuning_budget_ms = 0;
    auto set = RuleSet::make(rules);
    REQUIRE(set);
    auto c = Classifier::compile(*set, o);
    REQUIRE(c);
    CHECK(!c->isets().empty());
    CHECK(c->bit_vectors().size() > 0);
    check_classifier(rules, o, 78, true);
  }
}

TEST_CASE("the tuner chooses bit vectors by measurement, within the memory cap",
          "[bit-vectors][tuning]") {
  // A set whose rules overlap heavily on every field is slow for the iSets; its bit vectors fit
  // a generous cap, and are refused under a cap they exceed.
  const auto rules = generate_rules(Profile::kFw, 800, 12);
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  CompileOptions o;
  o.tuning_ratio = 0;
  o.tuning_budget_ms = 200;
  o.max_bytes_per_rule = 1;  // nothing fits: neither may grow
  o.max_bytes_floor = 0;
  auto tight = Classifier::compile(*set, o);
  REQUIRE(tight);
  CHECK(tight->report().remainder_algorithm != "bit-vectors");
  CHECK(test::tuning_lines_with(*tight, "bit vectors") > 0);
  o.max_bytes_per_rule = 4096;
  // Which wins is the measurement's call; the answers are the same either way.
  check_classifier(rules, o, 13, false);
}
