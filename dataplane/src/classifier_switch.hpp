// ClassifierSwitch: publishes classifier generations to the workers and retires old ones with
// DPDK's RCU QSBR, so a swap never stops or slows the fast path.
//
//   worker w:   register_worker(w) ... loop { g = current(); classify a burst with g;
//               quiescent(w); } ... unregister_worker(w)
//   control:    publish(loaded)   // store-release the new pointer, rte_rcu_qsbr_synchronize,
//                                 // fold the old generation's counters, delete it
//
// A worker holds a generation pointer only between current() and its next quiescent(), never
// across bursts, so once synchronize returns no worker can still see the old generation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "dpdk.hpp"
#include "lacl/dataplane/generation.hpp"
#include "lacl/result.hpp"

namespace lacl::dataplane {

class ClassifierSwitch {
 public:
  /// `workers`: threads that will register (ids 0..workers-1). Allocates the QSBR variable
  /// from EAL memory: call after rte_eal_init.
  static Result<std::unique_ptr<ClassifierSwitch>> create(std::uint32_t workers,
                                                          bool keep_generation_hits);
  ~ClassifierSwitch();
  ClassifierSwitch(const ClassifierSwitch&) = delete;
  ClassifierSwitch& operator=(const ClassifierSwitch&) = delete;

  // ---- worker side (lock-free, never blocks) ----
  void register_worker(std::uint32_t id) noexcept;
  void unregister_worker(std::uint32_t id) noexcept;
  /// The generation to classify the next burst with.
  const Generation* current() const noexcept { return current_.load(std::memory_order_acquire); }
  /// Reports that worker `id` holds no generation pointer any more.
  void quiescent(std::uint32_t id) noexcept { rte_rcu_qsbr_quiescent(qsbr_, id); }

  // ---- control side (thread-safe, may block) ----
  /// Makes `loaded` the current generation and retires the previous one once every worker has
  /// passed a quiescent state. Returns the new generation number.
  std::uint64_t publish(LoadedClassifier loaded);

  /// Calls f(current generation, history) with both held stable.
  void inspect(const std::function<void(const Generation&, const HitHistory&)>& f) const;

  std::uint32_t workers() const noexcept { return workers_; }

 private:
  ClassifierSwitch(std::uint32_t workers, bool keep_generation_hits, rte_rcu_qsbr* qsbr)
      : workers_(workers), qsbr_(qsbr), history_(keep_generation_hits) {}

  std::uint32_t workers_;
  rte_rcu_qsbr* qsbr_;
  std::atomic<const Generation*> current_{nullptr};
  // Guards the generation objects' lifetime and the history against readers (stats, telemetry)
  // and serialises publishers. Workers never take it.
  mutable std::mutex mutex_;
  std::unique_ptr<Generation> owned_;  // what current_ points to
  std::uint64_t next_number_ = 1;
  HitHistory history_;
};

}  // namespace lacl::dataplane
