// Every lookup ISA the CPU has gives exactly the scalar answers, for every batch length; the
// LACL_ISA force switch is honoured and a bad value is an error.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>

#include "keys.hpp"
#include "lacl/classbench.hpp"
#include "lacl/classifier.hpp"
#include "lacl/detail/lookup_pipeline.hpp"
#include "lacl/generator.hpp"
#include "lacl/linear_scan.hpp"
#include "rules.hpp"

using namespace lacl;

namespace {

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_.empty()) {
      ::unsetenv(name_);
    } else {
      ::setenv(name_, old_.c_str(), 1);
    }
  }

 private:
  const char* name_;
  std::string old_;
};

// Keys at and around the rules' bounds, then `random` uniform ones.
std::vector<PacketKey> bound_keys(std::span<const Rule> rules, std::size_t at_bounds,
                                  std::size_t random, std::uint64_t seed) {
  auto keys = test::boundary_keys(rules, at_bounds, seed);
  const auto more = test::uniform_keys(random, seed + 1);
  keys.insert(keys.end(), more.begin(), more.end());
  return keys;
}

// The linear scan's answers.
std::vector<RuleId> scan_answers(const RuleSet& set, std::span<const PacketKey> keys) {
  LinearScan ref(set);
  std::vector<RuleId> want(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i)
    want[i] = ref.classify(keys[i]);
  return want;
}

// Compiles `set` with `o` on every ISA the CPU has, lets `check` look at each classifier (the
// structure a case is about is there), and requires the answers `want` for `keys`.
template <class Check>
void exact_on_every_isa(const RuleSet& set, CompileOptions o, std::span<const PacketKey> keys,
                        std::span<const RuleId> want, Check check) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!isa_supported(isa)) continue;
    CAPTURE(isa_name(isa));
    o.isa = isa;
    auto c = Classifier::compile(set, o);
    REQUIRE(c);
    check(*c);
    std::vector<RuleId> got(keys.size());
    c->classify(keys, got);
    REQUIRE(std::equal(got.begin(), got.end(), want.begin(), want.end()));
  }
}

// exact_on_every_isa for generated acl and ipc sets of `count` rules, compiled with each of
// `epsilons` (and `o` otherwise, with no tuning): the model sizes follow the error target.
template <class Check>
void exact_for_epsilons(std::size_t count, std::uint64_t seed,
                        std::initializer_list<std::uint32_t> epsilons, CompileOptions o,
                        Check check) {
  for (Profile p : {Profile::kAcl, Profile::kIpc}) {
    const auto rules = generate_rules(p, count, seed);
    auto set = RuleSet::make(rules);
    REQUIRE(set);
    const auto keys = bound_keys(rules, 20000, 2000, seed + 1);
    const auto want = scan_answers(*set, keys);
    for (std::uint32_t epsilon : epsilons) {
      o.epsilon = epsilon;
      o.tuning_budget_ms = 0;
      CAPTURE(profile_name(p), epsilon);
      exact_on_every_isa(*set, o, keys, want, check);
    }
  }
}

}  // namespace

