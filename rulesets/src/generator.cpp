#include "lacl/generator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

// The profile tables below were measured on ClassBench's acl1, fw1 and ipc1 sets (10k rules):
// weights are per mille of all rules, or of one protocol's rules for its port mixes and flags.
// Only the statistics were taken, never rules or code.

namespace lacl {
namespace {

// ---------------------------------------------------------------------------------------------
// Randomness. Everything is integer arithmetic on our own generator, because the std
// distributions are implementation-defined and would make the output differ between standard
// libraries.

constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

// xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2021),
// seeded through splitmix64 as its authors recommend so that nearby seeds give unrelated streams.
class Prng {
 public:
  explicit Prng(std::uint64_t seed) noexcept {
    for (auto& w : s_) {
      w = splitmix64(seed);
    }
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  std::uint32_t next32() noexcept { return static_cast<std::uint32_t>(next() >> 32); }

  /// Uniform in [0, n), n > 0. Draws below 2^64 mod n are rejected so every value is equally
  /// likely; the expected number of draws is below 2.
  std::uint64_t below(std::uint64_t n) noexcept {
    const std::uint64_t reject = (std::uint64_t{0} - n) % n;
    for (;;) {
      const std::uint64_t r = next();
      if (r >= reject) return r % n;
    }
  }

  /// True with probability per_mille / 1000.
  bool chance(std::uint32_t per_mille) noexcept { return below(1000) < per_mille; }

  /// An index in [0, n), n <= 2^32, skewed towards 0: the product of k uniforms on [0, 1) (in
  /// 32-bit fixed point) has a density that grows like (-ln x)^(k-1) near 0, so with k > 1 a few
  /// low indices are "hot" as in real rule sets, and k = 1 is uniform.
  std::uint64_t skewed(std::uint64_t n, unsigned k) noexcept {
    std::uint64_t x = next32();
    for (unsigned i = 1; i < k; ++i) {
      x = (x * next32()) >> 32;
    }
    return (x * n) >> 32;
  }

 private:
  std::array<std::uint64_t, 4> s_{};
};

template <class T>
struct Weighted {
  T value;
  std::uint32_t weight;
};

struct KeepAll {
  template <class T>
  constexpr bool operator()(const T&) const noexcept {
    return true;
  }
};

// A value drawn with probability weight / total; `keep` restricts the draw to some entries.
// Falls back to the whole table when `keep` excludes everything, so a draw always succeeds.
template <class T, class Keep>
const T& pick(Prng& rng, std::span<const Weighted<T>> table, Keep keep) {
  std::uint64_t total = 0;
  for (const auto& e : table) {
    total += keep(e.value) ? e.weight : 0;
  }
  if (total == 0) return pick(rng, table, KeepAll{});
  std::uint64_t r = rng.below(total);
  for (const auto& e : table) {
    if (!keep(e.value)) continue;
    if (r < e.weight) return e.value;
    r -= e.weight;
  }
  return table.back().value;  // unreachable: r < total
}

template <class T>
const T& pick(Prng& rng, std::span<const Weighted<T>> table) {
  return pick(rng, table, KeepAll{});
}

// ---------------------------------------------------------------------------------------------
// Profile tables.

// Address lengths fall in four classes whose pairing (src class, dst class) is drawn jointly:
// in firewalls a wildcard source nearly always goes with a specific destination, and drawing the
// two lengths independently would make wildcard/wildcard rules eight times too common.
enum LenClass : std::uint8_t { kWild = 0, kShort = 1, kMid = 2, kHost = 3 };
constexpr std::size_t kNumLenClasses = 4;

constexpr LenClass len_class(std::uint8_t len) noexcept {
  if (len == 0) return kWild;
  if (len < 16) return kShort;
  if (len < 32) return kMid;
  return kHost;
}

using JointLen = std::array<std::array<std::uint32_t, kNumLenClasses>, kNumLenClasses>;

// One field's addresses: `nets` networks (random /16s) each holding `subnets` /24s, and a pool
// of anchor hosts in them. A rule takes a skewed pick from the pool, sometimes with its low
// `fresh_bits` re-drawn, and keeps the prefix of the drawn length. Shared anchors and networks
// are what make prefixes nest (10.1.2.3/32 in 10.1.2.0/24 in 10.1.0.0/16) and overlap.
struct AddressSpec {
  std::uint32_t nets_per_10k;   // networks per 10000 rules
  unsigned net_skew;            // Prng::skewed exponent for the network of an anchor
  std::uint32_t subnets;        // /24s per network
  std::uint32_t hosts_per_10k;  // anchor hosts per 10000 rules
  unsigned host_skew;           // Prng::skewed exponent for the anchor pick
  std::uint32_t fresh_per_mille;
  unsigned fresh_bits;
};

enum PortClass : std::uint8_t { kAny = 0, kExact = 1, kLow = 2, kHigh = 3, kArbitrary = 4 };
using PortMix = std::array<std::uint32_t, 5>;  // weight per PortClass

struct Flags {
  std::uint16_t value;
  std::uint16_t mask;
};

// Ports and flags depend on the protocol: ClassBench only gives port constraints to TCP and UDP
// rules, and uses the flags field for TCP flags or (mask 0xFF00) the ICMP type.
struct ProtoSpec {
  std::uint16_t proto;  // kWildProto for the 0x00/0x00 wildcard
  std::uint32_t weight;
  PortMix sport;
  PortMix dport;
  std::span<const Weighted<Flags>> flags;
};
constexpr std::uint16_t kWildProto = 0x100;

struct ProfileSpec {
  std::span<const Weighted<std::uint8_t>> src_len;
  std::span<const Weighted<std::uint8_t>> dst_len;
  JointLen joint;  // [src class][dst class]
  AddressSpec src;
  AddressSpec dst;
  std::span<const ProtoSpec> protos;
  std::span<const Weighted<std::uint16_t>> sport_values;  // exact ports, by popularity
  std::span<const Weighted<std::uint16_t>> dport_values;
  std::uint32_t pool_port_per_mille;  // exact ports taken from the seeded pool of odd ports
  std::span<const Weighted<Range>> ranges;
  std::uint32_t random_range_per_mille;  // arbitrary ranges not taken from `ranges`
};

constexpr PortMix kPortsAny = {1000, 0, 0, 0, 0};
constexpr std::array<Weighted<Flags>, 1> kFlagsNone = {{{{0x0000, 0x0000}, 1}}};

// Data tables, hand-aligned. Columns of an AddressSpec:
//   nets/10k, net skew, subnets, hosts/10k, host skew, fresh per mille, fresh bits.
// Columns of a ProtoSpec: protocol, weight, source PortMix, destination PortMix, flags; a PortMix
// is {any, exact, 0:1023, 1024:65535, arbitrary}.
// clang-format off

// --- acl: access lists (acl1). Mostly host and /31 addresses on both sides, a few hot
// destination servers, TCP to exact destination ports. The header promises sources that are
// sometimes wildcard or short, as in acl2 and acl4, so a few percent of those are mixed in.
constexpr std::array<Weighted<std::uint8_t>, 13> kAclSrcLen = {{
    {0, 30}, {8, 5}, {12, 5}, {16, 15}, {21, 2}, {22, 22}, {23, 73}, {24, 48}, {25, 7}, {29, 9},
    {30, 52}, {31, 245}, {32, 533}}};
constexpr std::array<Weighted<std::uint8_t>, 25> kAclDstLen = {{
    {0, 7}, {1, 3}, {2, 3}, {3, 3}, {4, 2}, {5, 3}, {6, 3}, {7, 2}, {8, 2}, {14, 3}, {15, 9},
    {16, 13}, {17, 6}, {21, 21}, {22, 61}, {23, 39}, {24, 25}, {25, 16}, {26, 4}, {27, 4},
    {28, 6}, {29, 4}, {30, 43}, {31, 200}, {32, 513}}};
constexpr std::array<Weighted<Flags>, 3> kAclTcpFlags = {{
    {{0x0000, 0x0000}, 804}, {{0x1000, 0x1000}, 99}, {{0x0000, 0x0200}, 98}}};
constexpr std::array<ProtoSpec, 4> kAclProtos = {{
    {6,          873, kPortsAny, {192, 676, 0, 0, 132}, kAclTcpFlags},
    {kWildProto,  87, kPortsAny, kPortsAny,             kFlagsNone},
    {1,           28, kPortsAny, kPortsAny,             kFlagsNone},
    {17,          12, kPortsAny, {0, 894, 0, 0, 106},   kFlagsNone}}};
constexpr std::array<Weighted<std::uint16_t>, 24> kAclDports = {{
    {1521, 1080}, {1526, 328}, {1221, 249}, {1433, 222}, {14753, 170}, {1525, 163}, {135, 159},
    {21, 156}, {1711, 153}, {1704, 137}, {1708, 135}, {1705, 133}, {1712, 132}, {1707, 131},
    {5555, 128}, {1724, 126}, {5540, 122}, {6000, 117}, {5541, 116}, {20, 113}, {1706, 113},
    {1733, 113}, {1717, 111}, {5632, 94}}};
constexpr std::array<Weighted<Range>, 8> kAclRanges = {{
    {{1600, 1649}, 100}, {{1300, 1350}, 98}, {{1300, 1349}, 74}, {{2200, 2210}, 61},
    {{7500, 7599}, 61}, {{5001, 65535}, 48}, {{62600, 62609}, 37}, {{32200, 32207}, 35}}};

constexpr ProfileSpec kAcl = {
    .src_len = kAclSrcLen,
    .dst_len = kAclDstLen,
    .joint = {{{0, 2,  15,  15},
               {3, 2,   5,   5},
               {4, 33, 203, 220},
               {0, 1,  240, 293}}},
    .src = {120, 2, 2, 2000, 2, 250, 8},
    .dst = {800, 1, 1,  600, 4,  20, 8},
    .protos = kAclProtos,
    .sport_values = {},
    .dport_values = kAclDports,
    .pool_port_per_mille = 250,
    .ranges = kAclRanges,
    .random_range_per_mille = 300,
};

// --- fw: firewalls (fw1). Wildcard and /1 sources, wildcard or host destinations, each
// address close to unique (little nesting below /2), TCP with the 0x0200/0x1200 flag test,
// UDP with exact source ports, ICMP typed through the flags field.
constexpr std::array<Weighted<std::uint8_t>, 20> kFwSrcLen = {{
    {0, 415}, {1, 194}, {2, 27}, {11, 2}, {12, 3}, {15, 3}, {16, 2}, {20, 7}, {21, 8}, {22, 9},
    {23, 8}, {24, 4}, {25, 4}, {26, 9}, {27, 15}, {28, 19}, {29, 19}, {30, 28}, {31, 91},
    {32, 126}}};
constexpr std::array<Weighted<std::uint8_t>, 13> kFwDstLen = {{
    {0, 181}, {1, 95}, {2, 13}, {20, 3}, {21, 8}, {22, 8}, {26, 2}, {27, 5}, {28, 9}, {29, 6},
    {30, 68}, {31, 276}, {32, 322}}};
constexpr std::array<Weighted<Flags>, 6> kFwTcpFlags = {{
    {{0x0200, 0x1200}, 961}, {{0x0000, 0x0000}, 14}, {{0x0400, 0x0400}, 7},
    {{0x1000, 0x1000}, 7}, {{0x0000, 0x0200}, 7}, {{0x0100, 0x0100}, 4}}};
constexpr std::array<Weighted<Flags>, 6> kFwIcmpFlags = {{
    {{0x0000, 0x0000}, 243}, {{0x0D00, 0xFF00}, 202}, {{0x0F00, 0xFF00}, 199},
    {{0x1100, 0xFF00}, 182}, {{0x0000, 0xFF00}, 94}, {{0x0800, 0xFF00}, 79}}};
// fw1 itself has almost no ranges besides 1024:65535; the header promises arbitrary ranges, so
// they get about 1% of TCP and UDP rules.
constexpr std::array<ProtoSpec, 5> kFwProtos = {{
    {6,          575, {919, 0, 0, 71, 10},     {152, 768, 0, 70, 10},   kFwTcpFlags},
    {17,         326, {404, 450, 0, 134, 12},  {298, 555, 0, 134, 13},  kFlagsNone},
    {47,          52, kPortsAny,               kPortsAny,               kFlagsNone},
    {1,           36, kPortsAny,               kPortsAny,               kFwIcmpFlags},
    {kWildProto,  10, kPortsAny,               kPortsAny,               kFlagsNone}}};
constexpr std::array<Weighted<std::uint16_t>, 10> kFwSports = {{
    {123, 307}, {53, 284}, {750, 170}, {161, 142}, {69, 125}, {88, 99}, {7648, 76}, {67, 66},
    {24032, 63}, {162, 46}}};
constexpr std::array<Weighted<std::uint16_t>, 25> kFwDports = {{
    {22, 999}, {80, 605}, {25, 593}, {53, 526}, {123, 405}, {544, 187}, {750, 172}, {21, 170},
    {2105, 156}, {443, 142}, {161, 140}, {23, 133}, {88, 116}, {119, 113}, {110, 109}, {69, 104},
    {67, 90}, {7648, 89}, {37, 75}, {1999, 74}, {24032, 70}, {179, 65}, {5999, 62}, {754, 60},
    {873, 43}}};
constexpr std::array<Weighted<Range>, 1> kFwRanges = {{{{33434, 33600}, 1}}};

constexpr ProfileSpec kFw = {
    .src_len = kFwSrcLen,
    .dst_len = kFwDstLen,
    .joint = {{{  9, 10, 256, 141},
               { 18,  7,  68, 140},
               {120, 52,  32,  22},
               { 34, 40,  32,  19}}},
    .src = {3000, 1, 1, 3500, 1, 300, 12},
    .dst = {6000, 1, 1, 6000, 1, 300, 12},
    .protos = kFwProtos,
    .sport_values = kFwSports,
    .dport_values = kFwDports,
    .pool_port_per_mille = 30,
    .ranges = kFwRanges,
    .random_range_per_mille = 600,
};

// --- ipc: IP chains (ipc1). Mid-length prefixes (/22-/25) on both sides, a third of the rules
// with a wildcard protocol, UDP and TCP with exact ports on either side and short ranges of
// neighbouring services (20:21, 109:110, 1645:1646).
constexpr std::array<Weighted<std::uint8_t>, 20> kIpcSrcLen = {{
    {0, 70}, {1, 46}, {2, 5}, {14, 3}, {15, 12}, {16, 31}, {17, 29}, {18, 8}, {21, 11}, {22, 57},
    {23, 137}, {24, 143}, {25, 90}, {26, 42}, {27, 21}, {28, 16}, {29, 7}, {30, 12}, {31, 80},
    {32, 180}}};
constexpr std::array<Weighted<std::uint8_t>, 18> kIpcDstLen = {{
    {0, 55}, {1, 32}, {14, 3}, {15, 24}, {16, 45}, {17, 25}, {21, 5}, {22, 16}, {23, 73},
    {24, 118}, {25, 100}, {26, 53}, {27, 30}, {28, 21}, {29, 11}, {30, 16}, {31, 112},
    {32, 257}}};
constexpr std::array<Weighted<Flags>, 3> kIpcTcpFlags = {{
    {{0x0000, 0x0000}, 579}, {{0x0000, 0x0200}, 416}, {{0x0200, 0x0200}, 5}}};
constexpr std::array<Weighted<Flags>, 9> kIpcIcmpFlags = {{
    {{0x0500, 0xFF00}, 402}, {{0x0000, 0x0000}, 189}, {{0x0B00, 0xFF00}, 94},
    {{0x0000, 0xFF00}, 94}, {{0x0400, 0xFF00}, 63}, {{0x0800, 0xFF00}, 47},
    {{0x0300, 0xFF00}, 47}, {{0x0E00, 0xFF00}, 39}, {{0x0C00, 0xFF00}, 24}}};
// None of the seed-derived sets uses 0:1023; the header lists it among the well-known ranges,
// so ipc gives it to 1% of TCP destination ports.
constexpr std::array<ProtoSpec, 7> kIpcProtos = {{
    {17,         381, {757, 229, 0, 8, 7},  {239, 586, 0, 151, 24}, kFlagsNone},
    {kWildProto, 329, kPortsAny,            kPortsAny,              kFlagsNone},
    {6,          272, {639, 304, 0, 0, 56}, {421, 508, 10, 0, 60},  kIpcTcpFlags},
    {1,           13, kPortsAny,            kPortsAny,              kIpcIcmpFlags},
    {47,           3, kPortsAny,            kPortsAny,              kFlagsNone},
    {51,           1, kPortsAny,            kPortsAny,              kFlagsNone},
    {50,           1, kPortsAny,            kPortsAny,              kFlagsNone}}};
constexpr std::array<Weighted<std::uint16_t>, 20> kIpcSports = {{
    {161, 400}, {53, 225}, {80, 147}, {25, 141}, {1433, 132}, {5540, 61}, {22, 60}, {143, 51},
    {5632, 44}, {5530, 42}, {5550, 36}, {5510, 35}, {5520, 35}, {5500, 33}, {500, 30},
    {5631, 26}, {123, 24}, {69, 21}, {1098, 12}, {138, 10}}};
constexpr std::array<Weighted<std::uint16_t>, 25> kIpcDports = {{
    {514, 624}, {69, 622}, {80, 388}, {9003, 273}, {53, 256}, {25, 183}, {137, 96}, {1433, 94},
    {113, 77}, {162, 69}, {22, 67}, {139, 57}, {143, 54}, {161, 48}, {119, 42}, {5540, 41},
    {1645, 36}, {1646, 30}, {32774, 27}, {7000, 27}, {500, 24}, {6346, 22}, {1214, 21},
    {5520, 20}, {5631, 20}}};
constexpr std::array<Weighted<Range>, 7> kIpcRanges = {{
    {{109, 110}, 68}, {{20, 23}, 67}, {{1645, 1646}, 42}, {{20, 21}, 37}, {{1812, 1813}, 18},
    {{5000, 5001}, 9}, {{20, 2511}, 3}}};

constexpr ProfileSpec kIpc = {
    .src_len = kIpcSrcLen,
    .dst_len = kIpcDstLen,
    .joint = {{{ 2,  3,  50,  16},
               { 2,  2,  41,  21},
               {44, 47, 447, 147},
               { 8,  9,  90,  73}}},
    .src = {160, 2, 8, 250, 2, 20, 8},
    .dst = {300, 2, 4, 600, 2, 20, 8},
    .protos = kIpcProtos,
    .sport_values = kIpcSports,
    .dport_values = kIpcDports,
    .pool_port_per_mille = 50,
    .ranges = kIpcRanges,
    .random_range_per_mille = 200,
};

// clang-format on

const ProfileSpec& spec_of(Profile p) noexcept {
  switch (p) {
    case Profile::kAcl:
      return kAcl;
    case Profile::kFw:
      return kFw;
    case Profile::kIpc:
      return kIpc;
  }
  return kAcl;
}

// ---------------------------------------------------------------------------------------------
// Rule generation.

// Pool sizes grow with the rule count (at least `floor`, at most 2^24 so they stay cheap).
std::uint64_t scaled(std::uint32_t per_10k, std::size_t count, std::uint64_t floor) {
  const std::uint64_t n = static_cast<std::uint64_t>(count) * per_10k / 10000;
  return std::clamp<std::uint64_t>(n, floor, std::uint64_t{1} << 24);
}

class AddressModel {
 public:
  AddressModel(const AddressSpec& spec, std::size_t count, Prng& rng) : spec_(spec) {
    std::vector<std::uint32_t> nets(scaled(spec.nets_per_10k, count, 4));
    for (auto& n : nets) {
      n = rng.next32() & 0xFFFF0000u;
    }
    hosts_.resize(scaled(spec.hosts_per_10k, count, 8));
    for (auto& h : hosts_) {
      const std::uint32_t net = nets[rng.skewed(nets.size(), spec.net_skew)];
      // The subnet octet is a hash of (network, subnet index), so a network always offers the
      // same few /24s and hosts drawn in it share them.
      std::uint64_t key = net ^ rng.below(spec.subnets);
      const auto subnet = static_cast<std::uint32_t>(splitmix64(key) & 0xFFu) << 8;
      h = net | subnet | (rng.next32() & 0xFFu);
    }
  }

