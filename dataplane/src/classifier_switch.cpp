#include "classifier_switch.hpp"

namespace lacl::dataplane {

Result<std::unique_ptr<ClassifierSwitch>> ClassifierSwitch::create(std::uint32_t workers,
                                                                   bool keep_generation_hits) {
  const std::size_t bytes = rte_rcu_qsbr_get_memsize(workers);
  auto* v = static_cast<rte_rcu_qsbr*>(rte_zmalloc("lacl_qsbr", bytes, RTE_CACHE_LINE_SIZE));
  if (v == nullptr) return Error{"cannot allocate the RCU QSBR variable from EAL memory"};
  if (rte_rcu_qsbr_init(v, workers) != 0) {
    rte_free(v);
    return Error{std::string("rte_rcu_qsbr_init: ") + rte_strerror(rte_errno)};
  }
  return std::unique_ptr<ClassifierSwitch>(new ClassifierSwitch(workers, keep_generation_hits, v));
}

ClassifierSwitch::~ClassifierSwitch() {
  rte_free(qsbr_);
}

void ClassifierSwitch::register_worker(std::uint32_t id) noexcept {
  rte_rcu_qsbr_thread_register(qsbr_, id);
  rte_rcu_qsbr_thread_online(qsbr_, id);
}

void ClassifierSwitch::unregister_worker(std::uint32_t id) noexcept {
  rte_rcu_qsbr_thread_offline(qsbr_, id);
  rte_rcu_qsbr_thread_unregister(qsbr_, id);
}

std::uint64_t ClassifierSwitch::publish(LoadedClassifier loaded) {
  std::lock_guard lock(mutex_);
  const std::uint64_t number = next_number_++;
  auto next = std::make_unique<Generation>(number, std::move(loaded), workers_);
  current_.store(next.get(), std::memory_order_release);
  std::unique_ptr<Generation> old = std::exchange(owned_, std::move(next));
  if (old) {
    // Waits until every registered, online worker has reported quiescent after the store above:
    // from then on none of them can hold `old`.
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
    history_.retire(*old);
  }
  return number;
}

void ClassifierSwitch::inspect(
    const std::function<void(const Generation&, const HitHistory&)>& f) const {
  std::lock_guard lock(mutex_);
  if (owned_) f(*owned_, history_);
}

}  // namespace lacl::dataplane
