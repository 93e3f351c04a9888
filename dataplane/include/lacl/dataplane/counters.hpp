// Per-worker counters of the dataplane. Each worker owns one WorkerCounters and is its only
// writer; readers (stats, telemetry, the final report) sum over workers. Every block is
// cache-line aligned and a whole number of lines, so no two workers ever write the same line.
//
// Counts are relaxed atomics (std::atomic_ref): a plain load/add/store on x86, no locked
// instruction, and a concurrent reader sees a recent value without a data race.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "lacl/dataplane/packet_parser.hpp"

namespace lacl::dataplane {

/// The most ports one dataplane drives (DPDK's RTE_MAX_ETHPORTS in the Debian build).
inline constexpr std::size_t kMaxPorts = 32;

/// Adds `n` to a counter owned by the calling worker (n may be the two's complement of a
/// decrement: counters wrap modulo 2^64 and every sum comes out right).
inline void bump(std::uint64_t& counter, std::uint64_t n = 1) noexcept {
  std::atomic_ref<std::uint64_t> c(counter);
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

/// Sets a value owned by the calling worker.
inline void put(std::uint64_t& counter, std::uint64_t v) noexcept {
  std::atomic_ref<std::uint64_t>(counter).store(v, std::memory_order_relaxed);
}

/// Reads a counter another thread may be bumping.
inline std::uint64_t peek(const std::uint64_t& counter) noexcept {
  return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(counter))
      .load(std::memory_order_relaxed);
}

/// One port's counters. The first four are dispositions of the frames RECEIVED on the port, so
/// rx == tx + dropped + malformed holds per port once traffic has stopped:
///  - tx:        well-formed frames forwarded (accepted and taken by the output port's TX queue);
///  - dropped:   well-formed frames dropped by their action, or refused by a full TX queue;
///  - malformed: frames parse_packet rejected; they take the default action (forwarded or freed)
///               and are counted here only.
/// The last two describe frames SENT OUT of the port, whatever port they came in on.
struct alignas(64) PortCounters {
  std::uint64_t rx = 0;
  std::uint64_t tx = 0;
  std::uint64_t dropped = 0;
  std::uint64_t malformed = 0;
  std::uint64_t sent = 0;       ///< frames the port's TX queues accepted
  std::uint64_t tx_failed = 0;  ///< frames its TX queues refused (freed, never sent)

  PortCounters& operator+=(const PortCounters& o) noexcept {
    rx += peek(o.rx), tx += peek(o.tx), dropped += peek(o.dropped);
    malformed += peek(o.malformed), sent += peek(o.sent), tx_failed += peek(o.tx_failed);
    return *this;
  }
};

struct alignas(64) WorkerCounters {
  std::array<PortCounters, kMaxPorts> port{};
  std::array<std::uint64_t, kParseResultCount> parse{};  ///< malformed frames by ParseResult
  std::uint64_t first_rx_tsc = 0;  ///< TSC of the first non-empty burst (0: none yet)
  std::uint64_t last_rx_tsc = 0;   ///< TSC of the latest non-empty burst
};

}  // namespace lacl::dataplane
