#include "lacl/dpdk/eal.hpp"

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

namespace lacl::dpdk {

bool eal_is_up() noexcept {
  return rte_eal_iova_mode() != RTE_IOVA_DC;
}

std::size_t eal_heap_bytes() noexcept {
  if (!eal_is_up()) return 0;
  std::size_t total = 0;
  for (unsigned i = 0; i < rte_socket_count(); ++i) {
    rte_malloc_socket_stats st{};
    if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
      total += st.heap_allocsz_bytes;
  }
  return total;
}

}  // namespace lacl::dpdk
