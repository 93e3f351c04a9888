// The learned Classifier against the LinearScan reference: generated rule sets of every profile
// and many sizes and seeds, packets at and beside every range boundary, 0 and max values, random
// packets; hand-made edge cases; every batch length.
#include <algorithm>
#include <numeric>
#include <random>

#include <catch2/catch.hpp>

#include "keys.hpp"
#include "lacl/classbench.hpp"
#include "lacl/classifier.hpp"
#include "lacl/detail/final_rules.hpp"
#include "lacl/generator.hpp"
#include "lacl/linear_scan.hpp"
#include "lacl/partition.hpp"
#include "report.hpp"
#include "rules.hpp"

using namespace lacl;
using test::make_rule;

namespace {

// Compares on every key; on a mismatch prints the first one with everything needed to replay it.
void expect_same(const Classifier& c, const LinearScan& ref, std::span<const PacketKey> keys,
                 std::span<const Rule> rules) {
  std::vector<RuleId> got(keys.size(), 12345);
  c.classify(keys, got);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const RuleId want = ref.classify(keys[i]);
    if (got[i] != want) {
      if (mismatches == 0) {
        const PacketKey& k = keys[i];
        UNSCOPED_INFO("first mismatch at key " << i << ": " << k.src_ip << " " << k.dst_ip << " "
                                               << k.src_port << " " << k.dst_port << " " << +k.proto
                                               << " got " << got[i] << " want " << want);
        if (want != kNoMatch) UNSCOPED_INFO("rule " << want << " matches");
        (void)rules;
      }
      ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

void check_set(const std::vector<Rule>& rules, const CompileOptions& opts, std::uint64_t seed,
               std::size_t max_keys = 60000) {
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  auto c = Classifier::compile(*set, opts);
  REQUIRE(c);
  LinearScan ref(*set);
  auto keys = test::boundary_keys(rules, max_keys, seed);
  auto random = test::uniform_keys(2000, seed + 1);
  keys.insert(keys.end(), random.begin(), random.end());
  auto trace = generate_trace(rules, 5000, seed + 2, seed % 2 ? 1.0 : 0.0);
  const auto trace_headers = trace_keys(trace);
  keys.insert(keys.end(), trace_headers.begin(), trace_headers.end());
  expect_same(*c, ref, keys, rules);
}

}  // namespace

TEST_CASE("Classifier equals LinearScan on generated rule sets", "[classifier][property]") {
  const std::size_t sizes[] = {1, 2, 3, 10, 57, 300, 1000, 4000};
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    for (std::size_t n : sizes) {
      for (std::uint64_t seed = 1; seed <= (n <= 300 ? 6u : 2u); ++seed) {
        CAPTURE(profile_name(p), n, seed);
        check_set(generate_rules(p, n, seed * 7919 + n), CompileOptions{}, seed);
      }
    }
  }
}

TEST_CASE("Classifier equals LinearScan whatever the knobs", "[classifier][property]") {
  // The knobs change speed, never answers: force each extreme.
  const auto rules = generate_rules(Profile::kFw, 2000, 5);
  for (std::uint32_t isets : {1u, 2u, 8u}) {
    for (std::uint32_t eps : {1u, 8u, 256u}) {
      for (std::uint32_t cap : {1u, 1000u}) {
        CompileOptions o;
        o.max_isets = isets;
        o.epsilon = eps;
        o.max_collisions = cap;
        o.batch = eps % 7 + 1;
        o.final_rules = cap == 1;
        CAPTURE(isets, eps, cap, o.batch);
        check_set(rules, o, isets * 100 + eps, 20000);
      }
    }
  }
}

TEST_CASE("Classifier equals LinearScan on a 100K generated set", "[classifier][property][large]") {
  for (Profile p : {Profile::kAcl, Profile::kIpc}) {
    CAPTURE(profile_name(p));
    check_set(generate_rules(p, 100000, 3), CompileOptions{}, 11, 100000);
  }
}

TEST_CASE("Classifier edge cases", "[classifier]") {
  constexpr Range kAnyIp{0, 0xFFFFFFFFu};
  constexpr Range kAnyPort{0, 0xFFFF};
  SECTION("empty rule set") {
    auto c = Classifier::compile(RuleSet{});
    REQUIRE(c);
    CHECK(c->classify(PacketKey{1, 2, 3, 4, 5}) == kNoMatch);
    std::vector<RuleId> none;
    c->classify(std::span<const PacketKey>{}, none);
  }
  SECTION("wildcards, full ranges, single points, 0 and max values, duplicates, shadowing") {
    const std::vector<Rule> rules = test::edge_case_rules();
    for (std::uint32_t isets : {0u, 1u, 8u}) {
      CompileOptions o;
      o.max_isets = isets;
      CAPTURE(isets);
      check_set(rules, o, 3);
      auto set = RuleSet::make(rules);
      auto c = Classifier::compile(*set, o);
      REQUIRE(c);
      CHECK(c->classify(PacketKey{0, 0, 0, 0, 0}) == 0);
      CHECK(c->classify(PacketKey{0xFFFFFFFFu, 0xFFFFFFFFu, 65535, 65535, 255}) == 1);
      CHECK(c->classify(PacketKey{0x0A010101u, 5, 9, 80, 6}) == 2);
      CHECK(c->classify(PacketKey{0x0B010101u, 0xC0A80001u, 2000, 80, 17}) == 5);
      CHECK(c->classify(PacketKey{0x0B010101u, 0xC0A80001u, 1000, 80, 17}) == 6);
    }
  }
  SECTION("all rules identical") {
    std::vector<Rule> rules(
        50, make_rule(prefix_range(0x01020300u, 24), kAnyIp, {10, 20}, kAnyPort, 17));
    check_set(rules, {}, 4);
  }
  SECTION("nested prefixes on every field") {
    std::vector<Rule> rules;
    for (unsigned len = 0; len <= 32; ++len) {
      rules.push_back(make_rule(prefix_range(0x80000001u, len), prefix_range(0x7FFFFFFEu, 32 - len),
                                {len, 65535 - len}, {0, len * 1000}, len % 2 ? 6 : -1));
    }
    check_set(rules, {}, 5);
  }
}

TEST_CASE("every batch length gives the single-key answers", "[classifier][batch]") {
  const auto rules = generate_rules(Profile::kIpc, 3000, 8);
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  for (std::uint32_t batch : {0u, 1u, 7u, 32u, 64u, 128u}) {
    CompileOptions o;
    o.batch = batch;
    auto c = Classifier::compile(*set, o);
    REQUIRE(c);
    LinearScan ref(*set);
    auto trace = generate_trace(rules, 300, 9);
    const std::vector<PacketKey> keys = trace_keys(trace);
    for (std::size_t len = 0; len <= 300; len += (len < 70 ? 1 : 13)) {
      CAPTURE(batch, len);
      std::vector<RuleId> out(len + 1, 777);
      c->classify(std::span(keys).first(len), std::span(out).first(len));
      for (std::size_t i = 0; i < len; ++i)
        REQUIRE(out[i] == ref.classify(keys[i]));
      REQUIRE(out[len] == 777);  // nothing written past the batch
    }
  }
}

TEST_CASE("the compile report adds up", "[classifier][report]") {
  const auto rules = generate_rules(Profile::kAcl, 5000, 2);
  auto set = RuleSet::make(rules);
  auto c = Classifier::compile(*set);
  REQUIRE(c);
  const CompileReport& r = c->report();
  std::size_t in_isets = 0;
  for (const auto& s : r.isets)
    in_isets += s.rules;
  CHECK(in_isets + r.remainder_rules == rules.size());
  CHECK(r.coverage == Approx(static_cast<double>(in_isets) / rules.size()));
  CHECK(r.bytes == c->bytes());
  CHECK(r.bytes > rules.size() * sizeof(detail::RuleRow));
  CHECK_FALSE(r.tuning.empty());
  CHECK(r.to_json().find("\"coverage\"") != std::string::npos);
  for (const auto& s : c->isets())
    CHECK(s.index.verify_bounds());
}

TEST_CASE("tuning on given traffic changes speed, never answers", "[classifier][tuning]") {
  const auto rules = generate_rules(Profile::kIpc, 2000, 12);
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  const std::vector<PacketKey> traffic = trace_keys(generate_trace(rules, 20000, 13, 1.0));
  CompileOptions o;
  o.traffic = traffic;
  auto c = Classifier::compile(*set, o);
  REQUIRE(c);
  CHECK_THAT(c->report().tuning.back(), Catch::Contains("sampled from the given traffic"));
  LinearScan ref(*set);
  expect_same(*c, ref, traffic, rules);
}

TEST_CASE("interval floors are the smallest later rule that meets the interval",
          "[classifier][floors]") {
  // Brute force over every interval of every index: what the lookup may skip on is exactly the
  // smallest id among the later indexes' and the remainder's rows whose range on the index's
  // field meets the interval; a floor too high would skip a rule that matches.
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    CAPTURE(profile_name(p));
    auto set = RuleSet::make(generate_rules(p, 1500, 4));
    REQUIRE(set);
    CompileOptions o;
    o.max_pieces = 1.0;  // more, smaller indexes and a remainder: more floors to check
    o.max_isets = 12;
    o.bit_vectors = false;  // indexes, whatever the bit vectors or a cut tree would measure
    o.cut_tree = false;
    auto c = Classifier::compile(*set, o);
    REQUIRE(c);
    const auto isets = c->isets();
    REQUIRE(isets.size() >= 2);
    for (std::size_t k = 0; k < isets.size(); ++k) {
      std::vector<detail::RuleRow> later = c->remainder_rows();
      for (std::size_t l = k + 1; l < isets.size(); ++l) {
        const auto rows = isets[l].candidate_rows();
        later.insert(later.end(), rows.begin(), rows.end());
      }
      const auto keys = isets[k].index.keys();
      REQUIRE((isets[k].links.empty() ? isets[k].floors.size() : isets[k].links.size()) ==
              keys.size());
      std::size_t wrong = 0;
      for (std::size_t j = 0; j < keys.size(); ++j) {
        const std::uint64_t lo = j == 0 ? 0 : keys[j];
        const std::uint64_t hi = j + 1 < keys.size() ? keys[j + 1] - 1ull : 0xFFFFFFFFull;
        RuleId want = kNoMatch;
        for (const detail::RuleRow& r : later) {
          const auto [a, b] = r.range(isets[k].field);
          if (a <= hi && b >= lo) want = std::min(want, r.id);
        }
        wrong += isets[k].floor(j) != want ? 1 : 0;
      }
      CAPTURE(k);
      CHECK(wrong == 0);
    }
    LinearScan ref(*set);
    expect_same(*c, ref, test::boundary_keys(set->rules(), 20000, 5), set->rules());
  }
}

