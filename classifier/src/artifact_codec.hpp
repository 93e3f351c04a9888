// What the artifact's writer (artifact_write.cpp) and loader (artifact_read.cpp) share, private
// to the classifier library: little-endian encoding (a Writer that appends fixed-width fields
// and a bounds-checked Reader over one section that refuses, with the section's name, whatever
// would read past its end), and the container's constants. The format itself is documented in
// lacl/artifact.hpp.
#pragma once

#include <array>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lacl/artifact.hpp"
#include "lacl/detail/rule_row.hpp"
#include "lacl/rule.hpp"

namespace lacl::detail::artifact {

inline std::uint32_t get_u8(const std::byte* p) {
  return std::to_integer<std::uint32_t>(p[0]);
}
inline std::uint32_t get_u16(const std::byte* p) {
  return get_u8(p) | get_u8(p + 1) << 8;
}
inline std::uint32_t get_u32(const std::byte* p) {
  return get_u16(p) | get_u16(p + 2) << 16;
}
inline std::uint64_t get_u64(const std::byte* p) {
  return get_u32(p) | std::uint64_t{get_u32(p + 4)} << 32;
}
inline void put_u32(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<std::byte>(v >> (8 * i));
}
inline void put_u64(std::byte* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<std::byte>(v >> (8 * i));
}

/// Why a file is refused; thrown inside the loader and turned into "NAME: reason" at its top.
struct Refusal {
  std::string reason;
};

/// Throws a Refusal with a printf-formatted reason.
[[noreturn, gnu::format(printf, 1, 2)]] inline void refuse(const char* format, ...) {
  char buf[512];
  std::va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  throw Refusal{buf};
}

using Ull = unsigned long long;  // for %llu

class Writer {
 public:
  void u8(std::uint32_t v) { out_.push_back(static_cast<std::byte>(v)); }
  void u16(std::uint32_t v) {
    u8(v & 0xFFu);
    u8(v >> 8 & 0xFFu);
  }
  void u32(std::uint32_t v) {
    u16(v & 0xFFFFu);
    u16(v >> 16);
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v));
    u32(static_cast<std::uint32_t>(v >> 32));
  }
  void bytes(std::span<const std::byte> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  /// A u32 length, then the bytes.
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    bytes(std::as_bytes(std::span(s.data(), s.size())));
  }
  /// u8 kind, u8 zero, u16 port.
  void action(const Action& a) {
    u8(static_cast<std::uint32_t>(a.kind));
    u8(0);
    u16(a.port);
  }
  /// The 32-byte rule row of the layout in artifact.hpp.
  void row(const RuleRow& r) {
    for (std::uint32_t v : {r.src_lo, r.src_hi, r.dst_lo, r.dst_hi})
      u32(v);
    for (std::uint32_t v : {r.sport_lo, r.sport_hi, r.dport_lo, r.dport_hi})
      u16(v);
    u8(r.proto_lo);
    u8(r.proto_hi);
    u16(0);
    u32(r.id);
  }
  const std::vector<std::byte>& data() const { return out_; }

 private:
  std::vector<std::byte> out_;
};

/// Bounded reads from one section. Every count is checked against the bytes left before
/// anything of that size is allocated, so a lying count cannot make the loader allocate more
/// than the file holds.
class Reader {
 public:
  Reader(std::span<const std::byte> bytes, const char* section) : p_(bytes), section_(section) {}

