// Parsing a received frame into the 5-tuple the classifier matches on. Pure code with no DPDK
// dependency, so every malformed kind is unit-tested without EAL.
//
//   PacketKey key;
//   switch (parse_packet(data, len, key)) { case ParseResult::kOk: ... }
//
// Accepted frames: Ethernet II, at most one 802.1Q tag (TPID 0x8100), EtherType IPv4, IP version
// 4 with a header of IHL*4 bytes (options are skipped, never interpreted). TCP (6) and UDP (17)
// packets give their ports; every other protocol, and every non-first fragment (its L4 header is
// in an earlier fragment), gives ports 0. Bytes after the IP total length (Ethernet padding) are
// ignored. Checksums are not verified: a classifier is not a host stack.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lacl/rule.hpp"

namespace lacl::dataplane {

/// Why a frame could not be parsed, or kOk. The values index counter arrays.
enum class ParseResult : std::uint8_t {
  kOk = 0,
  /// The frame ends inside the Ethernet header, the 802.1Q tag, the fixed 20-byte IPv4 header,
  /// or before the TCP/UDP ports; or the IP packet (per its total length) ends before them.
  kTruncated = 1,
  /// The EtherType after at most one 802.1Q tag is not IPv4 (ARP, IPv6, a second tag, ...), or
  /// the IP version field is not 4.
  kNotIpv4 = 2,
  /// IHL below 5, or an IPv4 header of IHL*4 bytes that extends past the end of the frame.
  kBadIhl = 3,
  /// Total length below the header length (IHL*4), or past the end of the frame.
  kBadTotalLength = 4,
};

inline constexpr std::size_t kParseResultCount = 5;

/// "ok", "truncated", "not_ipv4", "bad_ihl", "bad_total_length": for reports and JSON keys.
const char* parse_result_name(ParseResult r) noexcept;

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;

/// Parses the `len` bytes at `data` (network byte order, starting at the destination MAC).
/// On kOk writes every field of `key` in host byte order; on any other result `key` is left
/// unspecified. Never reads outside [data, data + len). Thread-safe, no allocation.
ParseResult parse_packet(const std::uint8_t* data, std::uint32_t len, PacketKey& key) noexcept;

/// The key parse_packet gives for a well-formed, unfragmented frame built from `key`: ports are
/// zeroed unless the protocol is TCP or UDP.
constexpr PacketKey wire_key(PacketKey key) noexcept {
  if (key.proto != kProtoTcp && key.proto != kProtoUdp) key.src_port = key.dst_port = 0;
  return key;
}

}  // namespace lacl::dataplane
