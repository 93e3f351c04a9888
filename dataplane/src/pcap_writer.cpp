#include "lacl/dataplane/pcap_writer.hpp"

#include <cerrno>
#include <cstring>

namespace lacl::dataplane {
namespace {

// pcap stores its header fields in the writer's byte order; readers detect it from the magic.
// Written explicitly little-endian here so files are identical on every host.
void put_le(std::ofstream& out, std::uint64_t v, int bytes) {
  char b[8];
  for (int i = 0; i < bytes; ++i)
    b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.write(b, bytes);
}

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kSnapLen = 65535;
constexpr std::uint32_t kLinkTypeEthernet = 1;

}  // namespace

Result<PcapWriter> PcapWriter::open(const std::string& path) {
  PcapWriter w;
  w.path_ = path;
  w.out_.open(path, std::ios::binary | std::ios::trunc);
  if (!w.out_) return Error{path + ": cannot open for writing: " + std::strerror(errno)};
  put_le(w.out_, kMagicMicro, 4);
  put_le(w.out_, 2, 2);  // version 2.4
  put_le(w.out_, 4, 2);
  put_le(w.out_, 0, 4);  // thiszone
  put_le(w.out_, 0, 4);  // sigfigs
  put_le(w.out_, kSnapLen, 4);
  put_le(w.out_, kLinkTypeEthernet, 4);
  return w;
}

void PcapWriter::write(std::span<const std::uint8_t> frame, std::uint64_t usec) {
  put_le(out_, usec / 1000000, 4);
  put_le(out_, usec % 1000000, 4);
  put_le(out_, frame.size(), 4);  // captured
  put_le(out_, frame.size(), 4);  // on the wire
  out_.write(reinterpret_cast<const char*>(frame.data()),
             static_cast<std::streamsize>(frame.size()));
  ++frames_;
}

Status PcapWriter::close() {
  out_.flush();
  const bool good = static_cast<bool>(out_);
  out_.close();
  if (!good) return Error{path_ + ": write error"};
  return Ok{};
}

}  // namespace lacl::dataplane