namespace {

// Brute force: rule r is final unless a row of a later structure with a smaller id meets it.
std::vector<bool> final_by_brute_force(std::span<const detail::RuleRow> rows,
                                       std::span<const std::uint32_t> structure_of,
                                       std::uint32_t structures, std::size_t ids) {
  std::vector<bool> final(ids, false), beaten(ids, false);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    final[rows[i].id] = true;
    if (structure_of[i] + 1 >= structures) continue;
    for (std::size_t j = 0; j < rows.size(); ++j) {
      if (structure_of[j] > structure_of[i] && rows[j].id < rows[i].id &&
          rows[j].overlaps(rows[i])) {
        beaten[rows[i].id] = true;
      }
    }
  }
  for (std::size_t id = 0; id < ids; ++id)
    final[id] = final[id] && !beaten[id];
  return final;
}

bool bit(std::span<const std::uint64_t> bits, std::size_t i) {
  return i / 64 < bits.size() && (bits[i / 64] >> (i % 64) & 1) != 0;
}

}  // namespace

TEST_CASE("final rules are those no later structure can beat", "[classifier][final]") {
  constexpr Range kAny{0, 0xFFFFFFFFu};
  constexpr Range kPorts{0, 0xFFFF};
  const Range net10 = prefix_range(0x0A000000u, 8);
  const Range net10_1 = prefix_range(0x0A010000u, 16);
  const Range host = prefix_range(0x0A010203u, 32);
  SECTION("hand-made") {
    // (rule, structure): structure 2 is the last (the remainder).
    const std::vector<std::pair<Rule, std::uint32_t>> rules = {
        {test::make_rule(net10_1, kAny, kPorts, {80, 80}, 6), 1},  // 0
        {test::make_rule(net10, kAny, kPorts, {80, 80}, 6), 0},    // 1: met by 0, later
        {test::make_rule(net10, host, kPorts, {443, 443}, 6), 0},  // 2: 0 and 4 miss its port
        {test::make_rule(kAny, kAny, kPorts, kPorts, 17), 2},      // 3: the last structure
        {test::make_rule(net10, kAny, kPorts, {22, 22}, 6), 1},    // 4: nothing after meets it
        {test::make_rule(kAny, host, kPorts, kPorts, 17), 0},      // 5: met by 3, later
        {test::make_rule(kAny, kAny, kPorts, kPorts, 6), 0},       // 6: wide; met by 0
        {test::make_rule(net10, kAny, kPorts, {22, 22}, 6), 0},    // 7: met by 4, later
        {test::make_rule(kAny, kAny, kPorts, kPorts, 1), 0},       // 8: wide, alone in ICMP
        {test::make_rule(net10_1, kAny, kPorts, {80, 80}, 6), 1},  // 9: beaten by nothing
    };
    std::vector<detail::RuleRow> rows;
    std::vector<std::uint32_t> structure_of;
    for (std::size_t i = 0; i < rules.size(); ++i) {
      rows.push_back(detail::RuleRow::from(rules[i].first, static_cast<RuleId>(i)));
      structure_of.push_back(rules[i].second);
    }
    const auto finals = detail::final_rules(rows, structure_of, 3, 1 << 20);
    const bool want[] = {true, false, true, true, true, false, false, false, true, true};
    for (std::size_t id = 0; id < rules.size(); ++id) {
      CAPTURE(id);
      CHECK(bit(finals, id) == want[id]);
    }
    CHECK_FALSE(bit(finals, rules.size()));  // the bit past the largest id
    // A row of the same structure with a smaller id never beats one: the lookup visits it too.
    const auto same =
        detail::final_rules(rows, std::vector<std::uint32_t>(rows.size(), 0), 2, 1 << 20);
    for (std::size_t id = 0; id < rules.size(); ++id)
      CHECK(bit(same, id));
  }
  SECTION("generated rules, against brute force") {
    // Exact with room to search, and never a rule called final that is not, with none.
    for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
      for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        CAPTURE(profile_name(p), seed);
        const auto rules = generate_rules(p, 1200, seed * 31);
        test::Rng rng(seed);
        std::vector<detail::RuleRow> rows;
        std::vector<std::uint32_t> structure_of;
        const std::uint32_t structures = 2 + static_cast<std::uint32_t>(seed);
        for (std::size_t i = 0; i < rules.size(); ++i) {
          rows.push_back(detail::RuleRow::from(rules[i], static_cast<RuleId>(i)));
          structure_of.push_back(static_cast<std::uint32_t>(rng.below(structures)));
        }
        const auto want = final_by_brute_force(rows, structure_of, structures, rules.size());
        const auto exact = detail::final_rules(rows, structure_of, structures, 1 << 30);
        const auto bounded = detail::final_rules(rows, structure_of, structures, 1);
        std::size_t wrong = 0, unsound = 0, finals = 0;
        for (std::size_t id = 0; id < rules.size(); ++id) {
          wrong += bit(exact, id) != want[id] ? 1 : 0;
          unsound += bit(bounded, id) && !want[id] ? 1 : 0;
          finals += want[id] ? 1 : 0;
        }
        CHECK(wrong == 0);
        CHECK(unsound == 0);
        CHECK(finals > rules.size() / 10);  // the sets have final rules to find
      }
    }
  }
  SECTION("a classifier's, from its own structures") {
    auto set = RuleSet::make(generate_rules(Profile::kFw, 3000, 8));
    REQUIRE(set);
    CompileOptions o;
    o.max_isets = 12;
    o.bit_vectors = false;
    o.cut_tree = false;
    o.final_rules = true;
    auto c = Classifier::compile(*set, o);
    REQUIRE(c);
    REQUIRE(c->isets().size() >= 2);
    CHECK(c->final_rules());
    std::vector<detail::RuleRow> rows;
    std::vector<std::uint32_t> structure_of;
    const auto isets = c->isets();
    for (std::size_t k = 0; k <= isets.size(); ++k) {
      const auto mine = k < isets.size() ? isets[k].candidate_rows() : c->remainder_rows();
      rows.insert(rows.end(), mine.begin(), mine.end());
      structure_of.resize(rows.size(), static_cast<std::uint32_t>(k));
    }
    const auto want = final_by_brute_force(
        rows, structure_of, static_cast<std::uint32_t>(isets.size() + 1), set->rules().size());
    const auto got = final_rules(isets, c->remainder_rows());
    std::size_t unsound = 0;
    for (std::size_t id = 0; id < set->rules().size(); ++id)
      unsound += bit(got, id) && !want[id] ? 1 : 0;
    CHECK(unsound == 0);
    o.final_rules = false;
    auto off = Classifier::compile(*set, o);
    REQUIRE(off);
    CHECK_FALSE(off->final_rules());
    const LinearScan ref(*set);
    const auto keys = test::boundary_keys(set->rules(), 30000, 9);
    expect_same(*c, ref, keys, set->rules());
    expect_same(*off, ref, keys, set->rules());
  }
}

