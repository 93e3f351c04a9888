// TimedBackend adapters for the DPDK classifiers (see timed_backend.hpp).
#pragma once

#include <memory>
#include <span>

#include "lacl/bench/hash_floor.hpp"
#include "lacl/bench/rte_acl_classifier.hpp"
#include "lacl/bench/timed_backend.hpp"

namespace lacl::bench {

/// rte_acl with implementation `alg` (one of RteAclClassifier::available_algs()) over `keys`,
/// converted here to network-order RteAclInput buffers. Native result: userdata (rule id + 1).
/// Several backends may share one build; `name` is what reports call it ("rte_acl", ...).
std::unique_ptr<TimedBackend> make_rte_acl_backend(std::string name,
                                                   std::shared_ptr<const RteAclClassifier> acl,
                                                   RteAclAlg alg, std::span<const PacketKey> keys);

/// The rte_hash floor over `keys`, storing `answers` (the reference). The lookup writes the
/// stored answer (a rule id), so the timed path includes that array read.
Result<std::unique_ptr<TimedBackend>> make_hash_backend(std::span<const PacketKey> keys,
                                                        std::span<const RuleId> answers);

}  // namespace lacl::bench
