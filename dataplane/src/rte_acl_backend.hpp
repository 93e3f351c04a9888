// The rte_acl backend of lacl-dataplane (--backend rte_acl): DPDK's rte_acl, built by the shared
// adapter (lacl/dpdk/rte_acl_classifier.hpp) from the same rules as the lacl backend, with the
// fastest classify implementation EAL allows here (AVX512X32 needs
// --force-max-simd-bitwidth=512).
#pragma once

#include <memory>

#include "lacl/dataplane/backend.hpp"
#include "lacl/result.hpp"

namespace lacl::dataplane {

/// Builds rte_acl over `rules` (EAL must be up). Runs on the control side; it can take seconds
/// and a lot of libc memory for large sets (rte_acl_build), and its run-time tables come from
/// EAL's heap (-m).
Result<std::unique_ptr<const Backend>> make_rte_acl_backend(const RuleSet& rules);

}  // namespace lacl::dataplane