TEST_CASE("the tuner never takes memory over the cap, or further over it", "[classifier][tuning]") {
  for (Profile p : {Profile::kAcl, Profile::kIpc}) {
    CAPTURE(profile_name(p));
    auto set = RuleSet::make(generate_rules(p, 2000, 8));
    REQUIRE(set);
    const std::size_t n = set->rules().size();
    CompileOptions o;
    o.tuning_budget_ms = 0;
    auto start = Classifier::compile(*set, o);  // the configuration the tuner starts from
    REQUIRE(start);
    LinearScan ref(*set);
    const auto keys = test::boundary_keys(set->rules(), 20000, 9);
    o.tuning_budget_ms = 5000;
    o.tuning_ratio = 0;  // every stage
    o.max_bytes_floor = 0;
    // Within the cap, just: the tuner's choice stays within it.
    o.max_bytes_per_rule = (start->bytes() + n - 1) / n;
    auto c = Classifier::compile(*set, o);
    REQUIRE(c);
    CAPTURE(start->bytes(), c->report().to_text());
    CHECK(c->bytes() <= o.max_bytes_per_rule * n);
    expect_same(*c, ref, keys, set->rules());
    // Over the cap: it grows no further, and says so.
    o.max_bytes_per_rule = start->bytes() * 9 / 10 / n;
    auto d = Classifier::compile(*set, o);
    REQUIRE(d);
    CAPTURE(d->report().to_text());
    CHECK_THAT(d->report().tuning.front(), Catch::Contains("over the memory budget"));
    CHECK(d->bytes() <= start->bytes());
    expect_same(*d, ref, keys, set->rules());
    // The floor is a cap too, whatever the rules' share of it: one byte per rule, and room for
    // the start alone, takes it nowhere past the start.
    o.max_bytes_per_rule = 1;
    o.max_bytes_floor = start->bytes();
    auto e = Classifier::compile(*set, o);
    REQUIRE(e);
    CAPTURE(e->report().to_text());
    CHECK(e->bytes() <= o.max_bytes_floor);
    CHECK_THAT(e->report().tuning.front(), !Catch::Contains("over the memory budget"));
    expect_same(*e, ref, keys, set->rules());
  }
}

