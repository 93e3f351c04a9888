// A minimal reader of classic pcap files (what PcapWriter and net_pcap write: microsecond or
// nanosecond magic, either byte order, LINKTYPE_ETHERNET), for --inject. No libpcap needed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lacl/result.hpp"

namespace lacl::dataplane {

/// Every frame of `path` as captured (incl_len bytes), in file order. Refuses, naming the file
/// and the byte offset, a bad magic, a link type other than Ethernet, a record longer than the
/// snap length or 65535 bytes, and a truncated record. At most `max_frames` frames are read
/// (0: all).
Result<std::vector<std::vector<std::uint8_t>>> read_pcap(const std::string& path,
                                                         std::size_t max_frames = 0);

}  // namespace lacl::dataplane