  std::uint32_t draw(Prng& rng) const {
    std::uint32_t h = hosts_[rng.skewed(hosts_.size(), spec_.host_skew)];
    if (rng.chance(spec_.fresh_per_mille)) {
      const std::uint32_t low = (std::uint32_t{1} << spec_.fresh_bits) - 1;
      h = (h & ~low) | (rng.next32() & low);
    }
    return h;
  }

 private:
  AddressSpec spec_;
  std::vector<std::uint32_t> hosts_;
};

class RuleMaker {
 public:
  RuleMaker(const ProfileSpec& spec, std::size_t count, Prng& rng)
      : spec_(spec), rng_(rng), src_(spec.src, count, rng), dst_(spec.dst, count, rng) {
    // Applications on odd ports (the long tail of a real list): fixed per seed, so they repeat.
    for (auto& p : port_pool_) {
      p = static_cast<std::uint16_t>(1024 + rng.below(65536 - 1024));
    }
    for (std::size_t s = 0; s < kNumLenClasses; ++s) {
      for (std::size_t d = 0; d < kNumLenClasses; ++d) {
        joint_[s * kNumLenClasses + d] = {
            {static_cast<std::uint8_t>(s), static_cast<std::uint8_t>(d)}, spec.joint[s][d]};
      }
    }
  }

