// The benchmarks' names for the rte_acl adapter, which lives in lacl/dpdk/rte_acl_classifier.hpp
// (the lacl_dpdk library, shared with lacl-dataplane's `--backend rte_acl`).
#pragma once

#include "lacl/dpdk/rte_acl_classifier.hpp"

namespace lacl::bench {

using dpdk::alg_name;
using dpdk::kRteAclAlgs;
using dpdk::parse_alg;
using dpdk::RteAclAlg;
using dpdk::RteAclClassifier;
using dpdk::RteAclInput;
using dpdk::RteAclIpField;
using dpdk::RteAclOptions;
using dpdk::RteAclTrace;

}  // namespace lacl::bench