TEST_CASE("every supported ISA gives the scalar answers for every batch length", "[isa]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    const auto rules = generate_rules(p, 3000, 21);
    auto set = RuleSet::make(rules);
    REQUIRE(set);
    CompileOptions o;
    o.isa = Isa::kScalar;
    o.epsilon = 32;  // wide windows: several vectors per search
    auto scalar = Classifier::compile(*set, o);
    REQUIRE(scalar);
    auto keys = test::boundary_keys(rules, 20000, 5);
    const auto traced = trace_keys(generate_trace(rules, 3000, 6));
    keys.insert(keys.end(), traced.begin(), traced.end());
    std::vector<RuleId> want(keys.size());
    scalar->classify(keys, want);

    for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
      if (!isa_supported(isa)) {
        WARN("skipping " << isa_name(isa) << ": this CPU lacks it");
        continue;
      }
      for (std::uint32_t eps : {1u, 4u, 32u, 200u}) {
        CompileOptions oi;
        oi.isa = isa;
        oi.epsilon = eps;
        auto c = Classifier::compile(*set, oi);
        REQUIRE(c);
        REQUIRE(c->isa() == isa);
        CAPTURE(profile_name(p), isa_name(isa), eps);
        std::vector<RuleId> got(keys.size());
        c->classify(keys, got);
        REQUIRE(got == want);
        for (std::size_t len = 0; len <= 300; ++len) {  // every batch length, past the chunk size
          std::vector<RuleId> out(len + 1, 4242);
          c->classify(std::span(keys).subspan(len * 7, len), std::span(out).first(len));
          for (std::size_t i = 0; i < len; ++i)
            REQUIRE(out[i] == want[len * 7 + i]);
          REQUIRE(out[len] == 4242);
        }
      }
    }
  }
}

TEST_CASE("indexes searched whole give the linear scan's answers on every ISA", "[isa][whole]") {
  // Small rule sets make small indexes: with whole_search at its limit, every index of up to
  // kWholeSearchMax intervals skips its model, and the search over the rounded-up key count
  // reads into the padding.
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    for (std::size_t n : {5u, 60u, 250u}) {
      const auto rules = generate_rules(p, n, 17 + n);
      auto set = RuleSet::make(rules);
      REQUIRE(set);
      const auto keys = bound_keys(rules, 5000, 500, n);
      CompileOptions o;
      o.whole_search = kWholeSearchMax;
      o.max_isets = CompileOptions::kMaxISets;  // indexes even for five rules
      o.tuning_budget_ms = 0;                    // the same structure on every run
      CAPTURE(profile_name(p), n);
      exact_on_every_isa(*set, o, keys, scan_answers(*set, keys), [](const Classifier& c) {
        const auto isets = c.isets();
        REQUIRE(std::any_of(isets.begin(), isets.end(), [](const ISetIndex& s) { return s.whole; }));
        for (const ISetIndex& s : isets)
          CHECK(s.whole == (s.index.size() <= kWholeSearchMax));
      });
    }
  }
}

TEST_CASE("wide windows give the linear scan's answers on every ISA", "[isa][blocks]") {
  // A large epsilon makes windows of tens to hundreds of keys: up to sixteen blocks' worth the
  // vector ISAs take the two-level search (block keys, then one block), beyond that one pass
  // over the window. Indexes searched whole past 32 keys take it too.
  bool past_sixteen_blocks = false;
  CompileOptions o;
  o.whole_search = kWholeSearchMax;
  exact_for_epsilons(3000, 23, {24u, 48u, 100u, 128u}, o, [&](const Classifier& c) {
    // The sizes this case is about are there: a model window over two blocks (and, below,
    // one somewhere past what sixteen blocks cover).
    std::uint32_t widest = 0;
    for (const ISetIndex& s : c.isets())
      if (!s.whole) widest = std::max(widest, s.index.max_window());
    REQUIRE(widest > 2 * RangeIndex::kBlock);
    past_sixteen_blocks |= widest > 15 * RangeIndex::kBlock + 1;
  });
  REQUIRE(past_sixteen_blocks);
}

TEST_CASE("LACL_ISA forces an ISA, and a bad value is an error", "[isa]") {
  auto set = RuleSet::make(generate_rules(Profile::kAcl, 100, 1));
  REQUIRE(set);
  {
    ScopedEnv env("LACL_ISA", "scalar");
    auto c = Classifier::compile(*set);
    REQUIRE(c);
    CHECK(c->isa() == Isa::kScalar);
  }
  {
    ScopedEnv env("LACL_ISA", "avx9000");
    auto c = Classifier::compile(*set);
    REQUIRE_FALSE(c);
    CHECK_THAT(c.error().message,
               Catch::Contains("LACL_ISA=avx9000") && Catch::Contains("unknown"));
  }
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    ScopedEnv env("LACL_ISA", isa_name(isa));
    auto c = Classifier::compile(*set);
    if (isa_supported(isa)) {
      REQUIRE(c);
      CHECK(c->isa() == isa);
    } else {
      REQUIRE_FALSE(c);
      CHECK_THAT(c.error().message, Catch::Contains("cannot run"));
    }
  }
  CHECK(best_isa() == (isa_supported(Isa::kAvx512) ? Isa::kAvx512
                       : isa_supported(Isa::kAvx2) ? Isa::kAvx2
                                                   : Isa::kScalar));
}