  Rule make() {
    Rule r;
    const auto& cls = pick(rng_, std::span<const Weighted<ClassPair>>(joint_));
    r[Field::kSrcIp] = address(src_, spec_.src_len, cls.src);
    r[Field::kDstIp] = address(dst_, spec_.dst_len, cls.dst);

    const ProtoSpec& proto = pick_proto();
    if (proto.proto == kWildProto) {
      r.proto_value = 0;
      r.proto_mask = 0x00;
      r[Field::kProto] = {0, 0xFF};
    } else {
      r.proto_value = static_cast<std::uint8_t>(proto.proto);
      r.proto_mask = 0xFF;
      r[Field::kProto] = {proto.proto, proto.proto};
    }
    r[Field::kSrcPort] = port(proto.sport, spec_.sport_values);
    r[Field::kDstPort] = port(proto.dport, spec_.dport_values);
    const Flags& f = pick(rng_, proto.flags);
    r.flags_value = f.value;
    r.flags_mask = f.mask;
    r.action = Action::accept();
    return r;
  }

 private:
  struct ClassPair {
    std::uint8_t src;
    std::uint8_t dst;
  };

  Range address(const AddressModel& model, std::span<const Weighted<std::uint8_t>> lens,
                std::uint8_t cls) {
    const std::uint8_t len =
        pick(rng_, lens, [cls](std::uint8_t l) { return len_class(l) == cls; });
    return prefix_range(model.draw(rng_), len);
  }

