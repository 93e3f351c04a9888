// The per-lcore fast path: RX burst -> parse the burst -> one classify call on the serving
// backend (lacl or rte_acl) -> apply actions -> buffered TX with a TSC-driven drain. One Worker
// per worker lcore; worker w polls RX queue w and owns TX queue w of every port, so no queue is
// shared and nothing is locked.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "classifier_switch.hpp"
#include "dpdk.hpp"
#include "lacl/dataplane/counters.hpp"
#include "lacl/dataplane/options.hpp"
#include "lacl/result.hpp"
#include "port_table.hpp"

namespace lacl::dataplane {

struct WorkerSetup {
  std::uint32_t id = 0;  ///< worker id: queue id on every port and QSBR thread id
  unsigned lcore = 0;    ///< the lcore it will run on (for NUMA placement)
  const PortTable* ports = nullptr;
  ClassifierSwitch* classifiers = nullptr;
  WorkerCounters* counters = nullptr;
  std::uint32_t burst = 32;
  std::uint32_t drain_us = 100;
  const std::atomic<bool>* quit = nullptr;
};

class alignas(64) Worker {
 public:
  /// Allocates the TX buffers (one per port) on the lcore's socket.
  static Result<std::unique_ptr<Worker>> create(const WorkerSetup& setup);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// lcore_function_t entry point: runs until *quit, then flushes TX and returns 0.
  static int launch(void* worker);
  void run() noexcept;

 private:
  struct TxErrorContext {
    Worker* worker;
    std::uint16_t out;  // output port index of the buffer
  };

  explicit Worker(const WorkerSetup& s) : setup_(s) {}
  void process_burst(std::uint16_t in, std::uint16_t n) noexcept;
  void flush_all() noexcept;
  static void on_tx_error(rte_mbuf** unsent, std::uint16_t count, void* userdata);

  WorkerSetup setup_;
  std::array<rte_eth_dev_tx_buffer*, kMaxPorts> tx_{};
  std::array<TxErrorContext, kMaxPorts> tx_error_{};
  // Burst scratch. keys_/ids_ hold only the well-formed packets, index_ maps them back.
  std::array<rte_mbuf*, kMaxBurst> rx_{};
  std::array<rte_mbuf*, kMaxBurst> drop_{};
  std::array<PacketKey, kMaxBurst> keys_{};
  std::array<RuleId, kMaxBurst> ids_{};
  std::array<std::uint16_t, kMaxBurst> index_{};
};

}  // namespace lacl::dataplane