TEST_CASE("both candidate-list layouts give the linear scan's answers on every ISA",
          "[isa][lanes]") {
  // Forty nested source ranges (no two in one iSet) merged into one index: intervals near the
  // middle list up to forty candidates, three vector steps of sixteen (AVX-512) and five of
  // eight (AVX2). Each rule also constrains another field, so candidates fail and pass in every
  // lane position: a key's first match among them is at any position of the list. The other
  // fields' ranges overlap too (port ranges that all end at 65535, one protocol or any), so
  // that no other field holds an iSet of several of them.
  std::vector<Rule> rules;
  for (std::uint32_t i = 0; i < 40; ++i) {
    const std::uint32_t lo = i * 0x01000000u;
    const std::uint32_t hi = 0xFFFFFFFFu - i * 0x01000000u;
    const auto port = static_cast<std::uint16_t>((i + 1) * 7919 % 60000);
    rules.push_back(test::make_rule({lo, hi}, {0, 0xFFFFFFFFu >> (i % 3)}, {0, 65535},
                                    {port, 65535}, i % 4 == 0 ? -1 : 6));
  }
  const auto generated = generate_rules(Profile::kAcl, 500, 8);
  rules.insert(rules.end(), generated.begin(), generated.end());
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  const auto keys = test::boundary_keys(rules, 20000, 9);
  const auto want = scan_answers(*set, keys);
  for (bool lanes : {false, true}) {
    CompileOptions o;
    o.lanes = lanes;
    o.max_pieces = 64;       // merge every source iSet into one index
    o.tuning_budget_ms = 0;  // and keep every iSet indexed, whatever the timings say
    CAPTURE(lanes);
    exact_on_every_isa(*set, o, keys, want, [&](const Classifier& c) {
      REQUIRE(c.report().lanes == lanes);
      std::size_t longest = 0;
      for (const auto& ix : c.report().isets)
        longest = std::max(longest, ix.max_list);
      REQUIRE(longest > 32);
      // With lanes, a list past two steps of eight: AVX-512 validates sixteen at a time.
      const auto isets = c.isets();
      CHECK(std::any_of(isets.begin(), isets.end(),
                        [](const ISetIndex& s) { return s.wide_lists; }) == lanes);
    });
  }
}

