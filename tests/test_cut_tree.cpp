// The cut-tree remainder (CutTree) against the LinearScan reference: its own lookup, the rules it
// gives back, its memory and time bounds, and the classifier holding every rule (or the
// remainder behind the indexes) in it under every ISA and batch length.
#include <algorithm>
#include <chrono>

#include <catch2/catch.hpp>

#include "keys.hpp"
#include "lacl/classbench.hpp"
#include "lacl/classifier.hpp"
#include "lacl/cut_tree.hpp"
#include "lacl/detail/candidate_lanes.hpp"
#include "lacl/generator.hpp"
#include "lacl/linear_scan.hpp"
#include "remainder_checks.hpp"
#include "report.hpp"
#include "rules.hpp"

using namespace lacl;
using test::make_rule;
using test::rows_of;

namespace {

// A tree over all of `rules` with leaves of `leaf` answers like the scan, with and without a
// better match already in hand, and gives back exactly the rules it was built from.
void check_tree(const std::vector<Rule>& rules, std::uint32_t leaf, std::uint64_t seed) {
  const auto tree = CutTree::build(rows_of(rules), leaf, CutTree::kMaxBytes);
  REQUIRE(tree);
  CHECK(tree->bytes() <= CutTree::kMaxBytes);
  test::expect_like_scan(*tree, rules, seed);
}

// The classifier compiled with `o` answers like the scan (test::check_against_scan); with
// `expect_tree`, it holds its remainder as a cut tree.
void check_classifier(const std::vector<Rule>& rules, const CompileOptions& o, std::uint64_t seed,
                      bool expect_tree) {
  test::check_against_scan(rules, o, seed, [&](const Classifier& c) {
    if (!expect_tree) return;
    REQUIRE(c.report().remainder_algorithm == "cut-tree");
    CHECK(c.cut_tree().size() == c.report().remainder_rules);
    CHECK(c.remainder().size() == 0);
    CHECK(c.bit_vectors().empty());
  });
}

constexpr Range kAnyIp{0, 0xFFFFFFFFu};
constexpr Range kAnyPort{0, 0xFFFF};

}  // namespace

TEST_CASE("CutTree equals LinearScan on generated rule sets", "[cut-tree][property]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    for (std::size_t n : {1u, 2u, 3u, 17u, 64u, 300u, 1500u}) {
      for (std::uint32_t leaf : {1u, 4u, 16u, 255u}) {
        CAPTURE(profile_name(p), n, leaf);
        check_tree(generate_rules(p, n, n * 7717 + leaf), leaf, n + leaf);
      }
    }
  }
}

TEST_CASE("CutTree edge cases", "[cut-tree]") {
  SECTION("wildcards, full ranges, single points, 0 and max values, duplicates, shadows") {
    for (std::uint32_t leaf : {1u, 2u, 16u})
      check_tree(test::edge_case_rules(), leaf, 3);
  }
  SECTION("a rule shadowed wherever it reaches is in no leaf, and still given back") {
    // Rule 1 covers everything rule 2 does; rule 3 is a catch-all, so nothing after it
    // matters. The cut that separates rule 0 from rule 1 leaves a box that rule 1 covers whole.
    const std::vector<Rule> rules = {
        make_rule(prefix_range(0x0B000000u, 8), kAnyIp, kAnyPort, kAnyPort, -1),
        make_rule(prefix_range(0x0A000000u, 8), kAnyIp, kAnyPort, kAnyPort, -1),
        make_rule(prefix_range(0x0A010000u, 16), kAnyIp, kAnyPort, {80, 80}, 6),
        make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, -1),
        make_rule(kAnyIp, kAnyIp, kAnyPort, {80, 80}, 6),
    };
    const auto tree = CutTree::build(rows_of(rules), 1, CutTree::kMaxBytes);
    REQUIRE(tree);
    CHECK(tree->rows() == rows_of(rules));
    std::vector<RuleId> listed;
    constexpr std::size_t kBytes = detail::lane_layout(detail::kNoIndexedField).bytes;
    for (const CutTree::Node& n : tree->nodes()) {
      for (std::uint32_t i = 0; n.cuts == 0 && i < n.count; ++i) {
        listed.push_back(detail::lane_row(tree->lanes().data() + kBytes * n.first, n.count, i,
                                          detail::kNoIndexedField, {})
                             .id);
      }
    }
    CHECK(std::count(listed.begin(), listed.end(), 0u) > 0);
    CHECK(std::count(listed.begin(), listed.end(), 1u) > 0);
    CHECK(std::count(listed.begin(), listed.end(), 2u) == 0);
    CHECK(std::count(listed.begin(), listed.end(), 3u) > 0);
    CHECK(std::count(listed.begin(), listed.end(), 4u) == 0);
    CHECK(tree->classify(PacketKey{0x0A010203u, 1, 2, 80, 6}, kNoMatch) == 1);
    CHECK(tree->classify(PacketKey{0x0B010203u, 1, 2, 80, 6}, kNoMatch) == 0);
    CHECK(tree->classify(PacketKey{0x0C010203u, 1, 2, 80, 6}, kNoMatch) == 3);
    check_tree(rules, 1, 4);
  }
  SECTION("every rule a wildcard: a single leaf, no walk") {
    const std::vector<Rule> rules(3, wildcard_rule());
    const auto tree = CutTree::build(rows_of(rules), 1, CutTree::kMaxBytes);
    REQUIRE(tree);
    CHECK(tree->nodes().size() == 1);
    CHECK(tree->depth() == 0);
    CHECK(tree->classify(PacketKey{1, 2, 3, 4, 5}, kNoMatch) == 0);
    check_tree(rules, 1, 4);
  }
  SECTION("rules that no cut separates stay in one leaf past the leaf size") {
    // Every rule starts at 0 on the source and ends at the top on the destination, so any cut
    // leaves all of them in its first or last child.
    std::vector<Rule> rules;
    for (std::uint32_t i = 0; i < 40; ++i) {
      rules.push_back(
          make_rule({0, 0x80000000u + i}, {0x80000000u - i, 0xFFFFFFFFu}, kAnyPort, kAnyPort, -1));
    }
    const auto tree = CutTree::build(rows_of(rules), 4, CutTree::kMaxBytes);
    REQUIRE(tree);
    CHECK(tree->nodes().size() == 1);
    CHECK(tree->candidate_count() == 40);
    check_tree(rules, 4, 5);
  }
  SECTION("no rules") {
    const auto tree = CutTree::build({}, 16, 0);
    REQUIRE(tree);
    CHECK(tree->empty());
    CHECK(tree->classify(PacketKey{}, 7) == 7);
    CHECK(tree->rows().empty());
  }
}

