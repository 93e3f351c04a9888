// The DPDK benchmark backends against the LinearScan reference: rte_acl (every implementation the
// CPU and EAL allow, address fields as MASK and as RANGE) and the rte_hash floor, on generated
// 1K-rule sets of every profile with packets at and beside every range boundary, hand-made
// priority cases, address ranges that are not prefixes, the empty set and every batch length.
// EAL runs with --no-huge (lacl::bench::init_eal's defaults), so no hugepages are needed.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include "rules.hpp"

#include "keys.hpp"
#include "lacl/bench/dpdk_backends.hpp"
#include "lacl/bench/eal.hpp"
#include "lacl/classbench.hpp"
#include "lacl/generator.hpp"
#include "lacl/linear_scan.hpp"

using namespace lacl;
using test::make_rule;
using namespace lacl::bench;

namespace {

void require_eal() {
  static const bool ok = [] {
    EalOptions o;
    o.memory_mib = 512;
    const Status s = init_eal(o);
    if (!s) UNSCOPED_INFO(s.error().message);
    if (s) std::atexit([] { cleanup_eal(); });
    return s.ok();
  }();
  REQUIRE(ok);
}

RuleSet make_set(std::vector<Rule> rules) {
  auto s = RuleSet::make(std::move(rules));
  REQUIRE(s.ok());
  return std::move(*s);
}

std::size_t count_diff(const RuleSet& set, std::span<const PacketKey> keys,
                       std::span<const RuleId> got) {
  const LinearScan ref(set);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const RuleId want = ref.classify(keys[i]);
    if (got[i] != want) {
      if (bad == 0) {
        const PacketKey& k = keys[i];
        UNSCOPED_INFO("first mismatch at key " << i << ": " << k.src_ip << " " << k.dst_ip << " "
                                               << k.src_port << " " << k.dst_port << " " << +k.proto
                                               << " got " << got[i] << " want " << want);
      }
      ++bad;
    }
  }
  return bad;
}

/// rte_acl with every available implementation agrees with LinearScan on every key.
void check_acl(const RuleSet& set, std::span<const PacketKey> keys, RteAclIpField ip) {
  RteAclOptions o;
  o.ip_field = ip;
  auto acl = RteAclClassifier::build(set, o);
  if (!acl) UNSCOPED_INFO(acl.error().message);
  REQUIRE(acl.ok());
  for (RteAclAlg alg : RteAclClassifier::available_algs()) {
    CAPTURE(alg_name(alg));
    std::vector<RuleId> got(keys.size(), 12345);
    acl->classify(keys, got, alg);
    CHECK(count_diff(set, keys, got) == 0);
  }
}

constexpr Range kAnyIp{0, 0xFFFFFFFFu};
constexpr Range kAnyPort{0, 0xFFFF};

}  // namespace

TEST_CASE("rte_acl: input bytes are in network order at the documented offsets") {
  PacketKey k;
  k.src_ip = 0x0A000102;
  k.dst_ip = 0xC0A80001;
  k.src_port = 0x1234;
  k.dst_port = 80;
  k.proto = 6;
  const RteAclInput in = RteAclInput::from(k);
  CHECK(in.bytes[RteAclInput::kProto] == 6);
  CHECK(in.bytes[RteAclInput::kSrcIp] == 0x0A);
  CHECK(in.bytes[RteAclInput::kSrcIp + 3] == 0x02);
  CHECK(in.bytes[RteAclInput::kDstIp] == 0xC0);
  CHECK(in.bytes[RteAclInput::kSrcPort] == 0x12);
  CHECK(in.bytes[RteAclInput::kSrcPort + 1] == 0x34);
  CHECK(in.bytes[RteAclInput::kDstPort] == 0);
  CHECK(in.bytes[RteAclInput::kDstPort + 1] == 80);
}

TEST_CASE("rte_acl: the scalar implementation is always available") {
  require_eal();
  const auto algs = RteAclClassifier::available_algs();
  REQUIRE_FALSE(algs.empty());
  CHECK(algs.back() == RteAclAlg::kScalar);
  for (RteAclAlg a : algs)
    CHECK(parse_alg(alg_name(a)) == a);
  if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
    // The default EAL arguments lift DPDK's 256-bit SIMD cap.
    CHECK(algs.front() == RteAclAlg::kAvx512x32);
  } else {
    WARN("this CPU lacks AVX-512: AVX512X32 is not checked");
  }
}

TEST_CASE("rte_acl: the lowest rule id wins, as in lacl") {
  require_eal();
  // Every rule matches the packet below; rte_acl must return rule 0, not the most specific one
  // nor the last one.
  const PacketKey k{0x0A010203, 0x0B000001, 1000, 80, 6};
  const RuleSet set = make_set({
      make_rule(prefix_range(0x0A000000, 8), kAnyIp, kAnyPort, kAnyPort, -1),
      make_rule(prefix_range(0x0A010203, 32), prefix_range(0x0B000001, 32), {1000, 1000}, {80, 80},
                6),
      make_rule(kAnyIp, kAnyIp, kAnyPort, {80, 80}, 6),
      wildcard_rule(),
  });
  for (RteAclIpField ip : {RteAclIpField::kMask, RteAclIpField::kRange}) {
    auto acl = RteAclClassifier::build(set, RteAclOptions{ip, 0});
    REQUIRE(acl.ok());
    for (RteAclAlg alg : RteAclClassifier::available_algs()) {
      CAPTURE(alg_name(alg));
      RuleId got = 12345;
      acl->classify(std::span(&k, 1), std::span(&got, 1), alg);
      CHECK(got == 0);
    }
  }
  // Without rule 0, the next match in file order (1) wins over the wildcard (3).
  const RuleSet rest = make_set(std::vector<Rule>(set.rules().begin() + 1, set.rules().end()));
  auto acl = RteAclClassifier::build(rest);
  REQUIRE(acl.ok());
  RuleId got = 12345;
  acl->classify(std::span(&k, 1), std::span(&got, 1), RteAclAlg::kScalar);
  CHECK(got == 0);  // rule 1 of `set` is rule 0 of `rest`
}