  const ProtoSpec& pick_proto() {
    std::uint64_t total = 0;
    for (const auto& p : spec_.protos) {
      total += p.weight;
    }
    std::uint64_t r = rng_.below(total);
    for (const auto& p : spec_.protos) {
      if (r < p.weight) return p;
      r -= p.weight;
    }
    return spec_.protos.back();
  }

  Range port(const PortMix& mix, std::span<const Weighted<std::uint16_t>> values) {
    std::uint64_t total = 0;
    for (auto w : mix) {
      total += w;
    }
    std::uint64_t r = rng_.below(total);
    std::size_t cls = 0;
    while (r >= mix[cls]) {
      r -= mix[cls++];
    }
    switch (cls) {
      case kExact: {
        std::uint16_t v = 0;
        if (values.empty() || rng_.chance(spec_.pool_port_per_mille)) {
          v = port_pool_[rng_.skewed(port_pool_.size(), 2)];
        } else {
          v = pick(rng_, values);
        }
        return {v, v};
      }
      case kLow:
        return {0, 1023};
      case kHigh:
        return {1024, 0xFFFF};
      case kArbitrary:
        return arbitrary_range();
      default:
        return {0, 0xFFFF};
    }
  }

  Range arbitrary_range() {
    if (spec_.ranges.empty() || rng_.chance(spec_.random_range_per_mille)) {
      // Widths spread over 2..2^12 ports, log-uniformly, starting anywhere they fit.
      const unsigned bits = 1 + static_cast<unsigned>(rng_.below(12));
      const std::uint32_t width = (std::uint32_t{1} << bits) +
                                  static_cast<std::uint32_t>(rng_.below(std::uint64_t{1} << bits));
      const auto lo = static_cast<std::uint32_t>(rng_.below(0x10000 - width));
      return {lo, lo + width};
    }
    return pick(rng_, spec_.ranges);
  }

