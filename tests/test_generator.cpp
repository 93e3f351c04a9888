// The seeded rule and trace generators: reproducibility, validity, the character of each profile
// and the properties of the traces drawn from the rules.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lacl/generator.hpp"
#include "lacl/rule_set.hpp"

using namespace lacl;

namespace {

constexpr std::array<Profile, 3> kProfiles = {Profile::kAcl, Profile::kFw, Profile::kIpc};

// Everything a rule matches on, so two rules with equal keys are duplicates.
using MatchKey = std::array<std::uint64_t, 6>;

MatchKey match_key(const Rule& r) {
  MatchKey k{};
  for (std::size_t f = 0; f < kNumFields; ++f) {
    k[f] = (std::uint64_t{r.field[f].lo} << 32) | r.field[f].hi;
  }
  k[5] = (std::uint64_t{r.proto_value} << 40) | (std::uint64_t{r.proto_mask} << 32) |
         (std::uint64_t{r.flags_value} << 16) | r.flags_mask;
  return k;
}

std::size_t duplicate_count(const std::vector<Rule>& rules) {
  std::set<MatchKey> keys;
  for (const Rule& r : rules)
    keys.insert(match_key(r));
  return rules.size() - keys.size();
}

// FNV-1a over the matched fields: a fingerprint that changes when any generated value changes.
std::uint64_t fingerprint(const std::vector<Rule>& rules) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  auto add = [&h](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 0x100000001B3ull;
    }
  };
  for (const Rule& r : rules) {
    for (std::uint64_t v : match_key(r))
      add(v);
  }
  return h;
}

std::uint64_t fingerprint(const std::vector<TraceEntry>& trace) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  auto add = [&h](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 0x100000001B3ull;
    }
  };
  for (const TraceEntry& e : trace) {
    add(e.key.src_ip);
    add(e.key.dst_ip);
    add(e.key.src_port);
    add(e.key.dst_port);
    add(e.key.proto);
    add(e.flags);
    add(static_cast<std::uint64_t>(e.rule));
  }
  return h;
}

bool is_any(const Range& r, Field f) {
  return r.lo == 0 && r.hi == kFieldMax[static_cast<std::size_t>(f)];
}

double share(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// Counts of the features that tell the profiles apart, over one generated set.
struct ProfileStats {
  std::size_t rules = 0;
  std::size_t src_any = 0;
  std::size_t dst_any = 0;
  std::size_t src_short = 0;  // /1 .. /2, ClassBench's split wildcards
  std::size_t dst_long = 0;   // /24 or longer
  std::size_t dport_exact = 0;
  std::size_t port_low = 0;    // 0:1023 on either port
  std::size_t port_high = 0;   // 1024:65535 on either port
  std::size_t port_other = 0;  // any other non-exact, non-wildcard range
  std::size_t flags_zero = 0;
  std::map<int, std::size_t> protos;  // -1 for the wildcard

  std::size_t proto(int p) const {
    const auto it = protos.find(p);
    return it == protos.end() ? 0 : it->second;
  }
};

ProfileStats stats_of(const std::vector<Rule>& rules) {
  ProfileStats s;
  s.rules = rules.size();
  for (const Rule& r : rules) {
    s.src_any += is_any(r[Field::kSrcIp], Field::kSrcIp);
    s.dst_any += is_any(r[Field::kDstIp], Field::kDstIp);
    const int src_len = prefix_length(r[Field::kSrcIp]);
    s.src_short += src_len == 1 || src_len == 2;
    s.dst_long += prefix_length(r[Field::kDstIp]) >= 24;
    s.dport_exact += r[Field::kDstPort].lo == r[Field::kDstPort].hi;
    for (Field f : {Field::kSrcPort, Field::kDstPort}) {
      const Range& p = r[f];
      if (p == Range{0, 1023}) {
        ++s.port_low;
      } else if (p == Range{1024, 0xFFFF}) {
        ++s.port_high;
      } else if (p.lo != p.hi && !is_any(p, f)) {
        ++s.port_other;
      }
    }
    s.flags_zero += r.flags_value == 0 && r.flags_mask == 0;
    ++s.protos[r.proto_mask == 0 ? -1 : r.proto_value];
  }
  return s;
}

}  // namespace

TEST_CASE("profile names round trip and bad names are refused", "[generator]") {
  for (Profile p : kProfiles) {
    CAPTURE(profile_name(p));
    const auto parsed = parse_profile(profile_name(p));
    REQUIRE(parsed);
    CHECK(*parsed == p);
  }
  CHECK(std::string(profile_name(Profile::kAcl)) == "acl");
  CHECK(std::string(profile_name(Profile::kFw)) == "fw");
  CHECK(std::string(profile_name(Profile::kIpc)) == "ipc");
  for (const char* bad : {"", "ACL", "Fw", "acl1", "fw ", " ipc", "ip", "firewall", "x"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_profile(bad));
  }
}

