#include "lacl/bench/dpdk_backends.hpp"

namespace lacl::bench {
namespace {

class RteAclBackend final : public TimedBackend {
 public:
  RteAclBackend(std::string name, std::shared_ptr<const RteAclClassifier> acl, RteAclAlg alg,
                std::span<const PacketKey> keys)
      : TimedBackend({std::move(name), alg_name(alg), acl->build_ms(), acl->bytes()}, keys.size()),
        acl_(std::move(acl)),
        alg_(alg),
        trace_(RteAclTrace::from(keys)) {}

  void classify(std::size_t begin, std::size_t count, std::uint32_t* out) const noexcept override {
    acl_->classify(std::span(trace_.data).subspan(begin, count), std::span(out, count), alg_);
  }
  RuleId rule_id(std::uint32_t native) const noexcept override {
    return RteAclClassifier::rule_id(native);
  }

 private:
  std::shared_ptr<const RteAclClassifier> acl_;
  RteAclAlg alg_;
  RteAclTrace trace_;
};

class HashBackend final : public TimedBackend {
 public:
  HashBackend(HashFloor floor, std::span<const PacketKey> keys)
      : TimedBackend(
            {"hash", std::to_string(floor.entries()) + " keys", floor.build_ms(), floor.bytes()},
            keys.size()),
        floor_(std::move(floor)),
        trace_(HashTrace::from(keys)) {}

  void classify(std::size_t begin, std::size_t count, std::uint32_t* out) const noexcept override {
    floor_.lookup(std::span(trace_.pointers).subspan(begin, count), std::span(out, count));
  }

 private:
  HashFloor floor_;
  HashTrace trace_;
};

}  // namespace

std::unique_ptr<TimedBackend> make_rte_acl_backend(std::string name,
                                                   std::shared_ptr<const RteAclClassifier> acl,
                                                   RteAclAlg alg, std::span<const PacketKey> keys) {
  return std::make_unique<RteAclBackend>(std::move(name), std::move(acl), alg, keys);
}

Result<std::unique_ptr<TimedBackend>> make_hash_backend(std::span<const PacketKey> keys,
                                                        std::span<const RuleId> answers) {
  auto floor = HashFloor::build(keys, answers);
  if (!floor) return floor.error();
  return std::unique_ptr<TimedBackend>(std::make_unique<HashBackend>(std::move(*floor), keys));
}

}  // namespace lacl::bench
