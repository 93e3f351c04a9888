// RteAclClassifier: DPDK's rte_acl built from a lacl RuleSet, the incumbent lacl is measured
// against. Shared by the benchmarks (lacl bench, which know it as lacl::bench::RteAclClassifier)
// and lacl-dataplane's `--backend rte_acl`.
//
//   auto acl = lacl::dpdk::RteAclClassifier::build(rule_set);      // EAL must be up
//   auto in = lacl::dpdk::RteAclTrace::from(keys);                 // network byte order
//   acl->classify(in.data, userdata, acl->best_alg());             // userdata: rule id + 1, 0 =
//   none
//
// Layout (one rte_acl field per lacl field, 16 input bytes per packet, network byte order):
//   offset 0 proto (u8, BITMASK value/mask), 4 src ip, 8 dst ip (u32, MASK prefix/len when every
//   rule's range on that field is a prefix, RANGE otherwise), 12 src port, 14 dst port (u16,
//   RANGE). rte_acl wants the first field one byte long and the others in 4-byte groups: the two
//   ports share input index 3.
// One category; rule i gets userdata i + 1 (rte_acl returns 0 for "no match") and priority
// RTE_ACL_MAX_PRIORITY - i, because rte_acl returns the highest priority and lacl's rule 0 wins.
//
// Memory: bytes() is the growth of EAL's heap across rte_acl_build, which is the run-time trie
// and transition tables classify reads (rte_acl_build's temporary memory comes from libc and is
// freed before it returns). bytes_with_rules() adds the context, which keeps a copy of every rule
// for rebuilding (max_rules x rule_size).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "lacl/result.hpp"
#include "lacl/rule.hpp"
#include "lacl/rule_set.hpp"

struct rte_acl_ctx;

namespace lacl::dpdk {

/// rte_acl's classify implementations, best first (enum rte_acl_classify_alg).
enum class RteAclAlg : std::uint8_t { kAvx512x32, kAvx512x16, kAvx2, kSse, kScalar };
inline constexpr std::array<RteAclAlg, 5> kRteAclAlgs = {RteAclAlg::kAvx512x32,
                                                         RteAclAlg::kAvx512x16, RteAclAlg::kAvx2,
                                                         RteAclAlg::kSse, RteAclAlg::kScalar};

/// "avx512x32", "avx512x16", "avx2", "sse", "scalar".
const char* alg_name(RteAclAlg alg) noexcept;
std::optional<RteAclAlg> parse_alg(std::string_view name) noexcept;

/// How the address fields are described to rte_acl.
enum class RteAclIpField : std::uint8_t {
  kAuto,   ///< MASK when every rule's range on the field is a prefix, else RANGE
  kMask,   ///< MASK; build fails when a rule's address range is not a prefix
  kRange,  ///< RANGE always
};

struct RteAclOptions {
  RteAclIpField ip_field = RteAclIpField::kAuto;
  std::size_t max_size = 0;  ///< rte_acl_config::max_size, bytes; 0: no limit
};

/// One packet as rte_acl reads it (layout in the file comment), network byte order.
struct alignas(16) RteAclInput {
  static constexpr std::size_t kProto = 0, kSrcIp = 4, kDstIp = 8, kSrcPort = 12, kDstPort = 14;
  std::array<std::uint8_t, 16> bytes{};
  static RteAclInput from(const PacketKey& key) noexcept;
};

/// A trace converted once to rte_acl's input: data[i] points at inputs[i]. Move-only (the
/// pointers follow the vector's heap buffer, which a move keeps).
struct RteAclTrace {
  std::vector<RteAclInput> inputs;
  std::vector<const std::uint8_t*> data;

  static RteAclTrace from(std::span<const PacketKey> keys);
  RteAclTrace() = default;
  RteAclTrace(RteAclTrace&&) noexcept = default;
  RteAclTrace& operator=(RteAclTrace&&) noexcept = default;
  RteAclTrace(const RteAclTrace&) = delete;
  RteAclTrace& operator=(const RteAclTrace&) = delete;
};

class RteAclClassifier {
 public:
  /// Builds rte_acl over `rules` (rte_acl_create, rte_acl_add_rules, rte_acl_build). Fails when
  /// EAL is not up (lacl/dpdk/eal.hpp), on rte_acl errors (named with rte_strerror) and with kMask
  /// when an address range is not a prefix. An empty RuleSet builds no context and classifies
  /// everything to 0.
  static Result<RteAclClassifier> build(const RuleSet& rules, const RteAclOptions& options = {});

  /// The implementations that run here: the CPU's ISA, the DPDK build and EAL's SIMD width cap
  /// (rte_acl_set_ctx_classify's check). Needs EAL; empty without it.
  static std::vector<RteAclAlg> available_algs();

  RteAclClassifier(RteAclClassifier&& o) noexcept;
  RteAclClassifier& operator=(RteAclClassifier&& o) noexcept;
  RteAclClassifier(const RteAclClassifier&) = delete;
  RteAclClassifier& operator=(const RteAclClassifier&) = delete;
  ~RteAclClassifier();

  /// rte_acl_classify_alg over `data` (RteAclInput buffers): userdata[i] = matched rule id + 1,
  /// or 0. `alg` must be one of available_algs() (rte_acl does not check). userdata.size() >=
  /// data.size(). Thread-safe: rte_acl's lookup only reads the context.
  void classify(std::span<const std::uint8_t* const> data, std::span<std::uint32_t> userdata,
                RteAclAlg alg) const noexcept;
  /// Convenience for tests: converts keys and returns rule ids (kNoMatch when none).
  void classify(std::span<const PacketKey> keys, std::span<RuleId> out, RteAclAlg alg) const;

  static constexpr RuleId rule_id(std::uint32_t userdata) noexcept {
    return userdata == 0 ? kNoMatch : userdata - 1;
  }

  std::size_t rule_count() const noexcept { return rule_count_; }
  double build_ms() const noexcept { return build_ms_; }
  std::size_t bytes() const noexcept { return bytes_; }
  std::size_t bytes_with_rules() const noexcept { return bytes_with_rules_; }
  /// The field types used for the source and destination address ("mask" or "range").
  bool src_ip_is_range() const noexcept { return src_range_; }
  bool dst_ip_is_range() const noexcept { return dst_range_; }

 private:
  RteAclClassifier() = default;

  rte_acl_ctx* ctx_ = nullptr;
  std::size_t rule_count_ = 0;
  double build_ms_ = 0;
  std::size_t bytes_ = 0;
  std::size_t bytes_with_rules_ = 0;
  bool src_range_ = false;
  bool dst_range_ = false;
};

}  // namespace lacl::dpdk