  const ProfileSpec& spec_;
  Prng& rng_;
  AddressModel src_;
  AddressModel dst_;
  std::array<std::uint16_t, 32> port_pool_{};
  std::array<Weighted<ClassPair>, kNumLenClasses * kNumLenClasses> joint_{};
};

// Two rules that match the same packets the same way (the action is ignored: always accept).
bool same_match(const Rule& a, const Rule& b) noexcept {
  return a.field == b.field && a.proto_value == b.proto_value && a.proto_mask == b.proto_mask &&
         a.flags_value == b.flags_value && a.flags_mask == b.flags_mask;
}

std::uint64_t rule_hash(const Rule& r) noexcept {
  std::uint64_t h = 0x243F6A8885A308D3ull;
  auto mix = [&h](std::uint64_t v) {
    h ^= v;
    h = splitmix64(h);
  };
  for (const Range& f : r.field) {
    mix((std::uint64_t{f.lo} << 32) | f.hi);
  }
  mix((std::uint64_t{r.proto_value} << 40) | (std::uint64_t{r.proto_mask} << 32) |
      (std::uint64_t{r.flags_value} << 16) | r.flags_mask);
  return h;
}

// An open-addressing set of indices into the output vector: the rules are stored once, and a
// power-of-two table at most half full keeps probes short. Indices fit 32 bits because a rule set
// holds fewer than kNoMatch rules.
class RuleSetIndex {
 public:
  RuleSetIndex(const std::vector<Rule>& rules, std::size_t capacity) : rules_(rules) {
    std::size_t size = 16;
    while (size < 2 * capacity) {
      size *= 2;
    }
    slots_.assign(size, kEmpty);
  }

