// The artifact writer: serialize_artifact and write_artifact, the checksums they stamp (CRC32C
// and the source digest), and reseal_artifact for the tests. The loader is artifact_read.cpp;
// the format is documented in lacl/artifact.hpp.
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "artifact_codec.hpp"
#include "lacl/artifact.hpp"

namespace lacl {

using L = detail::ArtifactLayout;
using namespace detail::artifact;  // NOLINT(google-build-using-namespace): the codec

namespace {

// ---- CRC32C -------------------------------------------------------------------------------
// Slicing-by-8 (Kounavis and Berry, "Novel table lookup-based algorithms for high-performance
// CRC generation", IEEE Trans. Computers 2008): table[k][b] is the CRC register after byte b
// followed by k zero bytes, so eight independent lookups consume eight bytes per step. The
// SSE4.2 crc32 instruction would be faster, but a load's cost is re-measuring the index
// bounds, not this.
using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr CrcTables make_crc_tables() {
  CrcTables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit)
      c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    t[0][i] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::uint32_t i = 0; i < 256; ++i) {
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFu];
    }
  }
  return t;
}
constexpr CrcTables kCrcTables = make_crc_tables();

}  // namespace

namespace detail::artifact {

std::uint32_t whole_file_crc(std::span<const std::byte> bytes) {
  constexpr std::array<std::byte, 4> kZero{};
  std::uint32_t crc = crc32c(bytes.first(L::kFileCrc));
  crc = crc32c(kZero, crc);
  return crc32c(bytes.subspan(L::kFileCrc + 4), crc);
}

std::string os_error(const std::string& path, const char* what) {
  return path + ": " + what + ": " + std::strerror(errno);
}

}  // namespace detail::artifact

std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc) noexcept {
  const auto& t = kCrcTables;
  std::uint32_t c = ~crc;
  const std::byte* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 8; p += 8, n -= 8) {
    const std::uint32_t lo = get_u32(p) ^ c;
    const std::uint32_t hi = get_u32(p + 4);
    c = t[7][lo & 0xFFu] ^ t[6][lo >> 8 & 0xFFu] ^ t[5][lo >> 16 & 0xFFu] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFFu] ^ t[2][hi >> 8 & 0xFFu] ^ t[1][hi >> 16 & 0xFFu] ^ t[0][hi >> 24];
  }
  for (; n > 0; --n, ++p)
    c = (c >> 8) ^ t[0][(c ^ get_u8(p)) & 0xFFu];
  return ~c;
}

std::uint64_t digest_bytes(std::span<const std::byte> bytes) noexcept {
  // Eight bytes per round, multiplied, rotated and folded into the state (a multiply-rotate mix
  // in the style of the xxHash and Murmur families), then a final avalanche. Not cryptographic.
  constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ull;
  constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4Full;
  std::uint64_t h = 0x27D4EB2F165667C5ull ^ (bytes.size() * kP1);
  auto round = [&h](std::uint64_t w) {
    h ^= std::rotl(w * kP2, 31) * kP1;
    h = std::rotl(h, 27) * kP1 + 0x85EBCA77C2B2AE63ull;
  };
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8)
    round(get_u64(bytes.data() + i));
  if (i < bytes.size()) {
    std::uint64_t w = 0;
    for (std::size_t k = 0; i + k < bytes.size(); ++k) {
      w |= std::uint64_t{get_u8(bytes.data() + i + k)} << (8 * k);
    }
    round(w);
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 33);
}