TEST_CASE("over the cap, the tuner tries indexes that split no range before other knobs",
          "[classifier][tuning]") {
  // Two families of source ranges, each disjoint within itself, every range of one straddling
  // two of the other: merged into one index, each range is split in two pieces; kept apart, two
  // indexes hold one candidate per rule.
  constexpr std::uint32_t kWidth = 1u << 22;
  std::vector<Rule> rules;
  for (std::uint32_t i = 0; i < 300; ++i) {
    for (std::uint32_t shift : {0u, kWidth / 2}) {
      const std::uint32_t lo = i * kWidth + shift;
      rules.push_back(make_rule({lo, lo + kWidth - 1}, {0, 0xFFFFFFFFu}, {0, 65535},
                                {static_cast<std::uint16_t>(i), 65535}, -1));
    }
  }
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  const std::size_t n = set->rules().size();
  CompileOptions o;
  o.tuning_budget_ms = 0;
  auto start = Classifier::compile(*set, o);
  REQUIRE(start);
  REQUIRE(start->report().isets.size() == 1);  // the two families merged
  o.max_pieces = 1;
  auto apart = Classifier::compile(*set, o);
  REQUIRE(apart);
  REQUIRE(apart->report().isets.size() == 2);
  REQUIRE(apart->bytes() < start->bytes());
  // A cap between the two: under the default tuning ratio, the first thing measured after the
  // start (the bit vectors and the cut tree left out) is the split-free indexes.
  o.max_pieces = 0;
  o.bit_vectors = false;
  o.cut_tree = false;
  o.tuning_budget_ms = 1000;
  o.max_bytes_per_rule = (apart->bytes() + start->bytes()) / 2 / n;
  o.max_bytes_floor = 0;
  auto c = Classifier::compile(*set, o);
  REQUIRE(c);
  const auto& tuning = c->report().tuning;
  CAPTURE(c->report().to_text());
  REQUIRE(tuning.size() >= 2);
  CHECK_THAT(tuning[0], Catch::Contains("over the memory budget"));
  CHECK_THAT(tuning[1], Catch::StartsWith("at most 1 candidates per rule"));
  CHECK(c->bytes() <= start->bytes());
  expect_same(*c, LinearScan(*set), test::boundary_keys(set->rules(), 20000, 4), set->rules());
  // With the budget spent as soon as the start is timed, they are still measured: whether
  // the cap holds does not depend on the machine's load.
  o.tuning_ratio = 1e-9;
  auto d = Classifier::compile(*set, o);
  REQUIRE(d);
  CAPTURE(d->report().to_text());
  CHECK(test::tuning_lines_with(*d, "at most 1 candidates per rule") == 1);
  expect_same(*d, LinearScan(*set), test::boundary_keys(set->rules(), 20000, 5), set->rules());
}