  /// True when no stored rule matches like `r`; `r` is then recorded as index `id`.
  bool insert_if_new(const Rule& r, std::uint32_t id) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(rule_hash(r)) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == kEmpty) {
        slots_[i] = id;
        return true;
      }
      if (same_match(rules_[slots_[i]], r)) return false;
    }
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  const std::vector<Rule>& rules_;
  std::vector<std::uint32_t> slots_;
};

// ---------------------------------------------------------------------------------------------
// Trace generation.

constexpr std::uint32_t kRandomHeaderPerMille = 100;  // headers not drawn from any rule
constexpr std::uint32_t kBesidePerMille = 150;        // headers with one field just outside

std::uint32_t uniform_in(Prng& rng, const Range& r) {
  return static_cast<std::uint32_t>(r.lo + rng.below(std::uint64_t{r.hi} - r.lo + 1));
}

// A value of `r` at a corner (lo or hi), one step inside a corner, or anywhere in the range:
// always inside `r`, so a header made only of these matches its rule.
std::uint32_t value_inside(Prng& rng, const Range& r) {
  const auto pick_mode = rng.below(100);
  const bool low_end = rng.below(2) == 0;
  if (pick_mode < 55) return low_end ? r.lo : r.hi;
  // Written so that lo = 2^32 - 1 or hi = 0 cannot wrap around.
  if (pick_mode < 70) {
    if (low_end) return r.lo < r.hi ? r.lo + 1 : r.lo;
    return r.hi > r.lo ? r.hi - 1 : r.hi;
  }
  return uniform_in(rng, r);
}

// One step beside a corner (lo - 1 or hi + 1), kept inside the field; when the range touches
// that edge of the field the value stays on the corner.
std::uint32_t value_beside(Prng& rng, const Range& r, std::uint32_t field_max) {
  if (rng.below(2) == 0) return r.lo > 0 ? r.lo - 1 : r.lo;
  return r.hi < field_max ? r.hi + 1 : r.hi;
}

PacketKey key_of(const std::array<std::uint32_t, kNumFields>& v) {
  PacketKey k;
  k.src_ip = v[0];
  k.dst_ip = v[1];
  k.src_port = static_cast<std::uint16_t>(v[2]);
  k.dst_port = static_cast<std::uint16_t>(v[3]);
  k.proto = static_cast<std::uint8_t>(v[4]);
  return k;
}

// Zipf(s) over ranks as an integer CDF, so sampling is exact integer arithmetic. Only the
// weights come from std::pow, truncated to integers that sum to about 2^62: a last-bit difference
// between two libms' pow moves a weight by about 2^-52 of itself, which changes a draw with a
// probability of that order.
class ZipfSampler {
 public:
  ZipfSampler(std::size_t n, double s) {
    cdf_.resize(n);
    const double scale = 4611686018427387904.0 / static_cast<double>(n);  // 2^62 / n
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double w = std::pow(static_cast<double>(i + 1), -s) * scale;
      total += std::max<std::uint64_t>(1, static_cast<std::uint64_t>(w));
      cdf_[i] = total;
    }
  }

