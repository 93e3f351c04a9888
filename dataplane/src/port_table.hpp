// The ports one dataplane drives, by compact index (0..count-1), and where each forwards to.
#pragma once

#include <array>
#include <cstdint>

#include "dpdk.hpp"
#include "lacl/dataplane/counters.hpp"
#include "lacl/rule.hpp"

namespace lacl::dataplane {

struct PortTable {
  static constexpr std::int16_t kNotUsed = -1;

  std::uint16_t count = 0;
  std::array<std::uint16_t, kMaxPorts> id{};    ///< DPDK port id of index i
  std::array<std::uint16_t, kMaxPorts> peer{};  ///< index an accepted packet goes to by default
  std::array<std::int16_t, RTE_MAX_ETHPORTS> index_of{};  ///< DPDK port id -> index or kNotUsed

  PortTable() { index_of.fill(kNotUsed); }

  /// Adds a port; peers are the pairs (0,1), (2,3), ...; an odd last port, and a single port,
  /// forward to themselves.
  void add(std::uint16_t port_id) {
    const auto i = count++;
    id[i] = port_id;
    index_of[port_id] = static_cast<std::int16_t>(i);
    for (std::uint16_t j = 0; j < count; ++j) {
      peer[j] = static_cast<std::uint16_t>((j ^ 1u) < count ? (j ^ 1u) : j);
    }
  }

  /// The output index of a packet accepted by `a` that arrived on index `in`: the action's port
  /// when it names a port in this table, the peer of `in` otherwise.
  std::uint16_t output(const Action& a, std::uint16_t in) const noexcept {
    if (a.port != Action::kSamePort && a.port < RTE_MAX_ETHPORTS && index_of[a.port] >= 0) {
      return static_cast<std::uint16_t>(index_of[a.port]);
    }
    return peer[in];
  }
};

}  // namespace lacl::dataplane