  std::uint32_t u8(const char* what) { return get_u8(take(1, what)); }
  std::uint32_t u16(const char* what) { return get_u16(take(2, what)); }
  std::uint32_t u32(const char* what) { return get_u32(take(4, what)); }
  std::uint64_t u64(const char* what) { return get_u64(take(8, what)); }
  /// Reads `bytes` bytes that must be zero.
  void zeros(std::size_t bytes, const char* what) {
    const std::byte* p = take(bytes, what);
    for (std::size_t i = 0; i < bytes; ++i) {
      if (p[i] != std::byte{0}) refuse("section '%s': %s is not zero", section_, what);
    }
  }
  std::string str(const char* what) {
    const std::uint32_t n = u32(what);
    const std::byte* p = take(n, what);
    return n == 0 ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
  }
  /// `count` as a size, after checking that `count` items of `item_bytes` fit in what is left.
  std::size_t count(std::uint64_t count, std::size_t item_bytes, const char* what) const {
    if (count > p_.size() / item_bytes) {
      refuse("truncated: section '%s' has %zu bytes left, %s need %llu x %zu", section_, p_.size(),
             what, static_cast<Ull>(count), item_bytes);
    }
    return static_cast<std::size_t>(count);
  }
  Action action(const char* what) {
    const std::uint32_t kind = u8(what);
    zeros(1, what);
    const std::uint32_t port = u16(what);
    if (kind > 1) {
      refuse("section '%s': %s has action kind %u (0 accept, 1 drop)", section_, what, kind);
    }
    if (kind == 1 && port != Action::kSamePort) {
      refuse("section '%s': %s is a drop with an output port %u", section_, what, port);
    }
    return {static_cast<Action::Kind>(kind), static_cast<std::uint16_t>(port)};
  }
  RuleRow row(const char* what) {
    const std::byte* p = take(32, what);
    RuleRow r{};
    r.src_lo = get_u32(p);
    r.src_hi = get_u32(p + 4);
    r.dst_lo = get_u32(p + 8);
    r.dst_hi = get_u32(p + 12);
    r.sport_lo = static_cast<std::uint16_t>(get_u16(p + 16));
    r.sport_hi = static_cast<std::uint16_t>(get_u16(p + 18));
    r.dport_lo = static_cast<std::uint16_t>(get_u16(p + 20));
    r.dport_hi = static_cast<std::uint16_t>(get_u16(p + 22));
    r.proto_lo = static_cast<std::uint8_t>(get_u8(p + 24));
    r.proto_hi = static_cast<std::uint8_t>(get_u8(p + 25));
    if (get_u16(p + 26) != 0)
      refuse("section '%s': %s has non-zero reserved bytes", section_, what);
    r.id = get_u32(p + 28);
    return r;
  }
  /// Refuses unless everything was read.
  void finish() const {
    if (!p_.empty()) refuse("section '%s' has %zu unread bytes at its end", section_, p_.size());
  }

 private:
  const std::byte* take(std::size_t n, const char* what) {
    if (n > p_.size()) {
      refuse("truncated: section '%s' ends inside %s (%zu bytes left, %zu needed)", section_, what,
             p_.size(), n);
    }
    const std::byte* p = p_.data();
    p_ = p_.subspan(n);
    return p;
  }

  std::span<const std::byte> p_;
  const char* section_;
};

// ---- the container -------------------------------------------------------------------------

inline constexpr std::array<char, 8> kMagic = {'L', 'A', 'C', 'L', 'A', 'R', 'T', '\0'};
inline constexpr std::uint32_t kSwappedMark = 0x04030201u;
// An index's list layout word (ISetIndex::lanes). Version 1 files written before lanes existed
// hold zero there, which still reads as rows.
inline constexpr std::uint32_t kRowsLayout = 0;
inline constexpr std::uint32_t kLanesLayout = 1;
// The classifier section's flags word (version 3; a reserved zero before): the lookup stops at
// final rules (Classifier::final_rules).
inline constexpr std::uint32_t kFinalRulesFlag = 1;
// Since version 4: the remainder's rows are held as a cut tree (CutTree), rebuilt from them with
// leaves of the size in bits 8 to 15 (1 .. CutTree::kMaxLeaf).
inline constexpr std::uint32_t kCutTreeFlag = 2;
inline constexpr std::uint32_t kTreeLeafShift = 8;
inline constexpr std::uint32_t kTreeLeafMask = 0xFFu << kTreeLeafShift;

// The sections of versions 1 to 4, in the order they are written.
enum SectionId : std::size_t {
  kMeta,
  kReport,
  kSummary,
  kActions,
  kISets,
  kRemainder,
  kNumSections
};
inline constexpr std::array<const char*, kNumSections> kSectionNames = {"meta",    "report", "classifier",
                                                                 "actions", "isets",  "remainder"};

/// CRC32C of a whole file with its own checksum field read as zero (artifact_write.cpp).
std::uint32_t whole_file_crc(std::span<const std::byte> bytes);

/// "path: what: strerror(errno)" (artifact_write.cpp).
std::string os_error(const std::string& path, const char* what);

/// A file's container as open_container found it: its version, size and whole-file checksum,
/// each known section's bytes, and the section table as inspect_artifact reports it.
struct Container {
  std::uint32_t version = 0;
  std::uint64_t file_bytes = 0;
  std::uint32_t file_crc = 0;
  std::array<std::span<const std::byte>, kNumSections> section{};
  std::vector<ArtifactInfo::Section> table;
};

/// Checks the header, the section table and every checksum, and locates the sections; refuses
/// (throws Refusal) a file that is not exactly so (artifact_container.cpp).
Container open_container(std::span<const std::byte> b);

}  // namespace lacl::detail::artifact