  std::size_t rank(Prng& rng) const {
    const std::uint64_t x = rng.below(cdf_.back());
    return static_cast<std::size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), x) - cdf_.begin());
  }

 private:
  std::vector<std::uint64_t> cdf_;  // cdf_[i] = sum of weights of ranks 0..i
};

}  // namespace

const char* profile_name(Profile p) noexcept {
  switch (p) {
    case Profile::kAcl:
      return "acl";
    case Profile::kFw:
      return "fw";
    case Profile::kIpc:
      return "ipc";
  }
  return "?";
}

std::optional<Profile> parse_profile(std::string_view name) noexcept {
  if (name == "acl") return Profile::kAcl;
  if (name == "fw") return Profile::kFw;
  if (name == "ipc") return Profile::kIpc;
  return std::nullopt;
}

std::vector<Rule> generate_rules(Profile profile, std::size_t count, std::uint64_t seed) {
  std::vector<Rule> rules;
  if (count == 0) return rules;
  rules.reserve(count);
  Prng rng(seed);
  RuleMaker maker(spec_of(profile), count, rng);
  RuleSetIndex seen(rules, count);

  // Duplicates are rare (under 4% of draws for every profile up to 500K rules). Past the cap,
  // which only a space far smaller than any profile's could reach, each candidate gets a source
  // host of its own, counted up from a seeded start, so the loop still ends with `count` rules.
  const std::uint64_t max_attempts = 16 * static_cast<std::uint64_t>(count) + 1024;
  std::uint64_t attempts = 0;
  std::uint32_t serial = rng.next32();
  while (rules.size() < count) {
    Rule r = maker.make();
    if (++attempts > max_attempts) r[Field::kSrcIp] = prefix_range(serial++, 32);
    if (seen.insert_if_new(r, static_cast<std::uint32_t>(rules.size()))) rules.push_back(r);
  }
  return rules;
}

