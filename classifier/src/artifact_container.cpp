// The artifact's container (header, section table, checksums), as the loader opens it:
// everything the sections' readers (artifact_read.cpp) may then take as given.
#include <algorithm>
#include <cstring>
#include <string>

#include "artifact_codec.hpp"

namespace lacl::detail::artifact {
namespace {

using L = detail::ArtifactLayout;

// The section name of a table entry: printable ASCII, NUL-padded, at least one NUL.
std::string entry_name(const std::byte* e, std::uint32_t i) {
  std::string name;
  while (name.size() < L::kEntryNameBytes && e[name.size()] != std::byte{0}) {
    const auto ch = std::to_integer<unsigned char>(e[name.size()]);
    if (ch < 0x21 || ch > 0x7E) refuse("bad section table: entry %u has a malformed name", i);
    name += static_cast<char>(ch);
  }
  bool padded = !name.empty() && name.size() < L::kEntryNameBytes;
  for (std::size_t k = name.size(); k < L::kEntryNameBytes; ++k)
    padded &= e[k] == std::byte{0};
  if (!padded) refuse("bad section table: entry %u has a malformed name", i);
  return name;
}

}  // namespace

// Checks the header, the section table and every checksum; locates the sections.
Container open_container(std::span<const std::byte> b) {
  const std::size_t n = b.size();
  if (n < L::kHeaderBytes) {
    // (An empty span may have a null data(), which memcmp must not see.)
    if (n > 0 && std::memcmp(b.data(), kMagic.data(), std::min(n, kMagic.size())) != 0) {
      refuse("bad magic");
    }
    refuse("truncated: %zu bytes, shorter than the %zu-byte header", n, L::kHeaderBytes);
  }
  if (std::memcmp(b.data(), kMagic.data(), kMagic.size()) != 0) refuse("bad magic");
  // The byte-order mark first: a big-endian file's version would read byte-swapped too.
  const std::uint32_t mark = get_u32(b.data() + L::kByteOrder);
  if (mark == kSwappedMark) {
    refuse(
        "big-endian artifact (byte-order mark reads 0x%08x): lacl reads little-endian "
        "artifacts only",
        mark);
  }
  if (mark != L::kByteOrderMark) {
    refuse("bad byte-order mark 0x%08x (expected 0x%08x)", mark, L::kByteOrderMark);
  }
  Container c;
  c.version = get_u32(b.data() + L::kVersion);
  if (c.version > kArtifactVersion) {
    refuse("unsupported format version %u (this lacl reads up to %u)", c.version, kArtifactVersion);
  }
  if (c.version == 0) refuse("unsupported format version 0");
  const std::uint32_t header_size = get_u32(b.data() + L::kHeaderSize);
  if (header_size != L::kHeaderBytes) {
    refuse("bad header size %u (expected %zu)", header_size, L::kHeaderBytes);
  }
  c.file_bytes = get_u64(b.data() + L::kFileSize);
  if (c.file_bytes > n) {
    refuse("truncated: header says %llu bytes, file has %zu", static_cast<Ull>(c.file_bytes), n);
  }
  if (c.file_bytes < n) {
    refuse("file size mismatch: header says %llu bytes, file has %zu (data after the end)",
           static_cast<Ull>(c.file_bytes), n);
  }
  for (std::size_t i = L::kReserved; i < L::kHeaderBytes; ++i) {
    if (b[i] != std::byte{0}) refuse("bad header: reserved byte %zu is not zero", i);
  }
  const std::uint32_t count = get_u32(b.data() + L::kSectionCount);
  if (count == 0 || count > L::kMaxSections) {
    refuse("bad section count %u (expected 1 to %u)", count, L::kMaxSections);
  }
  const std::uint64_t table = get_u64(b.data() + L::kTableOffset);
  const std::uint64_t table_bytes = std::uint64_t{count} * L::kEntryBytes;
  if (table < L::kHeaderBytes || table % 8 != 0 || table > n || table_bytes > n - table) {
    refuse("bad section table offset %llu (%u entries of %zu bytes in a file of %zu bytes)",
           static_cast<Ull>(table), count, L::kEntryBytes, n);
  }
  const std::uint64_t table_end = table + table_bytes;

  std::array<bool, kNumSections> seen{};
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::byte* e = b.data() + table + std::size_t{i} * L::kEntryBytes;
    const std::string name = entry_name(e, i);
    const char* nm = name.c_str();
    std::size_t id = 0;
    while (id < kNumSections && name != kSectionNames[id])
      ++id;
    if (id == kNumSections) refuse("bad section table: unknown section '%s'", nm);
    if (seen[id]) refuse("bad section table: duplicate section '%s'", nm);
    seen[id] = true;
    const std::uint64_t off = get_u64(e + L::kEntryOffset);
    const std::uint64_t length = get_u64(e + L::kEntryLength);
    if (get_u32(e + L::kEntryReserved) != 0) {
      refuse("bad section table: section '%s' has a non-zero reserved field", nm);
    }
    if (off % L::kAlign != 0) {
      refuse("bad section table: section '%s' offset %llu is not a multiple of %zu", nm,
             static_cast<Ull>(off), L::kAlign);
    }
    if (off < table_end) {
      refuse("bad section table: section '%s' at offset %llu overlaps the header or the table", nm,
             static_cast<Ull>(off));
    }
    if (off > n || length > n - off) {
      refuse(
          "index out of range: section '%s' [%llu, +%llu) runs past the end of the file "
          "(%zu bytes)",
          nm, static_cast<Ull>(off), static_cast<Ull>(length), n);
    }
    c.section[id] = b.subspan(static_cast<std::size_t>(off), static_cast<std::size_t>(length));
    c.table.push_back({name, off, length, get_u32(e + L::kEntryCrc)});
  }
  for (std::size_t id = 0; id < kNumSections; ++id) {
    if (!seen[id]) refuse("bad section table: missing section '%s'", kSectionNames[id]);
  }
  std::vector<ArtifactInfo::Section> by_offset = c.table;
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto& x, const auto& y) { return x.offset < y.offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i - 1].offset + by_offset[i - 1].length > by_offset[i].offset) {
      refuse("bad section table: sections '%s' and '%s' overlap", by_offset[i - 1].name.c_str(),
             by_offset[i].name.c_str());
    }
  }
  // Section checksums first: a damaged section is named before the whole-file checksum, which
  // then covers what no section does (header, table, padding).
  for (const ArtifactInfo::Section& s : c.table) {
    const auto bytes =
        b.subspan(static_cast<std::size_t>(s.offset), static_cast<std::size_t>(s.length));
    if (crc32c(bytes) != s.crc32c) refuse("checksum mismatch in section '%s'", s.name.c_str());
  }
  c.file_crc = get_u32(b.data() + L::kFileCrc);
  if (whole_file_crc(b) != c.file_crc) refuse("whole-file checksum mismatch");
  return c;
}

}  // namespace lacl::detail::artifact
