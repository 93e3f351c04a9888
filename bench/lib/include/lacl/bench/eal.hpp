// DPDK's Environment Abstraction Layer for benchmarks, tests and tools. rte_acl and rte_hash
// allocate from EAL's heap, so EAL must be up before either is built.
//
//   if (auto s = lacl::bench::init_eal({}); !s) fail(s.error().message);
//
// The default arguments need no hugepages, no PCI devices and no state shared with other
// processes: --no-huge -m <MiB> --no-pci --file-prefix lacl-bench-<pid> --no-shconf
// --no-telemetry --log-level=lib.eal:error --force-max-simd-bitwidth=512. --no-shconf keeps EAL
// from writing its config and memory maps (several MiB of tmpfs per run) and --no-telemetry from
// opening a socket, neither of which a benchmark needs; the last argument lets rte_acl run
// AVX512X32 (DPDK caps SIMD at 256 bits by default).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lacl/result.hpp"

namespace lacl::bench {

/// Default -m for the default arguments: room for rte_acl's run-time structures of ClassBench
/// sets up to 100K rules (its build-time memory comes from libc, not from EAL).
inline constexpr unsigned kDefaultEalMemoryMib = 2048;

struct EalOptions {
  /// EAL arguments without the program name. When empty the defaults are used; when given they
  /// are used exactly as they are (add --force-max-simd-bitwidth=512 yourself for AVX512X32).
  std::vector<std::string> args;
  unsigned memory_mib = kDefaultEalMemoryMib;  ///< -m of the default arguments
};

/// The default arguments for `memory_mib` (see the file comment).
std::vector<std::string> default_eal_args(unsigned memory_mib);

/// Splits a command-line style string at blanks (no quoting): "--no-huge -m 512".
std::vector<std::string> split_eal_args(std::string_view text);

/// Initialises EAL once per process. The first call decides: later calls return its result and
/// ignore their options. Thread-safe. The error carries rte_strerror(rte_errno).
Status init_eal(const EalOptions& options = {});

/// True once init_eal() succeeded.
bool eal_ready() noexcept;

/// The arguments the successful init_eal() used, joined by blanks (empty before).
std::string eal_args_used();

/// Releases EAL's resources (rte_eal_cleanup) and, with the default arguments, removes the empty
/// per-process runtime directory. Call at the end of main, after every rte_acl and rte_hash
/// object is destroyed; harmless when EAL was never initialised. EAL cannot be initialised again.
void cleanup_eal() noexcept;

/// Bytes currently allocated from EAL's malloc heaps, summed over sockets (allocations round up
/// to cache lines and carry a small header, so a difference slightly overstates the payload).
/// 0 before init_eal(). Not thread-safe against concurrent allocation.
std::size_t eal_heap_bytes() noexcept;

}  // namespace lacl::bench
