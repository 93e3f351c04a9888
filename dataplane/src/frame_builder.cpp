#include "lacl/dataplane/frame_builder.hpp"

#include <algorithm>

#include "lacl/dataplane/packet_parser.hpp"

namespace lacl::dataplane {
namespace {

void put16(std::vector<std::uint8_t>& f, std::size_t at, std::uint32_t v) {
  f[at] = static_cast<std::uint8_t>(v >> 8);
  f[at + 1] = static_cast<std::uint8_t>(v);
}
void put32(std::vector<std::uint8_t>& f, std::size_t at, std::uint32_t v) {
  put16(f, at, v >> 16);
  put16(f, at + 2, v & 0xFFFFu);
}

// RFC 1071 one's-complement sum over the header, checksum field zero.
std::uint16_t ipv4_checksum(const std::uint8_t* h, std::size_t len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < len; i += 2)
    sum += static_cast<std::uint32_t>((h[i] << 8) | h[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xFFFFu) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

std::vector<std::uint8_t> build_frame(const FrameSpec& spec) {
  const std::uint8_t option_words = std::min<std::uint8_t>(spec.ip_option_words, 10);
  const std::size_t l2 = 14 + (spec.vlan ? 4 : 0);
  const std::size_t ip_header = 20 + 4u * option_words;
  const std::size_t l4 = spec.key.proto == kProtoTcp ? 20 : spec.key.proto == kProtoUdp ? 8 : 0;
  const std::size_t payload_min = 4;  // the sequence number
  const std::size_t size = std::max<std::size_t>(spec.min_size, l2 + ip_header + l4 + payload_min);
  std::vector<std::uint8_t> f(size, 0);

  // Locally administered MACs: 02:00:00:00:00:02 -> 02:00:00:00:00:01.
  f[0] = 0x02, f[5] = 0x01;
  f[6] = 0x02, f[11] = 0x02;
  std::size_t off = 12;
  if (spec.vlan) {
    put16(f, off, kEtherTypeVlan);
    put16(f, off + 2, *spec.vlan & 0x0FFFu);
    off += 4;
  }
  put16(f, off, kEtherTypeIpv4);
  off += 2;

  const std::size_t ip = off;
  f[ip] = static_cast<std::uint8_t>(0x40 | (ip_header / 4));
  put16(f, ip + 2, static_cast<std::uint32_t>(size - l2));
  put16(f, ip + 4, spec.sequence & 0xFFFFu);
  f[ip + 8] = 64;  // TTL
  f[ip + 9] = spec.key.proto;
  put32(f, ip + 12, spec.key.src_ip);
  put32(f, ip + 16, spec.key.dst_ip);
  for (std::size_t i = 20; i + 1 < ip_header; ++i)
    f[ip + i] = 1;  // NOP ... EOL (0)
  put16(f, ip + 10, ipv4_checksum(&f[ip], ip_header));

  const std::size_t l4_at = ip + ip_header;
  if (l4 != 0) {
    put16(f, l4_at, spec.key.src_port);
    put16(f, l4_at + 2, spec.key.dst_port);
    if (spec.key.proto == kProtoTcp) {
      f[l4_at + 12] = 0x50;          // data offset 5 words
      f[l4_at + 13] = 0x10;          // ACK
      put16(f, l4_at + 14, 0xFFFF);  // window
    } else {
      put16(f, l4_at + 4, static_cast<std::uint32_t>(size - l4_at));
    }
  }
  put32(f, l4_at + l4, spec.sequence);
  return f;
}

}  // namespace lacl::dataplane
