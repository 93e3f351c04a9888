#include "lacl/dataplane/packet_parser.hpp"

namespace lacl::dataplane {
namespace {

constexpr std::uint32_t kEthHeader = 14;
constexpr std::uint32_t kVlanTag = 4;
constexpr std::uint32_t kIpv4MinHeader = 20;

inline std::uint16_t be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

}  // namespace

const char* parse_result_name(ParseResult r) noexcept {
  switch (r) {
    case ParseResult::kOk:
      return "ok";
    case ParseResult::kTruncated:
      return "truncated";
    case ParseResult::kNotIpv4:
      return "not_ipv4";
    case ParseResult::kBadIhl:
      return "bad_ihl";
    case ParseResult::kBadTotalLength:
      return "bad_total_length";
  }
  return "?";
}

ParseResult parse_packet(const std::uint8_t* data, std::uint32_t len, PacketKey& key) noexcept {
  if (len < kEthHeader) return ParseResult::kTruncated;
  std::uint32_t off = kEthHeader;
  std::uint16_t ether_type = be16(data + 12);
  if (ether_type == kEtherTypeVlan) {
    if (len < off + kVlanTag) return ParseResult::kTruncated;
    ether_type = be16(data + off + 2);
    off += kVlanTag;
  }
  if (ether_type != kEtherTypeIpv4) return ParseResult::kNotIpv4;

  // From here `avail` is the number of frame bytes from the start of the IP header.
  const std::uint32_t avail = len - off;
  if (avail < 1) return ParseResult::kTruncated;
  const std::uint8_t* ip = data + off;
  if ((ip[0] >> 4) != 4) return ParseResult::kNotIpv4;
  if (avail < kIpv4MinHeader) return ParseResult::kTruncated;
  const std::uint32_t header_len = std::uint32_t{ip[0] & 0x0Fu} * 4;
  if (header_len < kIpv4MinHeader || header_len > avail) return ParseResult::kBadIhl;
  const std::uint32_t total_len = be16(ip + 2);
  if (total_len < header_len || total_len > avail) return ParseResult::kBadTotalLength;

  key.src_ip = be32(ip + 12);
  key.dst_ip = be32(ip + 16);
  key.proto = ip[9];
  key.src_port = 0;
  key.dst_port = 0;
  const bool first_fragment = (be16(ip + 6) & 0x1FFFu) == 0;
  if ((key.proto == kProtoTcp || key.proto == kProtoUdp) && first_fragment) {
    // Both ports must lie inside the IP packet, not merely inside the frame's padding.
    if (total_len - header_len < 4) return ParseResult::kTruncated;
    key.src_port = be16(ip + header_len);
    key.dst_port = be16(ip + header_len + 2);
  }
  return ParseResult::kOk;
}

}  // namespace lacl::dataplane