TEST_CASE("the tuning ratio bounds the tuner by the untuned compile's time",
          "[classifier][tuning]") {
  auto set = RuleSet::make(generate_rules(Profile::kAcl, 1000, 12));
  REQUIRE(set);
  CompileOptions o;
  o.tuning_budget_ms = 60000;
  // A ratio too small for anything after the first stage: the start is timed, and the bit
  // vectors (which a small set's budget may not reach in a cold process, and which can replace
  // everything later stages tune), nothing else; a cut tree's build stops at once.
  o.tuning_ratio = 1e-9;
  auto few = Classifier::compile(*set, o);
  REQUIRE(few);
  CAPTURE(few->report().to_text());
  CHECK(few->report().tuning.size() == 4);
  CHECK(test::tuning_lines_with(*few, "every rule in bit vectors") == 1);
  CHECK(test::tuning_lines_with(*few, "cut tree: not built within the tuning budget") == 1);
  CHECK(test::tuning_lines_with(*few, "chosen") == 1);
  // No ratio: the budget alone, which is ample, so every stage runs down to the last (batch).
  // Without the memory floor, whose room lets bit vectors replace every index (which leaves
  // the index stages nothing to tune), the bit vectors are over the cap.
  o.tuning_ratio = 0;
  o.max_bytes_floor = 0;
  auto all = Classifier::compile(*set, o);
  REQUIRE(all);
  CAPTURE(all->report().to_text());
  CHECK(test::tuning_lines_with(*all, "epsilon") > 0);
  CHECK(test::tuning_lines_with(*all, "batch") > 0);
  LinearScan ref(*set);
  const auto keys = test::boundary_keys(set->rules(), 20000, 13);
  expect_same(*few, ref, keys, set->rules());
  expect_same(*all, ref, keys, set->rules());
}