TEST_CASE("rte_acl and the hash floor agree with LinearScan on generated 1K sets") {
  require_eal();
  const auto profile = GENERATE(Profile::kAcl, Profile::kFw, Profile::kIpc);
  const std::uint64_t seed = GENERATE(1, 2);
  CAPTURE(profile_name(profile), seed);
  const RuleSet set = make_set(generate_rules(profile, 1000, seed));
  std::vector<PacketKey> keys = test::boundary_keys(set.rules(), 40000, seed);
  for (const PacketKey& k : test::uniform_keys(2000, seed))
    keys.push_back(k);
  const auto traced = trace_keys(generate_trace(set.rules(), 5000, seed));
  keys.insert(keys.end(), traced.begin(), traced.end());

  SECTION("rte_acl, addresses as MASK") {
    check_acl(set, keys, RteAclIpField::kMask);
  }
  SECTION("rte_acl, addresses as RANGE") {
    check_acl(set, keys, RteAclIpField::kRange);
  }
  SECTION("hash floor") {
    std::vector<RuleId> want(keys.size());
    LinearScan(set).classify(keys, want);
    auto floor = HashFloor::build(keys, want);
    REQUIRE(floor.ok());
    const HashTrace t = HashTrace::from(keys);
    std::vector<RuleId> got(keys.size(), 12345);
    floor->lookup(t.pointers, got);
    CHECK(count_diff(set, keys, got) == 0);
    // A 5-tuple it does not hold is a miss, not somebody else's answer.
    const PacketKey absent{1, 2, 3, 4, 5};
    if (std::find(keys.begin(), keys.end(), absent) == keys.end()) {
      const HashKey hk = HashKey::from(absent);
      const void* p = &hk;
      RuleId miss = 0;
      floor->lookup(std::span(&p, 1), std::span(&miss, 1));
      CHECK(miss == kNoMatch);
    }
  }
}

TEST_CASE("rte_acl: address ranges that are not prefixes") {
  require_eal();
  const RuleSet set = make_set({
      make_rule({0x0A000005, 0x0A000009}, kAnyIp, kAnyPort, kAnyPort, -1),
      make_rule(kAnyIp, {0xC0A80010, 0xC0A8FFEF}, {1024, 65535}, kAnyPort, 17),
      make_rule(prefix_range(0x0A000000, 24), kAnyIp, kAnyPort, {0, 1023}, 6),
  });
  auto auto_acl = RteAclClassifier::build(set);
  REQUIRE(auto_acl.ok());
  CHECK(auto_acl->src_ip_is_range());
  CHECK(auto_acl->dst_ip_is_range());
  CHECK_FALSE(RteAclClassifier::build(set, RteAclOptions{RteAclIpField::kMask, 0}).ok());
  const std::vector<PacketKey> keys = test::boundary_keys(set.rules(), 10000, 7);
  check_acl(set, keys, RteAclIpField::kAuto);
}

TEST_CASE("rte_acl: every batch length, and the empty rule set") {
  require_eal();
  const RuleSet set = make_set(generate_rules(Profile::kFw, 300, 5));
  const std::vector<PacketKey> keys = test::boundary_keys(set.rules(), 600, 5);
  auto acl = RteAclClassifier::build(set);
  REQUIRE(acl.ok());
  std::vector<RuleId> want(keys.size());
  LinearScan(set).classify(keys, want);
  const RteAclTrace t = RteAclTrace::from(keys);
  for (RteAclAlg alg : RteAclClassifier::available_algs()) {
    CAPTURE(alg_name(alg));
    for (std::size_t n = 0; n <= 70 && n <= keys.size(); ++n) {
      CAPTURE(n);
      std::vector<std::uint32_t> ud(n + 1, 0xDEADBEEF);
      acl->classify(std::span(t.data).first(n), std::span(ud).first(n), alg);
      for (std::size_t i = 0; i < n; ++i)
        REQUIRE(RteAclClassifier::rule_id(ud[i]) == want[i]);
      CHECK(ud[n] == 0xDEADBEEF);  // nothing written past the batch
    }
  }
  auto empty = RteAclClassifier::build(RuleSet{});
  REQUIRE(empty.ok());
  std::vector<RuleId> got(keys.size(), 12345);
  empty->classify(keys, got, RteAclAlg::kScalar);
  CHECK(std::all_of(got.begin(), got.end(), [](RuleId id) { return id == kNoMatch; }));
}

TEST_CASE("timed backends: the paths the benchmark times give the reference answers") {
  require_eal();
  const RuleSet set = make_set(generate_rules(Profile::kAcl, 1000, 3));
  const std::vector<PacketKey> keys = trace_keys(generate_trace(set.rules(), 3000, 3));
  std::vector<RuleId> want(keys.size());
  LinearScan(set).classify(keys, want);
  auto acl = RteAclClassifier::build(set);
  REQUIRE(acl.ok());
  auto shared = std::make_shared<const RteAclClassifier>(std::move(*acl));
  for (RteAclAlg alg : RteAclClassifier::available_algs()) {
    CAPTURE(alg_name(alg));
    auto b = make_rte_acl_backend("rte_acl", shared, alg, keys);
    CHECK(count_mismatches(*b, want) == 0);
    CHECK(b->info().bytes > 0);
  }
  auto h = make_hash_backend(keys, want);
  REQUIRE(h.ok());
  CHECK(count_mismatches(**h, want) == 0);
}
