#include "lacl/dpdk/rte_acl_classifier.hpp"

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "lacl/dpdk/eal.hpp"

namespace lacl::dpdk {
namespace {

// The convenience classify() converts and classifies keys in bursts of this many.
constexpr std::size_t kBurst = 256;

// rte_acl's rule type for our five fields, in field_index order.
RTE_ACL_RULE_DEF(AclRule5, 5);
enum : std::uint8_t { kFProto = 0, kFSrc = 1, kFDst = 2, kFSport = 3, kFDport = 4 };

// The enum shares its name with the function rte_acl_classify_alg, hence the elaborated type.
enum rte_acl_classify_alg to_dpdk(RteAclAlg a) noexcept {
  switch (a) {
    case RteAclAlg::kAvx512x32:
      return RTE_ACL_CLASSIFY_AVX512X32;
    case RteAclAlg::kAvx512x16:
      return RTE_ACL_CLASSIFY_AVX512X16;
    case RteAclAlg::kAvx2:
      return RTE_ACL_CLASSIFY_AVX2;
    case RteAclAlg::kSse:
      return RTE_ACL_CLASSIFY_SSE;
    case RteAclAlg::kScalar:
      return RTE_ACL_CLASSIFY_SCALAR;
  }
  return RTE_ACL_CLASSIFY_SCALAR;
}

// rte_acl_create returns an existing context of the same name, so every context gets its own.
std::string next_name(const char* prefix) {
  static std::atomic<unsigned> counter{0};
  return std::string(prefix) + std::to_string(counter.fetch_add(1));
}

bool all_prefixes(const RuleSet& rules, Field f) {
  return std::all_of(rules.rules().begin(), rules.rules().end(),
                     [f](const Rule& r) { return prefix_length(r[f]) >= 0; });
}

void set_ip(rte_acl_field& out, const Range& r, bool range) {
  out.value.u32 = r.lo;
  out.mask_range.u32 = range ? r.hi : static_cast<std::uint32_t>(prefix_length(r));
}

rte_acl_config make_config(bool src_range, bool dst_range, std::size_t max_size) {
  rte_acl_config cfg{};
  cfg.num_categories = 1;
  cfg.num_fields = 5;
  cfg.max_size = max_size;
  auto def = [&](std::uint8_t field, std::uint8_t type, std::uint8_t size, std::uint8_t input,
                 std::size_t offset) {
    cfg.defs[field] =
        rte_acl_field_def{type, size, field, input, static_cast<std::uint32_t>(offset)};
  };
  const std::uint8_t mask = RTE_ACL_FIELD_TYPE_MASK, range = RTE_ACL_FIELD_TYPE_RANGE;
  def(kFProto, RTE_ACL_FIELD_TYPE_BITMASK, 1, 0, RteAclInput::kProto);
  def(kFSrc, src_range ? range : mask, 4, 1, RteAclInput::kSrcIp);
  def(kFDst, dst_range ? range : mask, 4, 2, RteAclInput::kDstIp);
  def(kFSport, range, 2, 3, RteAclInput::kSrcPort);
  def(kFDport, range, 2, 3, RteAclInput::kDstPort);
  return cfg;
}

std::string dpdk_error(const char* what, int rc) {
  return std::string("rte_acl: ") + what + " failed: " + rte_strerror(rc < 0 ? -rc : rc);
}

}  // namespace

const char* alg_name(RteAclAlg alg) noexcept {
  switch (alg) {
    case RteAclAlg::kAvx512x32:
      return "avx512x32";
    case RteAclAlg::kAvx512x16:
      return "avx512x16";
    case RteAclAlg::kAvx2:
      return "avx2";
    case RteAclAlg::kSse:
      return "sse";
    case RteAclAlg::kScalar:
      return "scalar";
  }
  return "?";
}

std::optional<RteAclAlg> parse_alg(std::string_view name) noexcept {
  for (RteAclAlg a : kRteAclAlgs) {
    if (name == alg_name(a)) return a;
  }
  return std::nullopt;
}

RteAclInput RteAclInput::from(const PacketKey& key) noexcept {
  RteAclInput in;
  const std::uint32_t src = rte_cpu_to_be_32(key.src_ip), dst = rte_cpu_to_be_32(key.dst_ip);
  const std::uint16_t sp = rte_cpu_to_be_16(key.src_port), dp = rte_cpu_to_be_16(key.dst_port);
  in.bytes[kProto] = key.proto;
  std::memcpy(&in.bytes[kSrcIp], &src, 4);
  std::memcpy(&in.bytes[kDstIp], &dst, 4);
  std::memcpy(&in.bytes[kSrcPort], &sp, 2);
  std::memcpy(&in.bytes[kDstPort], &dp, 2);
  return in;
}

RteAclTrace RteAclTrace::from(std::span<const PacketKey> keys) {
  RteAclTrace t;
  t.inputs.reserve(keys.size());
  for (const PacketKey& k : keys)
    t.inputs.push_back(RteAclInput::from(k));
  t.data.reserve(keys.size());
  for (const RteAclInput& in : t.inputs)
    t.data.push_back(in.bytes.data());
  return t;
}

Result<RteAclClassifier> RteAclClassifier::build(const RuleSet& rules,
                                                 const RteAclOptions& options) {
  if (!eal_is_up()) return Error{"rte_acl: EAL is not initialised"};
  if (rules.size() >= static_cast<std::size_t>(RTE_ACL_MAX_PRIORITY)) {
    return Error{"rte_acl: " + std::to_string(rules.size()) + " rules exceed its priority range (" +
                 std::to_string(RTE_ACL_MAX_PRIORITY - 1) + ")"};
  }
  RteAclClassifier c;
  c.rule_count_ = rules.size();
  const bool src_prefixes = all_prefixes(rules, Field::kSrcIp);
  const bool dst_prefixes = all_prefixes(rules, Field::kDstIp);
  if (options.ip_field == RteAclIpField::kMask && !(src_prefixes && dst_prefixes)) {
    return Error{"rte_acl: an address range is not a prefix, so MASK fields cannot hold it"};
  }
  c.src_range_ = options.ip_field == RteAclIpField::kRange || !src_prefixes;
  c.dst_range_ = options.ip_field == RteAclIpField::kRange || !dst_prefixes;
  if (rules.empty()) return c;

  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t heap0 = eal_heap_bytes();
  const std::string name = next_name("lacl");
  rte_acl_param prm{};
  prm.name = name.c_str();
  prm.socket_id = SOCKET_ID_ANY;
  prm.rule_size = RTE_ACL_RULE_SZ(5);
  prm.max_rule_num = static_cast<std::uint32_t>(rules.size());
  c.ctx_ = rte_acl_create(&prm);
  if (c.ctx_ == nullptr) return Error{dpdk_error("rte_acl_create", rte_errno)};

  std::vector<AclRule5> acl(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[static_cast<RuleId>(i)];
    AclRule5& a = acl[i];
    a.data.category_mask = 1;
    a.data.priority = static_cast<std::int32_t>(RTE_ACL_MAX_PRIORITY - i);
    a.data.userdata = static_cast<std::uint32_t>(i + 1);
    a.field[kFProto].value.u8 = r.proto_value;
    a.field[kFProto].mask_range.u8 = r.proto_mask;
    set_ip(a.field[kFSrc], r[Field::kSrcIp], c.src_range_);
    set_ip(a.field[kFDst], r[Field::kDstIp], c.dst_range_);
    a.field[kFSport].value.u16 = static_cast<std::uint16_t>(r[Field::kSrcPort].lo);
    a.field[kFSport].mask_range.u16 = static_cast<std::uint16_t>(r[Field::kSrcPort].hi);
    a.field[kFDport].value.u16 = static_cast<std::uint16_t>(r[Field::kDstPort].lo);
    a.field[kFDport].mask_range.u16 = static_cast<std::uint16_t>(r[Field::kDstPort].hi);
  }
  if (int rc = rte_acl_add_rules(c.ctx_, reinterpret_cast<const rte_acl_rule*>(acl.data()),
                                 static_cast<std::uint32_t>(acl.size()));
      rc != 0) {
    return Error{dpdk_error("rte_acl_add_rules", rc)};
  }
  const rte_acl_config cfg = make_config(c.src_range_, c.dst_range_, options.max_size);
  const std::size_t heap1 = eal_heap_bytes();
  if (int rc = rte_acl_build(c.ctx_, &cfg); rc != 0) return Error{dpdk_error("rte_acl_build", rc)};
  const std::size_t heap2 = eal_heap_bytes();
  const auto t1 = std::chrono::steady_clock::now();
  c.build_ms_ = std::chrono::duration<double, std::milli>(t1 - t0).count();
  c.bytes_ = heap2 - heap1;
  c.bytes_with_rules_ = heap2 - heap0;
  return c;
}

std::vector<RteAclAlg> RteAclClassifier::available_algs() {
  std::vector<RteAclAlg> out;
  if (!eal_is_up()) return out;
  const std::string name = next_name("lacl-probe");
  rte_acl_param prm{};
  prm.name = name.c_str();
  prm.socket_id = SOCKET_ID_ANY;
  prm.rule_size = RTE_ACL_RULE_SZ(5);
  prm.max_rule_num = 1;
  rte_acl_ctx* probe = rte_acl_create(&prm);
  if (probe == nullptr) return out;
  for (RteAclAlg a : kRteAclAlgs) {
    if (rte_acl_set_ctx_classify(probe, to_dpdk(a)) == 0) out.push_back(a);
  }
  rte_acl_free(probe);
  return out;
}

RteAclClassifier::RteAclClassifier(RteAclClassifier&& o) noexcept {
  *this = std::move(o);
}

RteAclClassifier& RteAclClassifier::operator=(RteAclClassifier&& o) noexcept {
  if (this != &o) {
    rte_acl_free(ctx_);
    ctx_ = std::exchange(o.ctx_, nullptr);
    rule_count_ = o.rule_count_;
    build_ms_ = o.build_ms_;
    bytes_ = o.bytes_;
    bytes_with_rules_ = o.bytes_with_rules_;
    src_range_ = o.src_range_;
    dst_range_ = o.dst_range_;
  }
  return *this;
}

RteAclClassifier::~RteAclClassifier() {
  rte_acl_free(ctx_);
}

void RteAclClassifier::classify(std::span<const std::uint8_t* const> data,
                                std::span<std::uint32_t> userdata, RteAclAlg alg) const noexcept {
  if (ctx_ == nullptr) {
    std::fill_n(userdata.begin(), data.size(), 0u);
    return;
  }
  // rte_acl only reads the pointer array; its prototype merely lacks the inner const.
  rte_acl_classify_alg(ctx_, const_cast<const std::uint8_t**>(data.data()), userdata.data(),
                       static_cast<std::uint32_t>(data.size()), 1, to_dpdk(alg));
}

void RteAclClassifier::classify(std::span<const PacketKey> keys, std::span<RuleId> out,
                                RteAclAlg alg) const {
  const RteAclTrace t = RteAclTrace::from(keys);
  std::vector<std::uint32_t> ud(keys.size());
  for (std::size_t i = 0; i < keys.size(); i += kBurst) {
    const std::size_t n = std::min(kBurst, keys.size() - i);
    classify(std::span(t.data).subspan(i, n), std::span(ud).subspan(i, n), alg);
  }
  for (std::size_t i = 0; i < keys.size(); ++i)
    out[i] = rule_id(ud[i]);
}

}  // namespace lacl::dpdk