std::vector<TraceEntry> generate_trace(std::span<const Rule> rules, std::size_t count,
                                       std::uint64_t seed, double zipf) {
  std::vector<TraceEntry> trace;
  trace.reserve(count);
  // A different stream from generate_rules with the same seed.
  Prng rng(seed ^ 0x7A3C5E1F2B4D6987ull);

  std::vector<std::size_t> order;
  std::optional<ZipfSampler> zipf_ranks;
  if (!rules.empty() && zipf > 0.0) {
    // The popular rules are a seeded random subset, not the first lines of the file.
    order.resize(rules.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      order[i] = i;
    }
    for (std::size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[static_cast<std::size_t>(rng.below(i))]);
    }
    zipf_ranks.emplace(rules.size(), zipf);
  }

  for (std::size_t n = 0; n < count; ++n) {
    TraceEntry e;
    std::array<std::uint32_t, kNumFields> v{};
    if (rules.empty() || rng.chance(kRandomHeaderPerMille)) {
      for (std::size_t f = 0; f < kNumFields; ++f) {
        v[f] = uniform_in(rng, {0, kFieldMax[f]});
      }
      e.rule = -1;
      e.flags = 0;
    } else {
      const std::size_t id = zipf_ranks ? order[zipf_ranks->rank(rng)]
                                        : static_cast<std::size_t>(rng.below(rules.size()));
      const Rule& r = rules[id];
      for (std::size_t f = 0; f < kNumFields; ++f) {
        v[f] = value_inside(rng, r.field[f]);
      }
      if (rng.chance(kBesidePerMille)) {
        const auto f = static_cast<std::size_t>(rng.below(kNumFields));
        v[f] = value_beside(rng, r.field[f], kFieldMax[f]);
      }
      e.rule = static_cast<std::int64_t>(id);
      e.flags = r.flags_value;
    }
    e.key = key_of(v);
    trace.push_back(e);
  }
  return trace;
}

}  // namespace lacl