TEST_CASE("rules are a pure function of (profile, count, seed)", "[generator]") {
  const Profile p = GENERATE(from_range(kProfiles));
  const std::uint64_t seed = GENERATE(0ull, 1ull, 0xDEADBEEFCAFEull);
  CAPTURE(profile_name(p), seed);
  const auto a = generate_rules(p, 2000, seed);
  const auto b = generate_rules(p, 2000, seed);
  CHECK(a == b);
  CHECK(generate_rules(p, 2000, seed + 1) != a);
  // Another profile with the same seed is a different rule set, not a relabelled one.
  const Profile other = p == Profile::kAcl ? Profile::kFw : Profile::kAcl;
  CHECK(generate_rules(other, 2000, seed) != a);
}

TEST_CASE("generated rules match a fixed fingerprint on every platform", "[generator]") {
  // The generator promises the same rules everywhere (no std distributions, no floating point).
  // A change here means every demo and test data set changes: update the values deliberately.
  const auto acl = generate_rules(Profile::kAcl, 1000, 42);
  const auto fw = generate_rules(Profile::kFw, 1000, 42);
  const auto ipc = generate_rules(Profile::kIpc, 1000, 42);
  CHECK(fingerprint(acl) == 0x640E86E0F93E4415ull);
  CHECK(fingerprint(fw) == 0xA2EBE13F6EE02703ull);
  CHECK(fingerprint(ipc) == 0x98135AF4B030601Full);
  CHECK(fingerprint(generate_trace(acl, 1000, 42)) == 0x8FC85C9BC268398Aull);
}

TEST_CASE("rule sets have exactly `count` distinct, valid rules", "[generator]") {
  const Profile p = GENERATE(from_range(kProfiles));
  const std::size_t count = GENERATE(0u, 1u, 2u, 17u, 1000u);
  const std::uint64_t seed = GENERATE(3ull, 77ull);
  CAPTURE(profile_name(p), count, seed);
  const auto rules = generate_rules(p, count, seed);
  REQUIRE(rules.size() == count);
  CHECK(duplicate_count(rules) == 0);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    CAPTURE(i);
    CHECK(RuleSet::check(rules[i]).empty());
    CHECK(rules[i].action == Action::accept());
  }
  const auto set = RuleSet::make(rules);
  REQUIRE(set);
  CHECK(set->size() == count);
}

TEST_CASE("a 100000-rule set is distinct and valid", "[generator][large]") {
  const Profile p = GENERATE(from_range(kProfiles));
  const std::uint64_t seed = 2024;
  CAPTURE(profile_name(p), seed);
  const auto rules = generate_rules(p, 100000, seed);
  REQUIRE(rules.size() == 100000);
  CHECK(duplicate_count(rules) == 0);
  std::size_t invalid = 0;
  for (const Rule& r : rules)
    invalid += !RuleSet::check(r).empty();
  CHECK(invalid == 0);
  CHECK(RuleSet::make(rules));
}

TEST_CASE("each profile has the character it claims", "[generator]") {
  const std::uint64_t seed = GENERATE(5ull, 6ull);
  CAPTURE(seed);
  const auto acl = stats_of(generate_rules(Profile::kAcl, 10000, seed));
  const auto fw = stats_of(generate_rules(Profile::kFw, 10000, seed));
  const auto ipc = stats_of(generate_rules(Profile::kIpc, 10000, seed));

  SECTION("acl: long destination prefixes, exact destination ports, TCP-heavy") {
    CHECK(share(acl.dst_long, acl.rules) > 0.7);
    CHECK(share(acl.dport_exact, acl.rules) > 0.45);
    CHECK(share(acl.proto(6), acl.rules) > 0.7);
    CHECK(share(acl.flags_zero, acl.rules) > 0.7);
    CHECK(acl.port_other > 0);
  }
  SECTION("fw: wildcard and short sources, far more than acl") {
    CHECK(share(fw.src_any, fw.rules) > 0.25);
    CHECK(share(fw.src_any, fw.rules) > 4 * share(acl.src_any, acl.rules));
    CHECK(share(fw.src_short, fw.rules) > 0.1);
    CHECK(share(fw.dst_any, fw.rules) > 0.1);
    CHECK(fw.port_high > 0);
    CHECK(fw.port_other > 0);
    // The 0x0200/0x1200 TCP flag test that fw1 puts on most TCP rules.
    CHECK(share(fw.flags_zero, fw.rules) < 0.6);
  }
  SECTION("ipc: UDP, TCP and wildcard protocols, well-known port ranges") {
    CHECK(share(ipc.proto(17), ipc.rules) > 0.2);
    CHECK(share(ipc.proto(6), ipc.rules) > 0.15);
    CHECK(share(ipc.proto(-1), ipc.rules) > 0.2);
    CHECK(ipc.port_low > 0);
    CHECK(ipc.port_high > 0);
    CHECK(ipc.port_other > 0);
  }
  SECTION("every profile mixes protocols, including the wildcard") {
    for (const ProfileStats* s : {&acl, &fw, &ipc}) {
      CHECK(s->protos.size() >= 4);
      CHECK(s->protos.count(-1) == 1);
      CHECK(s->protos.count(6) == 1);
      CHECK(s->protos.count(17) == 1);
      CHECK(s->protos.count(1) == 1);
      CHECK(s->flags_zero < s->rules);
    }
  }
}