TEST_CASE("lanes leave the indexed field out, on every field and every ISA, gaps included",
          "[isa][lanes]") {
  // For each field: rules whose ranges on it leave gaps between them, plus rules overlapping
  // them (other iSets, merged into the same index), so lists hold several candidates and many
  // intervals end before the next starts. The lanes do not check the indexed field: the keys at
  // every bound, in the gaps and past the ends, must still get the linear scan's answers.
  for (std::size_t fi = 0; fi < kNumFields; ++fi) {
    const auto f = static_cast<Field>(fi);
    CAPTURE(field_name(f));
    std::vector<Rule> rules;
    for (std::uint32_t i = 0; i < 80; ++i) {
      Rule r = wildcard_rule();
      if (f == Field::kProto) {  // exact protocols only: 40 values, each in two rules
        r.proto_value = static_cast<std::uint8_t>(3 * (i % 40) + 1);
        r.proto_mask = 0xFF;
        r[f] = {r.proto_value, r.proto_value};
      } else if (i < 60) {  // disjoint, a gap after each
        const std::uint32_t step = kFieldMax[fi] / 64;
        r[f] = {step * i + i % 3, step * i + step / 2 + i % 5};
      } else {  // wide, overlapping the disjoint ones and each other
        const std::uint32_t step = kFieldMax[fi] / 32;
        r[f] = {step * (i - 60), step * (i - 60) + 7 * step};
      }
      // Another field constrained in some rules, so candidates also fail elsewhere.
      const Field other = f == Field::kDstPort ? Field::kSrcPort : Field::kDstPort;
      if (i % 3 == 1) r[other] = {80, 80};
      if (i % 3 == 2) r[other] = {1000, 2000};
      rules.push_back(r);
    }
    auto set = RuleSet::make(rules);
    REQUIRE(set);
    const auto keys = test::boundary_keys(rules, 20000, 5);
    CompileOptions o;
    o.lanes = true;
    o.max_pieces = 64;       // merge the field's iSets into one index
    o.tuning_budget_ms = 0;  // and keep every iSet indexed
    exact_on_every_isa(*set, o, keys, scan_answers(*set, keys), [&](const Classifier& c) {
      const auto isets = c.isets();
      REQUIRE(std::any_of(isets.begin(), isets.end(), [&](const ISetIndex& s) {
        return s.field == f && !s.lanes.empty() && !s.links.empty();
      }));
    });
  }
}

TEST_CASE("models of every size give the linear scan's answers on every ISA", "[isa][segments]") {
  // AVX-512 searches a model of fewer than 64 segments in registers, with a second pair of
  // registers from 32 on, and a bigger one through the radix table: the error bound (epsilon)
  // sets the segment counts, and every class must be there and exact.
  std::set<int> classes;  // 0: one segment, 1: 2-31, 2: 32-63, 3: 64 or more
  auto class_of = [](std::size_t segments) {
    return segments == 1 ? 0 : segments < 32 ? 1 : segments < 64 ? 2 : 3;
  };
  exact_for_epsilons(4000, 31, {2u, 8u, 24u, 64u}, {}, [&](const Classifier& c) {
    for (const ISetIndex& s : c.isets())
      if (!s.whole) classes.insert(class_of(s.index.segments().size()));
  });
  CHECK(classes == std::set<int>{0, 1, 2, 3});
}

TEST_CASE("with epsilon left to the compiler, AVX-512 models are fitted to fit in registers",
          "[isa][segments]") {
  if (!isa_supported(Isa::kAvx512)) {
    WARN("skipping: this CPU lacks AVX-512");
    return;
  }
  // The default fit (epsilon 16) of this set's biggest index needs more segments than the
  // AVX-512 lookup keeps in registers; left to choose, the compiler fits it coarser, as long
  // as its windows stay within the two-level search. An explicit epsilon is kept as given.
  const auto rules = generate_rules(Profile::kAcl, 8000, 41);
  auto set = RuleSet::make(rules);
  REQUIRE(set);
  auto biggest_model = [&](std::uint32_t epsilon) {
    CompileOptions o;
    o.isa = Isa::kAvx512;
    o.epsilon = epsilon;
    o.tuning_budget_ms = 0;
    auto c = Classifier::compile(*set, o);
    REQUIRE(c);
    const auto keys = bound_keys(rules, 20000, 2000, 42);
    std::vector<RuleId> got(keys.size());
    c->classify(keys, got);
    REQUIRE(got == scan_answers(*set, keys));
    return c->isets()[0].index;
  };
  const RangeIndex given = biggest_model(16);
  REQUIRE(given.segments().size() >= detail::kRegisterSegments);
  const RangeIndex chosen = biggest_model(0);
  CHECK(chosen.segments().size() < detail::kRegisterSegments);
  CHECK(chosen.max_window() <= RangeIndex::kTwoLevelMaxWindow);
  CHECK(chosen.max_window() > given.max_window());
}
