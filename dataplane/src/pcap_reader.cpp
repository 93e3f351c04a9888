#include "lacl/dataplane/pcap_reader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace lacl::dataplane {
namespace {

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;
constexpr std::uint32_t kLinkTypeEthernet = 1;
constexpr std::uint32_t kMaxFrame = 65535;

std::uint32_t u32(const unsigned char* p, bool swapped) {
  const std::uint32_t le =
      static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
      static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
  return swapped ? __builtin_bswap32(le) : le;
}

}  // namespace

Result<std::vector<std::vector<std::uint8_t>>> read_pcap(const std::string& path,
                                                         std::size_t max_frames) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
  unsigned char header[24];
  if (!in.read(reinterpret_cast<char*>(header), sizeof header))
    return Error{path + ": not a pcap file (shorter than its 24-byte header)"};
  // The magic is written in the writer's byte order: read little-endian, a big-endian file's
  // magic comes out byte-swapped.
  const std::uint32_t magic = u32(header, false);
  bool swapped = false;
  if (magic == __builtin_bswap32(kMagicMicro) || magic == __builtin_bswap32(kMagicNano)) {
    swapped = true;
  } else if (magic != kMagicMicro && magic != kMagicNano) {
    return Error{path + ": not a classic pcap file (bad magic; pcapng is not read)"};
  }
  const std::uint32_t snaplen = u32(header + 16, swapped);
  const std::uint32_t linktype = u32(header + 20, swapped);
  if (linktype != kLinkTypeEthernet)
    return Error{path + ": link type " + std::to_string(linktype) + ", not Ethernet (1)"};

  std::vector<std::vector<std::uint8_t>> frames;
  std::uint64_t offset = sizeof header;
  unsigned char record[16];
  while (max_frames == 0 || frames.size() < max_frames) {
    if (!in.read(reinterpret_cast<char*>(record), sizeof record)) {
      if (in.gcount() == 0) break;
      return Error{path + ": truncated record header at byte " + std::to_string(offset)};
    }
    const std::uint32_t caplen = u32(record + 8, swapped);
    if (caplen > kMaxFrame || (snaplen != 0 && caplen > snaplen)) {
      return Error{path + ": record at byte " + std::to_string(offset) + " claims " +
                   std::to_string(caplen) + " bytes (snap length " + std::to_string(snaplen) + ")"};
    }
    std::vector<std::uint8_t> frame(caplen);
    if (!in.read(reinterpret_cast<char*>(frame.data()), caplen))
      return Error{path + ": truncated record at byte " + std::to_string(offset)};
    offset += sizeof record + caplen;
    frames.push_back(std::move(frame));
  }
  return frames;
}

}  // namespace lacl::dataplane