TEST_CASE("rules nest and overlap like real seed files", "[generator]") {
  const Profile p = GENERATE(from_range(kProfiles));
  const std::uint64_t seed = GENERATE(11ull, 12ull);
  CAPTURE(profile_name(p), seed);
  const auto rules = generate_rules(p, 2000, seed);

  std::size_t full_overlaps = 0;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    for (std::size_t j = i + 1; j < rules.size(); ++j) {
      bool all = true;
      for (std::size_t f = 0; f < kNumFields && all; ++f) {
        all = rules[i].field[f].overlaps(rules[j].field[f]);
      }
      full_overlaps += all;
    }
  }
  const std::size_t pairs = rules.size() * (rules.size() - 1) / 2;
  CAPTURE(full_overlaps, pairs);
  CHECK(full_overlaps > pairs / 2000);

  // Nesting below the near-wildcards: a /8 or longer prefix strictly inside another one.
  std::size_t nested = 0;
  for (Field f : {Field::kSrcIp, Field::kDstIp}) {
    std::set<std::pair<std::uint32_t, int>> prefixes;
    for (const Rule& r : rules) {
      const int len = prefix_length(r[f]);
      if (len >= 8) prefixes.insert({r[f].lo, len});
    }
    for (const auto& [lo, len] : prefixes) {
      for (int shorter = 8; shorter < len; ++shorter) {
        if (prefixes.count({prefix_range(lo, static_cast<unsigned>(shorter)).lo, shorter}) > 0) {
          ++nested;
          break;
        }
      }
    }
  }
  CAPTURE(nested);
  CHECK(nested > 200);

  if (p == Profile::kFw) {
    // Wildcards make firewalls the most overlapping profile by far.
    CHECK(full_overlaps > pairs / 100);
  }
}

TEST_CASE("traces are reproducible and their headers come from their rules", "[generator][trace]") {
  const Profile p = GENERATE(from_range(kProfiles));
  const std::uint64_t seed = GENERATE(21ull, 22ull);
  const double zipf = GENERATE(0.0, 1.1);
  CAPTURE(profile_name(p), seed, zipf);
  const auto rules = generate_rules(p, 1000, seed);
  const auto trace = generate_trace(rules, 20000, seed, zipf);
  REQUIRE(trace.size() == 20000);
  CHECK(generate_trace(rules, 20000, seed, zipf) == trace);
  CHECK(generate_trace(rules, 20000, seed + 1, zipf) != trace);

  std::size_t random = 0;
  std::size_t drawn = 0;
  std::size_t matching = 0;
  std::size_t corner_fields = 0;
  std::size_t outside_band = 0;
  for (const TraceEntry& e : trace) {
    if (e.rule < 0) {
      CHECK(e.rule == -1);
      ++random;
      continue;
    }
    REQUIRE(e.rule < static_cast<std::int64_t>(rules.size()));
    const Rule& r = rules[static_cast<std::size_t>(e.rule)];
    ++drawn;
    matching += matches(r, e.key);
    for (std::size_t f = 0; f < kNumFields; ++f) {
      const std::int64_t v = e.key.get(static_cast<Field>(f));
      const std::int64_t lo = r.field[f].lo;
      const std::int64_t hi = r.field[f].hi;
      corner_fields += v == lo || v == hi;
      // Corner, inside and interior draws lie in the range; beside draws one step out of it.
      outside_band += v < lo - 1 || v > hi + 1;
    }
  }
  CAPTURE(random, drawn, matching, corner_fields);
  CHECK(outside_band == 0);
  CHECK(share(random, trace.size()) > 0.07);
  CHECK(share(random, trace.size()) < 0.13);
  // Only the beside draws (one field of some headers) may leave the generating rule.
  CHECK(share(matching, drawn) > 0.8);
  CHECK(matching < drawn);
  CHECK(share(corner_fields, drawn * kNumFields) > 0.4);
}

