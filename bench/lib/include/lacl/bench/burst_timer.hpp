// Timing a classifier over a trace the way a dataplane calls it: in bursts of kBurst packets.
//
//   lacl::bench::Timing t = lacl::bench::time_bursts(n, repeat, min_packets,
//       [&](std::size_t begin, std::size_t count) { ... classify packets [begin, begin+count) ...
//       });
//
// Each sample walks the whole trace (several passes when it is shorter than `min_packets`) and
// reads three clocks around it: the TSC, std::chrono::steady_clock and the thread's CPU time. The
// sample with the least CPU time is kept, and its figures count on-CPU time only: on a shared
// machine a long sample is almost always descheduled for part of its wall time, a short one often
// is not, so wall time would favour whichever backend is fastest. The TSC gives the cycle rate;
// cycles per packet are on-CPU nanoseconds times that rate. On an idle machine on_cpu is 1 and
// wall and CPU figures agree.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace lacl::bench {

/// Packets per classify call, as in an RX burst (and dpdk-test-acl's default).
inline constexpr std::size_t kBurst = 256;

/// The time-stamp counter (reference cycles at the TSC's fixed rate, not core cycles), or 0 on
/// CPUs without one. Not serialising: only differences over millions of packets are meaningful.
inline std::uint64_t read_tsc() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return 0;
#endif
}

/// CPU time consumed by the calling thread, nanoseconds (the scheduler's accounting).
inline double thread_cpu_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

/// The best sample of a timed run.
struct Timing {
  double mpps = 0;             ///< million packets per second of on-CPU time
  double ns_per_pkt = 0;       ///< on-CPU nanoseconds per packet
  double cycles_per_pkt = 0;   ///< TSC cycles per packet of on-CPU time (0 without a TSC)
  double wall_ns_per_pkt = 0;  ///< steady_clock nanoseconds per packet, preemption included
  double tsc_ghz = 0;          ///< TSC cycles per wall nanosecond in that sample
  double on_cpu = 0;           ///< thread CPU time / wall time of that sample (1: never preempted)
  std::size_t packets = 0;     ///< packets classified per sample
  std::size_t passes = 0;      ///< passes over the trace per sample
};

/// Calls `burst(begin, count)` over [0, n) in bursts of kBurst, `passes` times per sample with
/// passes = ceil(min_packets / n) (at least 1), for `repeat` samples (at least 1), and returns the
/// sample with the least CPU time. n == 0 gives a zero Timing without calling `burst`.
template <class BurstFn>
Timing time_bursts(std::size_t n, unsigned repeat, std::size_t min_packets, BurstFn&& burst) {
  Timing best;
  if (n == 0) return best;
  const std::size_t passes = std::max<std::size_t>(1, (min_packets + n - 1) / n);
  const double pkts = static_cast<double>(n) * static_cast<double>(passes);
  double best_cpu = -1;
  for (unsigned r = 0; r < std::max(1u, repeat); ++r) {
    const double cpu0 = thread_cpu_ns();
    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t c0 = read_tsc();
    for (std::size_t p = 0; p < passes; ++p) {
      for (std::size_t i = 0; i < n; i += kBurst)
        burst(i, std::min(kBurst, n - i));
    }
    const std::uint64_t c1 = read_tsc();
    const auto t1 = std::chrono::steady_clock::now();
    const double cpu = thread_cpu_ns() - cpu0;
    const double wall = std::chrono::duration<double, std::nano>(t1 - t0).count();
    if (best_cpu < 0 || cpu < best_cpu) {
      best_cpu = cpu;
      best.tsc_ghz = wall > 0 ? static_cast<double>(c1 - c0) / wall : 0;
      best.on_cpu = wall > 0 ? std::min(1.0, cpu / wall) : 1;
      best.ns_per_pkt = cpu / pkts;
      best.mpps = cpu > 0 ? pkts / cpu * 1e3 : 0;
      best.cycles_per_pkt = best.ns_per_pkt * best.tsc_ghz;
      best.wall_ns_per_pkt = wall / pkts;
    }
  }
  best.packets = n * passes;
  best.passes = passes;
  return best;
}

}  // namespace lacl::bench