TEST_CASE("without a tuning budget the same rules compile to the same structure",
          "[classifier][tuning]") {
  // Anything measured may differ from run to run; with no budget nothing measured may decide.
  const auto rules = generate_rules(Profile::kFw, 300, 21);
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  CompileOptions o;
  o.tuning_budget_ms = 0;
  auto a = Classifier::compile(*set, o);
  auto b = Classifier::compile(*set, o);
  REQUIRE(a);
  REQUIRE(b);
  // Not even the starting configuration is timed.
  REQUIRE(a->report().tuning.size() == 1);
  CHECK_THAT(a->report().tuning[0], Catch::Contains("nothing measured"));
  CHECK(a->report().tuning_ms == 0);
  CHECK(a->batch() == b->batch());
  CHECK(a->report().lanes == b->report().lanes);
  CHECK(a->remainder().size() == b->remainder().size());
  REQUIRE(a->isets().size() == b->isets().size());
  for (std::size_t k = 0; k < a->isets().size(); ++k) {
    CAPTURE(k);
    const ISetIndex& x = a->isets()[k];
    const ISetIndex& y = b->isets()[k];
    CHECK(x.field == y.field);
    CHECK(std::equal(x.index.keys().begin(), x.index.keys().end(), y.index.keys().begin(),
                     y.index.keys().end()));
    const auto xr = x.candidate_rows();
    const auto yr = y.candidate_rows();
    REQUIRE(xr.size() == yr.size());
    for (std::size_t i = 0; i < xr.size(); ++i)
      CHECK(xr[i].id == yr[i].id);
  }
}

TEST_CASE("max_disjoint takes the same rules whatever the order of its ids", "[partition]") {
  // Ties on hi (and lo) go to the higher-priority rule, so the order ids come in must not
  // matter; the result is disjoint on the field and sorted by lo.
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    CAPTURE(profile_name(p));
    const auto rules = generate_rules(p, 2000, 31);
    std::vector<RuleId> ids(rules.size());
    std::iota(ids.begin(), ids.end(), RuleId{0});
    std::vector<RuleId> shuffled = ids;
    std::mt19937_64 rng(7);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (std::size_t f = 0; f < kNumFields; ++f) {
      CAPTURE(f);
      const auto field = static_cast<Field>(f);
      const std::vector<RuleId> want = max_disjoint(rules, ids, field);
      CHECK(max_disjoint(rules, shuffled, field) == want);
      for (std::size_t i = 1; i < want.size(); ++i)
        CHECK(rules[want[i - 1]].field[f].hi < rules[want[i]].field[f].lo);
    }
  }
}