TEST_CASE("zipf locality concentrates the hits on a few rules", "[generator][trace]") {
  const std::uint64_t seed = GENERATE(31ull, 32ull);
  CAPTURE(seed);
  const auto rules = generate_rules(Profile::kIpc, 1000, seed);

  auto top_decile_share = [&](double zipf, std::vector<std::size_t>* hottest) {
    std::vector<std::size_t> hits(rules.size(), 0);
    std::size_t drawn = 0;
    for (const TraceEntry& e : generate_trace(rules, 100000, seed, zipf)) {
      if (e.rule < 0) continue;
      ++hits[static_cast<std::size_t>(e.rule)];
      ++drawn;
    }
    std::vector<std::size_t> order(rules.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return hits[a] > hits[b]; });
    std::size_t top = 0;
    for (std::size_t i = 0; i < rules.size() / 10; ++i)
      top += hits[order[i]];
    if (hottest) hottest->assign(order.begin(), order.begin() + 10);
    return share(top, drawn);
  };

  std::vector<std::size_t> hottest;
  const double uniform = top_decile_share(0.0, nullptr);
  const double zipf = top_decile_share(1.0, &hottest);
  CAPTURE(uniform, zipf);
  CHECK(uniform < 0.2);
  CHECK(zipf > 0.5);
  CHECK(zipf > 3 * uniform);
  CHECK(top_decile_share(2.0, nullptr) > zipf);
  // The popular rules are a seeded permutation, not the first lines of the file.
  std::sort(hottest.begin(), hottest.end());
  CHECK(hottest.back() >= 10);
}

TEST_CASE("traces without rules are uniformly random headers", "[generator][trace]") {
  const std::uint64_t seed = GENERATE(41ull, 42ull);
  const double zipf = GENERATE(0.0, 1.0);
  CAPTURE(seed, zipf);
  const auto trace = generate_trace({}, 5000, seed, zipf);
  REQUIRE(trace.size() == 5000);
  std::set<std::uint32_t> src;
  std::set<std::uint16_t> dport;
  for (const TraceEntry& e : trace) {
    CHECK(e.rule == -1);
    src.insert(e.key.src_ip);
    dport.insert(e.key.dst_port);
  }
  CHECK(src.size() > 4900);
  CHECK(dport.size() > 4000);
  CHECK(generate_trace({}, 5000, seed, zipf) == trace);
}

TEST_CASE("trace sizes 0 and 1, and a single-rule set", "[generator][trace]") {
  const auto rules = generate_rules(Profile::kAcl, 1, 9);
  REQUIRE(rules.size() == 1);
  CHECK(generate_trace(rules, 0, 9).empty());
  CHECK(generate_trace(rules, 1, 9).size() == 1);
  const auto trace = generate_trace(rules, 2000, 9, 1.0);
  std::size_t drawn = 0;
  for (const TraceEntry& e : trace) {
    CHECK((e.rule == -1 || e.rule == 0));
    drawn += e.rule == 0;
  }
  CHECK(drawn > 1500);
}

TEST_CASE("trace values at the edges of the fields stay in the fields", "[generator][trace]") {
  // A wildcard rule puts corners on 0 and each field's maximum, where "beside" must not wrap.
  std::vector<Rule> rules = {wildcard_rule()};
  Rule top = wildcard_rule();
  for (std::size_t f = 0; f < kNumFields; ++f)
    top.field[f] = {kFieldMax[f], kFieldMax[f]};
  top.proto_value = 0xFF;
  top.proto_mask = 0xFF;
  rules.push_back(top);
  Rule bottom = wildcard_rule();
  for (std::size_t f = 0; f < kNumFields; ++f)
    bottom.field[f] = {0, 0};
  bottom.proto_mask = 0xFF;
  rules.push_back(bottom);
  REQUIRE(RuleSet::make(rules));

  for (const TraceEntry& e : generate_trace(rules, 5000, 51)) {
    if (e.rule < 0) continue;
    // Single-value rules at the ends of every field can only be hit at their one value.
    if (e.rule == 0) CHECK(matches(rules[0], e.key));
    if (e.rule == 1) {
      CHECK(e.key.src_ip >= 0xFFFFFFFEu);
      CHECK(e.key.proto >= 0xFE);
    }
    if (e.rule == 2) {
      CHECK(e.key.src_ip <= 1);
      CHECK(e.key.dst_port <= 1);
    }
  }
}