TEST_CASE("CutTree stops at its memory and time bounds", "[cut-tree]") {
  const auto rows = rows_of(generate_rules(Profile::kFw, 1000, 3));
  const auto full = CutTree::build(rows, 16, CutTree::kMaxBytes);
  REQUIRE(full);
  // Never more than it may take: a cap it fits builds within it, a smaller one is refused.
  for (std::size_t cap : {full->bytes(), full->bytes() * 2}) {
    const auto t = CutTree::build(rows, 16, cap);
    if (t) CHECK(t->bytes() <= cap);
  }
  CHECK_FALSE(CutTree::build(rows, 16, full->bytes() - 1));
  CHECK_FALSE(CutTree::build(rows, 16, full->bytes() / 4));
  CHECK_FALSE(CutTree::build(rows, 16, CutTree::kMaxBytes,
                             std::chrono::steady_clock::now() - std::chrono::seconds(1)));
}

TEST_CASE("Classifier with every rule in a cut tree equals LinearScan", "[cut-tree][classifier]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    for (std::size_t n : {1u, 7u, 130u, 1100u}) {
      CAPTURE(profile_name(p), n);
      const auto rules = generate_rules(p, n, n * 31 + 7);
      CompileOptions o;
      o.cut_tree = true;
      o.min_iset_size = static_cast<std::uint32_t>(n + 1);  // no iSet: every rule in the remainder
      o.tuning_budget_ms = 0;
      check_classifier(rules, o, n, true);
    }
  }
  CompileOptions o;
  o.cut_tree = true;
  o.min_iset_size = 100;
  o.tuning_budget_ms = 0;
  for (std::uint32_t leaf : {1u, 3u, 40u}) {
    o.tree_leaf = leaf;
    check_classifier(test::edge_case_rules(), o, 9, true);
  }
}

TEST_CASE("Classifier with its remainder in a cut tree behind the indexes equals LinearScan",
          "[cut-tree][classifier]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    CAPTURE(profile_name(p));
    const auto rules = generate_rules(p, 2000, 77);
    CompileOptions o;
    o.cut_tree = true;
    o.max_isets = 2;  // a large remainder behind two iSets
    o.tuning_budget_ms = 0;
    for (bool finals : {false, true}) {
      CAPTURE(finals);
      o.final_rules = finals;
      auto set = RuleSet::make(rules);
      REQUIRE(set);
      auto c = Classifier::compile(*set, o);
      REQUIRE(c);
      CHECK(!c->isets().empty());
      CHECK(c->cut_tree().size() > 0);
      CHECK(c->final_rules() == finals);
      check_classifier(rules, o, 78, true);
    }
  }
}

TEST_CASE("the remainder options force or rule out a cut tree", "[cut-tree][tuning]") {
  const auto rules = generate_rules(Profile::kAcl, 600, 12);
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  CompileOptions o;
  o.cut_tree = true;
  o.bit_vectors = true;
  CHECK_FALSE(Classifier::compile(*set, o));
  // Ruled out, the tuner neither builds one nor keeps one.
  o = {};
  o.cut_tree = false;
  o.tuning_ratio = 0;
  o.tuning_budget_ms = 50;
  auto off = Classifier::compile(*set, o);
  REQUIRE(off);
  CHECK(off->cut_tree().empty());
  CHECK(test::tuning_lines_with(*off, "cut tree") == 0);
}

TEST_CASE("the tuner measures a cut tree, within the memory cap", "[cut-tree][tuning]") {
  const auto rules = generate_rules(Profile::kAcl, 800, 12);
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  CompileOptions o;
  o.tuning_ratio = 0;
  o.tuning_budget_ms = 200;
  o.max_bytes_per_rule = 1;  // nothing fits: neither may grow
  o.max_bytes_floor = 0;
  auto tight = Classifier::compile(*set, o);
  REQUIRE(tight);
  CHECK(tight->report().remainder_algorithm != "cut-tree");
  CHECK(test::tuning_lines_with(*tight, "cut tree: over the memory budget") > 0);
  o.max_bytes_per_rule = 4096;
  auto roomy = Classifier::compile(*set, o);
  REQUIRE(roomy);
  CHECK(test::tuning_lines_with(*roomy, "every rule in a cut tree: ") > 0);
  // Which wins is the measurement's call; the answers are the same either way.
  check_classifier(rules, o, 13, false);
}
