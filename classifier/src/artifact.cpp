#include "lacl/artifact.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

namespace lacl {
namespace {

using L = detail::ArtifactLayout;

constexpr std::array<char, 8> kMagic = {'L', 'A', 'C', 'L', 'A', 'R', 'T', '\0'};
constexpr std::uint32_t kSwappedMark = 0x04030201u;

// The sections of version 1, in the order they are written.
enum SectionId : std::size_t {
  kMeta,
  kReport,
  kSummary,
  kActions,
  kISets,
  kRemainder,
  kNumSections
};
constexpr std::array<const char*, kNumSections> kSectionNames = {"meta",    "report", "classifier",
                                                                 "actions", "isets",  "remainder"};

// ---- CRC32C ---------------------------------------------------------------------------------
// Slicing-by-8 (Kounavis and Berry, "Novel table lookup-based algorithms for high-performance
// CRC generation", IEEE ToC 2008): table[k][b] is the CRC register after byte b followed by k
// zero bytes, so eight independent lookups consume eight bytes per step. The hardware crc32
// instruction would be faster still, but the loader's cost is dominated by re-measuring the
// index bounds, not by this.
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
    for (std::uint32_t i = 0; i < 256; ++i)
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFu];
  }
  return t;
}
constexpr CrcTables kCrcTables = make_crc_tables();

// ---- little-endian access -------------------------------------------------------------------
std::uint32_t get_u8(const std::byte* p) {
  return std::to_integer<std::uint32_t>(p[0]);
}
std::uint32_t get_u16(const std::byte* p) {
  return get_u8(p) | get_u8(p + 1) << 8;
}
std::uint32_t get_u32(const std::byte* p) {
  return get_u16(p) | get_u16(p + 2) << 16;
}
std::uint64_t get_u64(const std::byte* p) {
  return get_u32(p) | std::uint64_t{get_u32(p + 4)} << 32;
}

void put_u32(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<std::byte>(v >> (8 * i));
}
void put_u64(std::byte* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<std::byte>(v >> (8 * i));
}

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
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    out_.insert(out_.end(), p, p + s.size());
  }
  void action(const Action& a) {
    u8(static_cast<std::uint32_t>(a.kind));
    u8(0);
    u16(a.port);
  }
  void row(const detail::RuleRow& r) {
    u32(r.src_lo);
    u32(r.src_hi);
    u32(r.dst_lo);
    u32(r.dst_hi);
    u16(r.sport_lo);
    u16(r.sport_hi);
    u16(r.dport_lo);
    u16(r.dport_hi);
    u8(r.proto_lo);
    u8(r.proto_hi);
    u16(0);
    u32(r.id);
  }
  std::vector<std::byte>& bytes() { return out_; }

 private:
  std::vector<std::byte> out_;
};

// A refusal of the file, thrown inside the loader and turned into "NAME: reason" at its top.
struct Refusal {
  std::string reason;
};

[[noreturn, gnu::format(printf, 1, 2)]] void refuse(const char* format, ...) {
  char buf[512];
  std::va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  throw Refusal{buf};
}

using u64 = unsigned long long;  // for printf

// Bounded reads from one section. Every count is checked against the bytes left before
// anything of that size is allocated, so a lying count cannot make the loader allocate more
// than the file holds.
class Reader {
 public:
  Reader(std::span<const std::byte> bytes, const char* section) : p_(bytes), section_(section) {}

