// Building Ethernet/IPv4 frames from 5-tuples: the traffic side of the tests, the demo and
// lacl-pcapgen. The inverse of parse_packet for well-formed frames.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "lacl/rule.hpp"

namespace lacl::dataplane {

/// What goes into one frame. Every value is in host byte order.
struct FrameSpec {
  PacketKey key{};
  std::optional<std::uint16_t> vlan;  ///< 802.1Q VLAN id (12 bits) when set
  std::uint8_t ip_option_words = 0;   ///< 0..10 words of IPv4 options (NOPs ended by EOL)
  std::uint32_t min_size = 64;        ///< frame bytes at least (padded with payload), no FCS
  std::uint32_t sequence = 0;         ///< written as the IP id (low 16 bits) and in the payload
};

/// A frame carrying spec.key: TCP (6) and UDP (17) get a full TCP/UDP header with the ports,
/// every other protocol a bare payload (its ports are not on the wire). The IPv4 header checksum
/// is valid; L4 checksums are zero. The IP total length covers everything after the Ethernet
/// header (and tag), so parse_packet returns kOk and wire_key(spec.key).
std::vector<std::uint8_t> build_frame(const FrameSpec& spec);

}  // namespace lacl::dataplane
