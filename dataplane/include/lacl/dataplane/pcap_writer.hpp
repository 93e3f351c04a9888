// A minimal writer of classic pcap files (microsecond magic 0xa1b2c3d4, LINKTYPE_ETHERNET), the
// input format of DPDK's net_pcap. No libpcap needed.
#pragma once

#include <cstdint>
#include <fstream>
#include <span>
#include <string>

#include "lacl/result.hpp"

namespace lacl::dataplane {

class PcapWriter {
 public:
  /// Creates (truncates) `path` and writes the file header.
  static Result<PcapWriter> open(const std::string& path);

  /// Appends one frame stamped `usec` microseconds after the epoch. Not thread-safe.
  void write(std::span<const std::uint8_t> frame, std::uint64_t usec);
  /// Flushes and closes; the error names the file.
  Status close();

  std::uint64_t frames() const noexcept { return frames_; }

 private:
  std::string path_;
  std::ofstream out_;
  std::uint64_t frames_ = 0;
};

}  // namespace lacl::dataplane