  std::uint32_t u8(const char* what) { return get_u8(take(1, what)); }
  std::uint32_t u16(const char* what) { return get_u16(take(2, what)); }
  std::uint32_t u32(const char* what) { return get_u32(take(4, what)); }
  std::uint64_t u64v(const char* what) { return get_u64(take(8, what)); }
  void zero8(const char* what) {
    if (u8(what) != 0) refuse("section '%s': %s is not zero", section_, what);
  }
  void zero16(const char* what) {
    if (u16(what) != 0) refuse("section '%s': %s is not zero", section_, what);
  }
  void zero32(const char* what) {
    if (u32(what) != 0) refuse("section '%s': %s is not zero", section_, what);
  }
  std::string str(const char* what) {
    const std::uint32_t n = u32(what);
    const std::byte* p = take(n, what);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  /// Checks that `count` items of `item_bytes` each fit in what is left.
  std::size_t count(std::uint64_t count, std::size_t item_bytes, const char* what) const {
    if (count > left() / item_bytes) {
      refuse("truncated: section '%s' holds %zu more bytes, %s need %llu x %zu", section_, left(),
             what, static_cast<u64>(count), item_bytes);
    }
    return static_cast<std::size_t>(count);
  }
  Action action(const char* what) {
    const std::uint32_t kind = u8(what);
    zero8(what);
    const std::uint32_t port = u16(what);
    if (kind > 1)
      refuse("section '%s': %s has action kind %u (0 accept, 1 drop)", section_, what, kind);
    if (kind == 1 && port != Action::kSamePort) {
      refuse("section '%s': %s is a drop with an output port %u", section_, what, port);
    }
    return {static_cast<Action::Kind>(kind), static_cast<std::uint16_t>(port)};
  }
  detail::RuleRow row(const char* what) {
    const std::byte* p = take(32, what);
    detail::RuleRow r{};
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
  std::span<const std::byte> rest() {
    auto r = p_;
    p_ = {};
    return r;
  }
  std::size_t left() const { return p_.size(); }
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

// ---- the container --------------------------------------------------------------------------

struct Container {
  std::uint32_t version = 0;
  std::uint64_t file_bytes = 0;
  std::uint32_t file_crc = 0;
  std::array<std::span<const std::byte>, kNumSections> section{};
  std::vector<ArtifactInfo::Section> table;
};

std::uint32_t whole_file_crc(std::span<const std::byte> bytes) {
  constexpr std::array<std::byte, 4> zero{};
  std::uint32_t crc = crc32c(bytes.first(L::kFileCrc));
  crc = crc32c(zero, crc);
  return crc32c(bytes.subspan(L::kFileCrc + 4), crc);
}

// Checks the header, the section table and every checksum; locates the sections.
Container open_container(std::span<const std::byte> b) {
  const std::size_t n = b.size();
  if (n < L::kHeaderBytes) {
    if (std::memcmp(b.data(), kMagic.data(), std::min(n, kMagic.size())) != 0) refuse("bad magic");
    refuse("truncated: %zu bytes, shorter than the %zu-byte header", n, L::kHeaderBytes);
  }
  if (std::memcmp(b.data(), kMagic.data(), kMagic.size()) != 0) refuse("bad magic");
  const std::uint32_t mark = get_u32(b.data() + L::kByteOrder);
  if (mark == kSwappedMark) {
    refuse(
        "big-endian artifact (byte-order mark reads 0x%08x): lacl reads little-endian artifacts "
        "only",
        mark);
  }
  if (mark != L::kByteOrderMark)
    refuse("bad byte-order mark 0x%08x (expected 0x%08x)", mark, L::kByteOrderMark);
  Container c;
  c.version = get_u32(b.data() + L::kVersion);
  if (c.version > kArtifactVersion) {
    refuse("unsupported format version %u (this lacl reads up to %u)", c.version, kArtifactVersion);
  }
  if (c.version == 0) refuse("unsupported format version 0");
  const std::uint32_t header_size = get_u32(b.data() + L::kHeaderSize);
  if (header_size != L::kHeaderBytes)
    refuse("bad header size %u (expected %zu)", header_size, L::kHeaderBytes);
  c.file_bytes = get_u64(b.data() + L::kFileSize);
  if (c.file_bytes > n) {
    refuse("truncated: header says %llu bytes, file has %zu", static_cast<u64>(c.file_bytes), n);
  }
  if (c.file_bytes < n) {
    refuse("file size mismatch: header says %llu bytes, file has %zu (data after the end)",
           static_cast<u64>(c.file_bytes), n);
  }
  for (std::size_t i = L::kReserved; i < L::kHeaderBytes; ++i) {
    if (b[i] != std::byte{0}) refuse("bad header: reserved byte %zu is not zero", i);
  }
  const std::uint32_t count = get_u32(b.data() + L::kSectionCount);
  if (count == 0 || count > L::kMaxSections)
    refuse("bad section count %u (expected 1 to %u)", count, L::kMaxSections);
  const std::uint64_t table = get_u64(b.data() + L::kTableOffset);
  const std::uint64_t table_bytes = std::uint64_t{count} * L::kEntryBytes;
  if (table < L::kHeaderBytes || table % 8 != 0 || table > n || table_bytes > n - table) {
    refuse("bad section table offset %llu (%u entries of %zu bytes in a file of %zu bytes)",
           static_cast<u64>(table), count, L::kEntryBytes, n);
  }
  const std::uint64_t table_end = table + table_bytes;

  std::array<bool, kNumSections> seen{};
  struct Extent {
    std::uint64_t offset, length;
    const char* name;
  };
  std::vector<Extent> extents;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::byte* e = b.data() + table + std::size_t{i} * L::kEntryBytes;
    // A name is printable ASCII, NUL-padded, with at least one NUL.
    char name[L::kEntryNameBytes + 1] = {};
    std::size_t len = 0;
    while (len < L::kEntryNameBytes && e[len] != std::byte{0}) {
      const auto ch = std::to_integer<unsigned char>(e[len]);
      if (ch < 0x21 || ch > 0x7E) refuse("bad section table: entry %u has a malformed name", i);
      name[len] = static_cast<char>(ch);
      ++len;
    }
    if (len == 0 || len == L::kEntryNameBytes)
      refuse("bad section table: entry %u has a malformed name", i);
    for (std::size_t k = len; k < L::kEntryNameBytes; ++k) {
      if (e[k] != std::byte{0}) refuse("bad section table: entry %u has a malformed name", i);
    }
    std::size_t id = 0;
    while (id < kNumSections && std::strcmp(kSectionNames[id], name) != 0)
      ++id;
    if (id == kNumSections) refuse("bad section table: unknown section '%s'", name);
    if (seen[id]) refuse("bad section table: duplicate section '%s'", name);
    seen[id] = true;
    const std::uint64_t off = get_u64(e + L::kEntryOffset);
    const std::uint64_t length = get_u64(e + L::kEntryLength);
    const std::uint32_t crc = get_u32(e + L::kEntryCrc);
    if (get_u32(e + L::kEntryReserved) != 0) {
      refuse("bad section table: section '%s' has a non-zero reserved field", name);
    }
    if (off % L::kAlign != 0) {
      refuse("bad section table: section '%s' offset %llu is not a multiple of %zu", name,
             static_cast<u64>(off), L::kAlign);
    }
    if (off < table_end) {
      refuse("bad section table: section '%s' at offset %llu overlaps the header or the table",
             name, static_cast<u64>(off));
    }
    if (off > n || length > n - off) {
      refuse(
          "index out of range: section '%s' [%llu, +%llu) runs past the end of the file (%zu "
          "bytes)",
          name, static_cast<u64>(off), static_cast<u64>(length), n);
    }
    extents.push_back({off, length, kSectionNames[id]});
    c.section[id] = b.subspan(static_cast<std::size_t>(off), static_cast<std::size_t>(length));
    c.table.push_back({name, off, length, crc});
  }
  for (std::size_t id = 0; id < kNumSections; ++id) {
    if (!seen[id]) refuse("bad section table: missing section '%s'", kSectionNames[id]);
  }
  std::sort(extents.begin(), extents.end(),
            [](const Extent& x, const Extent& y) { return x.offset < y.offset; });
  for (std::size_t i = 1; i < extents.size(); ++i) {
    if (extents[i - 1].offset + extents[i - 1].length > extents[i].offset) {
      refuse("bad section table: sections '%s' and '%s' overlap", extents[i - 1].name,
             extents[i].name);
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

// ---- the sections ---------------------------------------------------------------------------

ArtifactMeta read_meta(std::span<const std::byte> s) {
  Reader r(s, "meta");
  ArtifactMeta m;
  m.source_digest = r.u64v("the source digest");
  m.tool_version = r.str("the tool version");
  m.options = r.str("the options");
  m.source_name = r.str("the source name");
  m.source_format = r.str("the source format");
  r.finish();
  return m;
}

// The stored report, read leniently: the report is informational, so a key this lacl does not
// know is ignored and a missing one keeps its default; but a present key of the wrong type or
// range refuses the file, as it can only come from damage.
class ReportReader {
 public:
  explicit ReportReader(const nlohmann::json& j) : j_(j) {}

  const nlohmann::json* at(const char* object, const char* key) const {
    const nlohmann::json* o = &j_;
    if (object != nullptr) {
      auto it = j_.find(object);
      if (it == j_.end()) return nullptr;
      if (!it->is_object()) refuse("malformed compile report: '%s' is not an object", object);
      o = &*it;
    }
    auto it = o->find(key);
    return it == o->end() ? nullptr : &*it;
  }
  void get(const char* object, const char* key, double& out) const {
    if (const nlohmann::json* v = at(object, key)) {
      if (!v->is_number()) refuse("malformed compile report: '%s' is not a number", key);
      out = v->get<double>();
    }
  }
  void get(const char* object, const char* key, std::uint32_t& out) const {
    if (const nlohmann::json* v = at(object, key)) {
      if (!v->is_number_unsigned() || v->get<std::uint64_t>() > 0xFFFFFFFFu) {
        refuse("malformed compile report: '%s' is not a 32-bit unsigned integer", key);
      }
      out = static_cast<std::uint32_t>(v->get<std::uint64_t>());
    }
  }
  void get(const char* object, const char* key, std::string& out) const {
    if (const nlohmann::json* v = at(object, key)) {
      if (!v->is_string()) refuse("malformed compile report: '%s' is not a string", key);
      out = v->get<std::string>();
    }
  }
  void get(const char* object, const char* key, std::vector<std::string>& out) const {
    if (const nlohmann::json* v = at(object, key)) {
      if (!v->is_array()) refuse("malformed compile report: '%s' is not an array", key);
      for (const nlohmann::json& e : *v) {
        if (!e.is_string()) refuse("malformed compile report: '%s' holds a non-string", key);
        out.push_back(e.get<std::string>());
      }
    }
  }

 private:
  const nlohmann::json& j_;
};

CompileReport read_report(std::span<const std::byte> s) {
  const std::string_view text(reinterpret_cast<const char*>(s.data()), s.size());
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) refuse("malformed compile report: section 'report' is not valid JSON");
  if (!j.is_object()) refuse("malformed compile report: not a JSON object");
  const ReportReader r(j);
  CompileReport rep;
  r.get(nullptr, "tuning", rep.tuning);
  r.get("knobs", "epsilon", rep.epsilon);
  r.get("knobs", "max_collisions", rep.max_collisions);
  r.get("remainder", "algorithm", rep.remainder_algorithm);
  r.get("time_ms", "partition", rep.partition_ms);
  r.get("time_ms", "index", rep.index_ms);
  r.get("time_ms", "remainder", rep.remainder_ms);
  r.get("time_ms", "tuning", rep.tuning_ms);
  r.get("time_ms", "total", rep.total_ms);
  return rep;
}

const char* range_error(const detail::RuleRow& r) {
  if (r.src_lo > r.src_hi) return "src_ip";
  if (r.dst_lo > r.dst_hi) return "dst_ip";
  if (r.sport_lo > r.sport_hi) return "src_port";
  if (r.dport_lo > r.dport_hi) return "dst_port";
  if (r.proto_lo > r.proto_hi) return "proto";
  return nullptr;
}

Range row_range(const detail::RuleRow& r, Field f) {
  switch (f) {
    case Field::kSrcIp:
      return {r.src_lo, r.src_hi};
    case Field::kDstIp:
      return {r.dst_lo, r.dst_hi};
    case Field::kSrcPort:
      return {r.sport_lo, r.sport_hi};
    case Field::kDstPort:
      return {r.dport_lo, r.dport_hi};
    case Field::kProto:
      return {r.proto_lo, r.proto_hi};
  }
  return {};
}

// Reads the rows of one iSet or of the remainder, checking ids and ranges; `seen` counts how
// often each rule occurs over all of them.
detail::AlignedVector<detail::RuleRow> read_rows(Reader& r, std::size_t n, std::uint64_t rule_count,
                                                 std::vector<std::uint8_t>& seen,
                                                 const char* where) {
  detail::AlignedVector<detail::RuleRow> rows;
  rows.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const detail::RuleRow row = r.row("a rule row");
    if (row.id >= rule_count) {
      refuse("index out of range: %s row %zu has rule id %u (rule count %llu)", where, i, row.id,
             static_cast<u64>(rule_count));
    }
    if (const char* f = range_error(row))
      refuse("bad rule row: %s row %zu has an empty %s range", where, i, f);
    if (seen[row.id]++ != 0) refuse("bad rule cover: rule %u occurs more than once", row.id);
    rows.push_back(row);
  }
  return rows;
}

ISetIndex read_iset(Reader& r, std::size_t i, std::uint64_t rule_count,
                    std::vector<std::uint8_t>& seen) {
  char where[32];
  std::snprintf(where, sizeof where, "iSet %zu", i);
  const std::uint32_t field = r.u8("an iSet field");
  r.zero8("an iSet's reserved byte");
  r.zero16("an iSet's reserved bytes");
  if (field >= kNumFields)
    refuse("index out of range: %s field %u (fields are 0 to %zu)", where, field, kNumFields - 1);
  const Field f = static_cast<Field>(field);
  const std::uint32_t shift = r.u32("an iSet radix shift");
  const std::uint32_t domain_max = r.u32("an iSet domain max");
  r.zero32("an iSet's reserved bytes");
  // The lookup takes a field value as it is, so the index must cover the field's whole domain,
  // and a shift of 32 or more would be undefined on a 32-bit value.
  if (domain_max != kFieldMax[field]) {
    refuse("bad %s: domain max %u, but field %s ends at %u", where, domain_max, field_name(f),
           kFieldMax[field]);
  }
  if (shift >= 32) refuse("bad %s: radix shift %u", where, shift);
  const std::uint64_t nkeys = r.u64v("an iSet key count");
  const std::uint64_t nsegs = r.u64v("an iSet segment count");
  const std::uint64_t nradix = r.u64v("an iSet radix count");
  if (nkeys == 0) refuse("bad %s: no keys", where);

  detail::AlignedVector<std::uint32_t> keys(r.count(nkeys, 4 + 32, "the iSet's keys and rows"));
  for (auto& k : keys)
    k = r.u32("an iSet key");
  detail::AlignedVector<RangeIndex::Segment> segs(r.count(nsegs, 16, "the iSet's segments"));
  for (auto& g : segs) {
    g.key = r.u32("a segment");
    g.base = r.u32("a segment");
    g.slope = r.u32("a segment");
    g.below = static_cast<std::uint16_t>(r.u16("a segment"));
    g.above = static_cast<std::uint16_t>(r.u16("a segment"));
  }
  detail::AlignedVector<std::uint32_t> radix(r.count(nradix, 4, "the iSet's radix table"));
  for (auto& x : radix)
    x = r.u32("a radix entry");

  ISetIndex s;
  s.field = f;
  s.rows = read_rows(r, keys.size(), rule_count, seen, where);
  // The rows are the iSet's ranges in key order: each starts at its key and ends before the
  // next one starts, so the slot the index finds holds the only candidate.
  for (std::size_t j = 0; j < keys.size(); ++j) {
    const Range range = row_range(s.rows[j], f);
    if (range.lo != keys[j]) refuse("bad %s: row %zu does not start at its key", where, j);
    if (j + 1 < keys.size() && range.hi >= keys[j + 1])
      refuse("bad %s: row %zu overlaps row %zu", where, j, j + 1);
  }
  if (!RangeIndex::assemble(s.index, std::move(keys), std::move(segs), std::move(radix), shift,
                            domain_max)) {
    refuse(
        "bad %s (%s): the index does not verify (key order, segments, radix table or error bounds)",
        where, field_name(f));
  }
  return s;
}

bool prefix_mask_ok(std::uint32_t m) {
  return m == 0 || std::has_single_bit(~m + 1u);
}

// The remainder is exact when every rule sits in the slot every packet it matches hashes to:
// the tuple's masks keep only bits that are equal over the rule's ranges (a prefix mask within
// an address range's common prefix; a port or the protocol only when exact), and the rule is
// in the slot of its own low corner.
void check_remainder_exact(const TupleSpace& ts) {
  const auto tuples = ts.tuples();
  const auto slots = ts.slots();
  const auto rows = ts.rows();
  for (std::size_t t = 0; t < tuples.size(); ++t) {
    const TupleSpace::Tuple& tp = tuples[t];
    const std::uint32_t sport_mask = tp.port_mask >> 16;
    const std::uint32_t dport_mask = tp.port_mask & 0xFFFFu;
    if (!prefix_mask_ok(tp.src_mask) || !prefix_mask_ok(tp.dst_mask) ||
        (sport_mask != 0 && sport_mask != 0xFFFFu) || (dport_mask != 0 && dport_mask != 0xFFFFu)) {
      refuse("bad remainder: tuple %zu has a mask that is not a prefix", t);
    }
    const std::size_t nslots = std::size_t{1} << tp.slot_bits;
    for (std::size_t s = 0; s < nslots; ++s) {
      for (std::uint32_t i = slots[tp.slot_base + s]; i < slots[tp.slot_base + s + 1]; ++i) {
        const detail::RuleRow& row = rows[i];
        const bool fixed = (row.src_lo & tp.src_mask) == (row.src_hi & tp.src_mask) &&
                           (row.dst_lo & tp.dst_mask) == (row.dst_hi & tp.dst_mask) &&
                           (sport_mask == 0 || row.sport_lo == row.sport_hi) &&
                           (dport_mask == 0 || row.dport_lo == row.dport_hi) &&
                           (tp.proto_mask == 0 || row.proto_lo == row.proto_hi);
        if (!fixed)
          refuse("bad remainder: tuple %zu masks bits that rule %u does not fix", t, row.id);
        const PacketKey corner{row.src_lo, row.dst_lo, row.sport_lo, row.dport_lo, row.proto_lo};
        if (TupleSpace::slot_of(tp, corner) != s) {
          refuse("bad remainder: rule %u is in slot %zu of tuple %zu, its hash says %u", row.id, s,
                 t, TupleSpace::slot_of(tp, corner));
        }
      }
    }
  }
}

TupleSpace read_remainder(std::span<const std::byte> s, std::uint64_t rule_count,
                          std::vector<std::uint8_t>& seen) {
  Reader r(s, "remainder");
  const std::uint64_t ntuples = r.u64v("the tuple count");
  const std::uint64_t nslots = r.u64v("the slot count");
  const std::uint64_t nrows = r.u64v("the row count");
  detail::AlignedVector<TupleSpace::Tuple> tuples(r.count(ntuples, 32, "the tuples"));
  for (auto& t : tuples) {
    t.src_mask = r.u32("a tuple");
    t.dst_mask = r.u32("a tuple");
    t.port_mask = r.u32("a tuple");
    t.proto_mask = r.u32("a tuple");
    t.slot_base = r.u32("a tuple");
    t.slot_bits = r.u32("a tuple");
    t.best = r.u32("a tuple");
    t.reserved = r.u32("a tuple");
    if (t.reserved != 0) refuse("section 'remainder': a tuple's reserved field is not zero");
  }
  detail::AlignedVector<std::uint32_t> slots(r.count(nslots, 4, "the slot offsets"));
  for (auto& x : slots)
    x = r.u32("a slot offset");
  auto rows = read_rows(r, r.count(nrows, 32, "the rows"), rule_count, seen, "remainder");
  r.finish();
  TupleSpace ts;
  if (!TupleSpace::assemble(ts, std::move(tuples), std::move(slots), std::move(rows))) {
    refuse(
        "bad remainder: the tuple space does not verify (tuple order, slot offsets or row order)");
  }
  check_remainder_exact(ts);
  return ts;
}

// The structural half of the report, measured on the loaded parts the way the compiler does.
void measure_report(CompileReport& rep, std::size_t rule_count, std::span<const ISetIndex> isets,
                    const TupleSpace& rem, std::uint32_t batch) {
  rep.rules = rule_count;
  rep.isets.clear();
  std::size_t covered = 0;
  std::size_t bytes =
      sizeof(Classifier) + rule_count * sizeof(Action) + rem.bytes();  // as Classifier::bytes()
  for (const ISetIndex& s : isets) {
    covered += s.rows.size();
    const std::size_t b = s.index.bytes() + detail::bytes_of(s.rows);
    rep.isets.push_back(
        {s.field, s.rows.size(), s.index.segments().size(),
         static_cast<std::uint32_t>(std::bit_width(s.index.radix_table().size() - 2)),
         s.index.max_window(), s.index.mean_window(), b});
    bytes += sizeof(ISetIndex) + b;
  }
  rep.remainder_rules = rem.size();
  if (rep.remainder_algorithm.empty()) rep.remainder_algorithm = "tuple-space";
  rep.remainder_tuples = rem.tuple_count();
  rep.remainder_bytes = rem.bytes();
  rep.coverage =
      rule_count == 0 ? 1.0 : static_cast<double>(covered) / static_cast<double>(rule_count);
  rep.bytes = bytes;
  rep.batch = batch;
}

struct Loaded {
  Container container;
  ArtifactMeta meta;
  Classifier classifier;
};

Loaded load(std::span<const std::byte> bytes) {
  Loaded out;
  out.container = open_container(bytes);
  const auto& sec = out.container.section;
  out.meta = read_meta(sec[kMeta]);
  CompileReport report = read_report(sec[kReport]);

  Reader sum(sec[kSummary], "classifier");
  const std::uint64_t rule_count = sum.u64v("the rule count");
  const Action default_action = sum.action("the default action");
  const std::uint32_t batch = sum.u32("the batch");
  sum.zero32("the reserved field");
  sum.finish();
  if (rule_count >= kNoMatch) {
    refuse("index out of range: rule count %llu (at most %u)", static_cast<u64>(rule_count),
           kNoMatch - 1);
  }
  if (batch == 0) refuse("section 'classifier': batch 0");

  Reader act(sec[kActions], "actions");
  std::vector<Action> actions(act.count(rule_count, 4, "the actions"));
  for (Action& a : actions)
    a = act.action("a rule's action");
  act.finish();

  std::vector<std::uint8_t> seen(actions.size(), 0);
  Reader is(sec[kISets], "isets");
  const std::uint64_t niset = is.u64v("the iSet count");
  if (niset > CompileOptions::kMaxISets) {
    refuse("index out of range: %llu iSets (at most %u)", static_cast<u64>(niset),
           CompileOptions::kMaxISets);
  }
  std::vector<ISetIndex> isets;
  for (std::size_t i = 0; i < niset; ++i)
    isets.push_back(read_iset(is, i, rule_count, seen));
  is.finish();
  TupleSpace rem = read_remainder(sec[kRemainder], rule_count, seen);
  for (std::size_t id = 0; id < seen.size(); ++id) {
    if (seen[id] == 0)
      refuse("bad rule cover: rule %zu is in no iSet and not in the remainder", id);
  }

  measure_report(report, actions.size(), isets, rem, batch);
  out.classifier =
      Classifier::assemble(static_cast<std::size_t>(rule_count), default_action, std::move(actions),
                           std::move(isets), std::move(rem), batch, std::move(report));
  return out;
}

template <class T, class F>
Result<T> guarded(std::string_view name, F&& f) {
  try {
    return f();
  } catch (const Refusal& r) {
    return Error{std::string(name) + ": " + r.reason};
  } catch (const std::bad_alloc&) {
    return Error{std::string(name) + ": out of memory while loading"};
  } catch (const std::exception& e) {
    return Error{std::string(name) + ": internal error while loading: " + e.what()};
  }
}

std::string os_error(const std::string& path, const char* what) {
  return path + ": " + what + ": " + std::strerror(errno);
}

}  // namespace

std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc) noexcept {
  const auto& t = kCrcTables;
  std::uint32_t c = ~crc;
  const std::byte* p = bytes.data();
  std::size_t n = bytes.size();
  while (n >= 8) {
    const std::uint32_t lo = get_u32(p) ^ c;
    const std::uint32_t hi = get_u32(p + 4);
    c = t[7][lo & 0xFFu] ^ t[6][lo >> 8 & 0xFFu] ^ t[5][lo >> 16 & 0xFFu] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFFu] ^ t[2][hi >> 8 & 0xFFu] ^ t[1][hi >> 16 & 0xFFu] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  for (; n > 0; --n, ++p)
    c = (c >> 8) ^ t[0][(c ^ std::to_integer<std::uint32_t>(*p)) & 0xFFu];
  return ~c;
}

std::uint64_t digest_bytes(std::span<const std::byte> bytes) noexcept {
  // Eight bytes per round: multiply, rotate, multiply into the state (a multiply-rotate mix in
  // the style of the xxHash and Murmur families), then a final avalanche. Not cryptographic.
  constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ull;
  constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4Full;
  std::uint64_t h = 0x27D4EB2F165667C5ull ^ (bytes.size() * kP1);
  std::size_t i = 0;
  auto round = [&](std::uint64_t w) {
    h ^= std::rotl(w * kP2, 31) * kP1;
    h = std::rotl(h, 27) * kP1 + 0x85EBCA77C2B2AE63ull;
  };
  for (; i + 8 <= bytes.size(); i += 8)
    round(get_u64(bytes.data() + i));
  if (i < bytes.size()) {
    std::uint64_t w = 0;
    for (std::size_t k = 0; i + k < bytes.size(); ++k)
      w |= std::uint64_t{get_u8(bytes.data() + i + k)} << (8 * k);
    round(w);
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

std::vector<std::byte> serialize_artifact(const Classifier& c, const ArtifactMeta& meta) {
  std::array<Writer, kNumSections> w;

  w[kMeta].u64(meta.source_digest);
  w[kMeta].str(meta.tool_version);
  w[kMeta].str(meta.options);
  w[kMeta].str(meta.source_name);
  w[kMeta].str(meta.source_format);

  const std::string report = c.report().to_json();
  const auto* rp = reinterpret_cast<const std::byte*>(report.data());
  w[kReport].bytes().assign(rp, rp + report.size());

  w[kSummary].u64(c.rule_count());
  w[kSummary].action(c.default_action());
  w[kSummary].u32(c.batch());
  w[kSummary].u32(0);

  for (std::size_t id = 0; id < c.rule_count(); ++id)
    w[kActions].action(c.action(static_cast<RuleId>(id)));

  Writer& is = w[kISets];
  is.u64(c.isets().size());
  for (const ISetIndex& s : c.isets()) {
    is.u8(static_cast<std::uint32_t>(s.field));
    is.u8(0);
    is.u16(0);
    is.u32(s.index.radix_shift());
    is.u32(s.index.domain_max());
    is.u32(0);
    is.u64(s.index.keys().size());
    is.u64(s.index.stored_segments().size());
    is.u64(s.index.radix_table().size());
    for (std::uint32_t k : s.index.keys())
      is.u32(k);
    for (const RangeIndex::Segment& g : s.index.stored_segments()) {
      is.u32(g.key);
      is.u32(g.base);
      is.u32(g.slope);
      is.u16(g.below);
      is.u16(g.above);
    }
    for (std::uint32_t x : s.index.radix_table())
      is.u32(x);
    for (const detail::RuleRow& row : s.rows)
      is.row(row);
  }

  Writer& rm = w[kRemainder];
  const TupleSpace& ts = c.remainder();
  rm.u64(ts.tuples().size());
  rm.u64(ts.slots().size());
  rm.u64(ts.rows().size());
  for (const TupleSpace::Tuple& t : ts.tuples()) {
    for (std::uint32_t v : {t.src_mask, t.dst_mask, t.port_mask, t.proto_mask, t.slot_base,
                            t.slot_bits, t.best, std::uint32_t{0}}) {
      rm.u32(v);
    }
  }
  for (std::uint32_t x : ts.slots())
    rm.u32(x);
  for (const detail::RuleRow& row : ts.rows())
    rm.row(row);

  auto align = [](std::size_t x) { return (x + L::kAlign - 1) / L::kAlign * L::kAlign; };
  const std::size_t table = L::kHeaderBytes;
  std::array<std::size_t, kNumSections> offset{};
  std::size_t end = table + kNumSections * L::kEntryBytes;
  for (std::size_t id = 0; id < kNumSections; ++id) {
    offset[id] = align(end);
    end = offset[id] + w[id].bytes().size();
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
    const std::vector<std::byte>& data = w[id].bytes();
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
  std::size_t done = 0;
  while (done < bytes.size()) {
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

Result<Classifier> load_artifact(std::span<const std::byte> bytes, std::string_view name) {
  return guarded<Classifier>(name, [&] { return std::move(load(bytes).classifier); });
}

Result<ArtifactInfo> inspect_artifact(std::span<const std::byte> bytes, std::string_view name) {
  return guarded<ArtifactInfo>(name, [&] {
    Loaded l = load(bytes);
    ArtifactInfo info;
    info.version = l.container.version;
    info.file_bytes = l.container.file_bytes;
    info.file_crc32c = l.container.file_crc;
    info.meta = std::move(l.meta);
    info.report = l.classifier.report();
    info.default_action = l.classifier.default_action();
    info.sections = std::move(l.container.table);
    return info;
  });
}

Result<Classifier> load_artifact_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{os_error(path, "cannot open")};
  std::vector<std::byte> bytes;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    try {
      bytes.reserve(static_cast<std::size_t>(st.st_size));
    } catch (const std::bad_alloc&) {
      ::close(fd);
      return Error{path + ": out of memory while reading"};
    }
  }
  std::array<std::byte, 1 << 16> buf;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e{os_error(path, "cannot read")};
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), buf.begin(), buf.begin() + n);
  }
  ::close(fd);
  return load_artifact(bytes, path);
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
