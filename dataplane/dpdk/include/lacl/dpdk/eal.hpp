// What the DPDK-backed pieces need to know about EAL, whoever initialised it (lacl-dataplane's
// main, or lacl::bench::init_eal in the benchmarks and tests).
#pragma once

#include <cstddef>

namespace lacl::dpdk {

/// True once rte_eal_init has succeeded in this process: EAL decides its IOVA mode only then, and
/// a failed init leaves it undecided. Not reset by rte_eal_cleanup; nothing may use EAL memory
/// after that.
bool eal_is_up() noexcept;

/// Bytes currently allocated from EAL's malloc heaps, summed over sockets (allocations round up
/// to cache lines and carry a small header, so a difference slightly overstates the payload).
/// 0 when EAL is not up. Not thread-safe against concurrent allocation.
std::size_t eal_heap_bytes() noexcept;

}  // namespace lacl::dpdk
