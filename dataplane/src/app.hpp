// The lacl-dataplane application after EAL is up: the lifecycle of DPDK's skeleton and l3fwd
// (ports, mempool, workers, control, clean stop) around lacl's classifier.
//
// Lcores: every worker lcore runs a Worker (RX queue w and TX queue w of every port). The main
// lcore runs the control loop: stats lines, the --packets/--duration limits, SIGHUP swaps.
// With no worker lcore (-l N), the main lcore is the only worker and the control loop moves to
// a DPDK control thread, so a swap never runs on a forwarding core.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "classifier_switch.hpp"
#include "dpdk.hpp"
#include "lacl/dataplane/counters.hpp"
#include "lacl/dataplane/options.hpp"
#include "lacl/dataplane/report.hpp"
#include "lacl/detail/aligned.hpp"
#include "lacl/result.hpp"
#include "port_table.hpp"
#include "worker.hpp"

namespace lacl::dataplane {

/// Set from signal handlers: SIGINT/SIGTERM -> quit, SIGHUP -> reload.
struct SignalFlags {
  std::atomic<bool> quit{false};
  std::atomic<bool> reload{false};
};

struct SwapOutcome {
  std::uint64_t generation = 0;
  std::size_t rules = 0;
  double load_ms = 0;
  std::string source;
};

/// Packets received by each worker at one TSC instant: the ends of the measured interval.
struct WorkerSample {
  std::uint64_t tsc = 0;  ///< 0: not taken
  std::vector<std::uint64_t> packets;
};

class App {
 public:
  App(Options options, SignalFlags& signals);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  /// Sets everything up, forwards until a signal or a limit, stops, reports. Returns the
  /// process exit code (0: clean run).
  int run();

  /// Every counter, summed over workers. Thread-safe (telemetry, stats).
  Snapshot snapshot() const;

  /// Loads `path` (empty: the configured source) off the fast path, publishes it and retires
  /// the old generation. A file that fails to load or validate is refused with the reason and
  /// the serving classifier stays. Thread-safe; swaps are serialised. A successful swap makes
  /// `path` the source that SIGHUP re-reads.
  Result<SwapOutcome> swap(const std::string& path);

 private:
  Status setup();  // classifier, ports, mempool, queues, workers
  void forward();  // launch, control until a signal or a limit, join
  int finish();    // stop and close ports, report
  Status select_ports();
  Status plan_workers();
  Status create_pool();
  Status init_port(std::uint16_t index);
  void flush_rx();
  Status inject();
  void check_links();
  Status create_workers();
  void control_loop();
  static void* control_thread(void* app);
  void shutdown_ports();
  std::uint64_t total_rx() const;
  std::uint64_t worker_rx(std::size_t w) const;
  void take_sample(WorkerSample& out) const;

  Options options_;
  SignalFlags& signals_;
  std::atomic<bool> quit_{false};

  PortTable ports_;
  std::vector<std::string> port_names_;  // by index; ethdev forgets them once closed
  std::vector<unsigned> worker_lcores_;  // lcore of worker w; the main lcore when alone
  bool main_is_worker_ = false;
  std::uint16_t queues_ = 0;
  rte_mempool* pool_ = nullptr;
  std::vector<bool> port_started_;
  std::vector<bool> port_configured_;

  std::unique_ptr<ClassifierSwitch> classifiers_;
  std::vector<WorkerCounters, detail::CacheAlignedAllocator<WorkerCounters>> counters_;
  std::vector<std::unique_ptr<Worker>> workers_;

  std::chrono::steady_clock::time_point started_{};
  std::chrono::steady_clock::time_point stopped_{};
  std::atomic<bool> forwarding_{false};
  std::atomic<bool> finished_{false};
  // Written by the control loop, read after it ended (the final report).
  WorkerSample measure_from_;   // after --warmup
  WorkerSample measure_to_;     // when forwarding is told to stop
  bool packets_short_ = false;  // --packets was not reached

  std::mutex swap_mutex_;            // one swap at a time (SIGHUP, telemetry)
  mutable std::mutex status_mutex_;  // guards the fields below
  std::string source_path_;
  std::uint64_t swaps_ok_ = 0;
  std::uint64_t swaps_failed_ = 0;
  std::string last_swap_error_;
};

}  // namespace lacl::dataplane