std::vector<std::byte> serialize_artifact(const Classifier& c, const ArtifactMeta& meta) {
  std::array<Writer, kNumSections> w;

  w[kMeta].u64(meta.source_digest);
  w[kMeta].str(meta.tool_version);
  w[kMeta].str(meta.options);
  w[kMeta].str(meta.source_name);
  w[kMeta].str(meta.source_format);

  const std::string report = c.report().to_json();
  w[kReport].bytes(std::as_bytes(std::span(report.data(), report.size())));

  w[kSummary].u64(c.rule_count());
  w[kSummary].action(c.default_action());
  w[kSummary].u32(c.batch());
  std::uint32_t flags = c.final_rules() ? kFinalRulesFlag : 0;
  if (!c.cut_tree().empty()) flags |= kCutTreeFlag | c.cut_tree().leaf_size() << kTreeLeafShift;
  w[kSummary].u32(flags);

  for (std::size_t id = 0; id < c.rule_count(); ++id) {
    w[kActions].action(c.action(static_cast<RuleId>(id)));
  }

  Writer& is = w[kISets];
  is.u64(c.isets().size());
  for (const ISetIndex& s : c.isets()) {
    const RangeIndex& ix = s.index;
    is.u8(static_cast<std::uint32_t>(s.field));
    is.u8(s.whole ? 1 : 0);
    is.u16(0);
    const std::uint32_t layout = s.lanes.empty() ? kRowsLayout : kLanesLayout;
    for (std::uint32_t v : {s.isets, s.rules, ix.radix_shift(), ix.domain_max(), layout})
      is.u32(v);
    for (std::size_t v : {ix.keys().size(), ix.stored_segments().size(), ix.radix_table().size(),
                          s.offsets.size(), s.candidate_count()}) {
      is.u64(v);
    }
    for (std::uint32_t k : ix.keys())
      is.u32(k);
    for (const RangeIndex::Segment& g : ix.stored_segments()) {
      for (std::uint32_t v : {g.key, g.base, g.slope})
        is.u32(v);
      is.u16(g.below);
      is.u16(g.above);
    }
    for (std::uint32_t x : ix.radix_table())
      is.u32(x);
    for (std::uint32_t x : s.offsets)
      is.u32(x);
    for (const detail::RuleRow& row : s.candidate_rows())
      is.row(row);
  }

  Writer& rm = w[kRemainder];
  const TupleSpace& ts = c.remainder();
  // Bit vectors and cut trees are stored as their rules alone, no tuples and no slots: the
  // loader rebuilds them from the rows (a tree with the leaf size in the flags).
  const std::vector<detail::RuleRow> rows = c.remainder_rows();
  for (std::size_t v : {ts.tuples().size(), ts.slots().size(), rows.size()})
    rm.u64(v);
  for (const TupleSpace::Tuple& t : ts.tuples()) {
    for (std::uint32_t v : {t.src_mask, t.dst_mask, t.port_mask, t.proto_mask, t.slot_base,
                            t.slot_bits, t.best, 0u}) {
      rm.u32(v);
    }
  }
  for (std::uint32_t x : ts.slots())
    rm.u32(x);
  for (const detail::RuleRow& row : rows)
    rm.row(row);

  auto align = [](std::size_t x) { return (x + L::kAlign - 1) / L::kAlign * L::kAlign; };
  const std::size_t table = L::kHeaderBytes;
  std::array<std::size_t, kNumSections> offset{};
  std::size_t end = table + kNumSections * L::kEntryBytes;
  for (std::size_t id = 0; id < kNumSections; ++id) {
    offset[id] = align(end);
    end = offset[id] + w[id].data().size();
  }

  std::vector<std::byte> out(end);
  std::memcpy(out.data() + L::kMagic, kMagic.data(), kMagic.size());
  put_u32(out.data() + L::kVersion, kArtifactVersion);
  put_u32(out.data() + L::kByteOrder, L::kByteOrderMark);
  put_u32(out.data() + L::kHeaderSize, L::kHeaderBytes);
  put_u32(out.data() + L::kSectionCount, kNumSections);
  put_u64(out.data() + L::kFileSize, end);
  put_u64(out.data() + L::kTableOffset, table);
  for (std::size_t id = 0; id < kNumSections; ++id) {
    const std::vector<std::byte>& data = w[id].data();
    std::byte* e = out.data() + table + id * L::kEntryBytes;
    std::memcpy(e + L::kEntryName, kSectionNames[id], std::strlen(kSectionNames[id]));
    put_u64(e + L::kEntryOffset, offset[id]);
    put_u64(e + L::kEntryLength, data.size());
    put_u32(e + L::kEntryCrc, crc32c(data));
    if (!data.empty()) std::memcpy(out.data() + offset[id], data.data(), data.size());
  }
  put_u32(out.data() + L::kFileCrc, whole_file_crc(out));
  return out;
}

Status write_artifact(const std::string& path, const Classifier& c, const ArtifactMeta& meta) {
  std::vector<std::byte> bytes;
  try {
    bytes = serialize_artifact(c, meta);
  } catch (const std::bad_alloc&) {
    return Error{path + ": out of memory while serialising"};
  }
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Error{os_error(path, "cannot create a temporary file beside it")};
  auto abandon = [&](const char* what) {
    Error e{os_error(tmp, what)};
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  // mkstemp creates the file 0600; an artifact is as readable as any other build output.
  if (::fchmod(fd, 0644) != 0) return abandon("cannot set permissions");
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return abandon("cannot write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return abandon("cannot flush to disk");
  if (::close(fd) != 0) {
    Error e{os_error(tmp, "cannot close")};
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e{os_error(path, "cannot rename the temporary file over it")};
    ::unlink(tmp.c_str());
    return e;
  }
  return Ok{};
}

namespace detail {

void reseal_artifact(std::span<std::byte> b) noexcept {
  if (b.size() < L::kHeaderBytes) return;
  const std::uint32_t count = std::min(get_u32(b.data() + L::kSectionCount), L::kMaxSections);
  const std::uint64_t table = get_u64(b.data() + L::kTableOffset);
  if (table > b.size()) return;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t e = table + std::uint64_t{i} * L::kEntryBytes;
    if (e + L::kEntryBytes > b.size()) break;
    std::byte* entry = b.data() + e;
    const std::uint64_t off = get_u64(entry + L::kEntryOffset);
    const std::uint64_t len = get_u64(entry + L::kEntryLength);
    if (off > b.size() || len > b.size() - off) continue;
    put_u32(entry + L::kEntryCrc,
            crc32c(b.subspan(static_cast<std::size_t>(off), static_cast<std::size_t>(len))));
  }
  put_u32(b.data() + L::kFileCrc, whole_file_crc(b));
}

}  // namespace detail

}  // namespace lacl
