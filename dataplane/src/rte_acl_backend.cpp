#include "rte_acl_backend.hpp"

#include <array>

#include "lacl/dpdk/rte_acl_classifier.hpp"

namespace lacl::dataplane {
namespace {

class RteAclBackend final : public Backend {
 public:
  RteAclBackend(std::vector<Action> actions, Action default_action, dpdk::RteAclClassifier acl,
                dpdk::RteAclAlg alg)
      : Backend(std::move(actions), default_action), acl_(std::move(acl)), alg_(alg) {}

  // rte_acl reads its input through one pointer per packet: the keys are laid out in network
  // order in a stack buffer (16 bytes each, RteAclInput's layout), a chunk at a time.
  void classify(std::span<const PacketKey> keys, std::span<RuleId> out) const noexcept override {
    std::array<dpdk::RteAclInput, kChunk> in;
    std::array<const std::uint8_t*, kChunk> data;
    std::array<std::uint32_t, kChunk> userdata;
    for (std::size_t base = 0; base < keys.size(); base += kChunk) {
      const std::size_t n = std::min(kChunk, keys.size() - base);
      for (std::size_t i = 0; i < n; ++i) {
        in[i] = dpdk::RteAclInput::from(keys[base + i]);
        data[i] = in[i].bytes.data();
      }
      acl_.classify({data.data(), n}, {userdata.data(), n}, alg_);
      for (std::size_t i = 0; i < n; ++i)
        out[base + i] = dpdk::RteAclClassifier::rule_id(userdata[i]);
    }
  }

  BackendInfo info() const override {
    BackendInfo i;
    i.name = "rte_acl";
    i.algorithm = dpdk::alg_name(alg_);
    i.bytes = acl_.bytes();
    return i;
  }

 private:
  static constexpr std::size_t kChunk = 64;

  dpdk::RteAclClassifier acl_;
  dpdk::RteAclAlg alg_;
};

}  // namespace

Result<std::unique_ptr<const Backend>> make_rte_acl_backend(const RuleSet& rules) {
  const std::vector<dpdk::RteAclAlg> algs = dpdk::RteAclClassifier::available_algs();
  if (algs.empty()) return Error{"rte_acl: no classify implementation is available"};
  auto acl = dpdk::RteAclClassifier::build(rules);
  if (!acl) return Error{acl.error().message};
  std::vector<Action> actions(rules.size());
  for (std::size_t id = 0; id < rules.size(); ++id)
    actions[id] = rules[static_cast<RuleId>(id)].action;
  return std::unique_ptr<const Backend>(std::make_unique<RteAclBackend>(
      std::move(actions), rules.default_action(), std::move(*acl), algs.front()));
}

}  // namespace lacl::dataplane
