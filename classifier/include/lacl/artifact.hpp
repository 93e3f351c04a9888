// The compiled-classifier artifact: what `lacl compile -o FILE.lacl` writes and the dataplane
// loads. A versioned, checksummed, flat file of cache-aligned sections.
//
// Loading never trusts the file: every header field, offset, length, count and index is
// checked before use, every section's CRC32C and the whole-file checksum are verified, and the
// learned indexes' error bounds are re-measured. A bad file is refused with the reason; a
// half-built classifier is never returned.
//
// File layout, format version 3 (still read: version 2, whose classifier section ends in a
// zero where version 3 has its flags, and version 1, which is version 2 without bit vectors).
// Every integer is little-endian and fixed-width; offsets and lengths are in bytes from the
// start of the file.
//
//   header (64 bytes)
//     0  magic            8 bytes "LACLART\0"
//     8  version          u32, kArtifactVersion
//    12  byte-order mark  u32 0x01020304 (a big-endian writer's file reads 0x04030201: refused)
//    16  header size      u32, 64
//    20  section count    u32, 1..16
//    24  file size        u64, the whole file
//    32  table offset     u64, where the section table starts (64: right after the header)
//    40  file checksum    u32, CRC32C of the whole file with these 4 bytes read as zero
//    44  reserved         20 zero bytes
//   section table (section count entries of 40 bytes)
//     0  name             16 bytes, NUL-padded ASCII
//    16  offset           u64, a multiple of 64
//    24  length           u64
//    32  crc32c           u32, CRC32C of the section's bytes
//    36  reserved         u32, zero
//   sections, each starting on a 64-byte boundary, zero padding between them:
//     meta        u64 source digest, then tool version, options, source name, source format,
//                 each a u32 length and that many bytes
//     report      the compile report as JSON text (CompileReport::to_json)
//     classifier  u64 rule count, action default action, u32 batch, u32 flags (bit 0: the
//                 lookup stops at final rules, Classifier::final_rules; since version 4, bit 1:
//                 the remainder is a cut tree, CutTree, with leaves of at most bits 8 to 15
//                 rules, 1 to 255; no other bit is set)
//     actions     rule count actions; an action is u8 kind (0 accept, 1 drop), u8 zero, u16 port
//     isets       u64 index count (<= CompileOptions::kMaxISets), then per field index
//                 (ISetIndex):
//                   u8 field, u8 search (0 through the model, 1 whole: ISetIndex::whole, for
//                   at most kWholeSearchMax keys), 2 zero bytes, u32 iSets merged, u32 distinct
//                   rules, u32 radix
//                   shift, u32 domain max, u32 list layout (0 rows, 1 lanes: the layout the
//                   compiler chose for the lookup; the file always holds rows),
//                   u64 key count n, u64 segment count (with the sentinel), u64 radix count,
//                   u64 offset count (0 or n + 1), u64 row count,
//                   n u32 keys, the segments (u32 key, u32 base, u32 slope, u16 below,
//                   u16 above), the u32 radix table, the u32 offsets, the rule rows
//     remainder   u64 tuple count, u64 slot count, u64 row count, the tuples (8 u32 each, in
//                 TupleSpace::Tuple order), the u32 slot offsets, the rule rows; since
//                 version 2, no tuples, no slots and one or more rows, in increasing id order,
//                 is a remainder held as BitVectors, which the loader rebuilds from the rows;
//                 with the cut-tree flag, the rows (none, or in increasing id order) of a
//                 CutTree, rebuilt the same way
//   A rule row is 32 bytes: u32 src lo, src hi, dst lo, dst hi; u16 src port lo, hi, dst port
//   lo, hi; u8 proto lo, hi; u16 zero; u32 rule id.
//
// Besides each part's own structure (RangeIndex::assemble, TupleSpace::assemble), the loader
// proves the classifier exact: every rule id is below the rule count and belongs to exactly one
// index or the remainder; every row's ranges are non-empty; an index's intervals list their
// candidates in strictly increasing id order, at most one per merged iSet, and each rule in
// exactly the intervals its range meets, every piece identical; every remainder row sits in the
// slot its tuple hashes it to, under masks that keep only bits the rule fixes; bit vectors'
// rows come in increasing id order, and the vectors rebuilt from them are exact by
// construction (at most BitVectors::kMaxBytes of them); so are a cut tree's (at most
// CutTree::kMaxBytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lacl/classifier.hpp"
#include "lacl/result.hpp"

namespace lacl {

/// The newest artifact format version this build writes and reads.
inline constexpr std::uint32_t kArtifactVersion = 4;

/// What an artifact records besides the classifier itself.
struct ArtifactMeta {
  std::string tool_version = LACL_VERSION;  ///< lacl version that wrote it
  std::string options;              ///< the compile options, as text (e.g. "epsilon=0 batch=0 ...")
  std::string source_name;          ///< the rule file's name as given
  std::string source_format;        ///< "classbench", "l3fwd-acl", "iptables"
  std::uint64_t source_digest = 0;  ///< digest_bytes() of the source rule file's bytes
};

/// Everything `lacl inspect` shows.
struct ArtifactInfo {
  std::uint32_t version = 0;
  std::uint64_t file_bytes = 0;
  std::uint32_t file_crc32c = 0;  ///< the whole-file checksum as stored
  ArtifactMeta meta;
  /// The compile report: knobs, tuning and times as stored at compile time; the structural
  /// figures (rules, iSets, windows, coverage, bytes) measured on the loaded classifier.
  CompileReport report;
  Action default_action = Action::accept();
  struct Section {
    std::string name;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::uint32_t crc32c = 0;
  };
  std::vector<Section> sections;  ///< in section-table order
};

/// Serialises `c` into artifact bytes. Deterministic: the same classifier and meta give the
/// same bytes. Throws std::bad_alloc only. Like every function here, safe to call from many
/// threads at once (no shared state).
std::vector<std::byte> serialize_artifact(const Classifier& c, const ArtifactMeta& meta);
/// Writes an artifact file atomically: a temp file in the same directory, flushed to disk and
/// renamed over `path`. The error names the path and the OS reason.
Status write_artifact(const std::string& path, const Classifier& c, const ArtifactMeta& meta);

/// Loads a classifier from artifact bytes (any alignment). `name` starts every error message:
/// "NAME: bad magic", "NAME: unsupported format version 7 (this lacl reads up to 2)",
/// "NAME: truncated: ...", "NAME: checksum mismatch in section 'isets'",
/// "NAME: whole-file checksum mismatch", "NAME: index out of range: ...", and others that say
/// which field, section, iSet or row is wrong. Never reads outside `bytes`; allocates at most a
/// small multiple of bytes.size().
Result<Classifier> load_artifact(std::span<const std::byte> bytes, std::string_view name);
/// Reads and loads an artifact file; errors start with `path`.
Result<Classifier> load_artifact_file(const std::string& path);
/// Validates exactly like load_artifact and describes the file.
Result<ArtifactInfo> inspect_artifact(std::span<const std::byte> bytes, std::string_view name);

/// 64-bit digest of a source rule file (for ArtifactMeta::source_digest). Detects accidental
/// change; not a cryptographic hash. The same bytes give the same digest on every machine.
std::uint64_t digest_bytes(std::span<const std::byte> bytes) noexcept;

/// CRC32C (Castagnoli, reflected polynomial 0x82F63B78, as in iSCSI and ext4) of `bytes`,
/// continuing from `crc` (the CRC of the bytes before; 0 to start). crc32c("123456789") is
/// 0xE3069283.
std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc = 0) noexcept;

namespace detail {

/// Field offsets of the layout above, for the loader and for tests that corrupt
/// files on purpose.
struct ArtifactLayout {
  static constexpr std::size_t kMagic = 0;
  static constexpr std::size_t kVersion = 8;
  static constexpr std::size_t kByteOrder = 12;
  static constexpr std::size_t kHeaderSize = 16;
  static constexpr std::size_t kSectionCount = 20;
  static constexpr std::size_t kFileSize = 24;
  static constexpr std::size_t kTableOffset = 32;
  static constexpr std::size_t kFileCrc = 40;
  static constexpr std::size_t kReserved = 44;
  static constexpr std::size_t kHeaderBytes = 64;

  static constexpr std::size_t kEntryName = 0;
  static constexpr std::size_t kEntryNameBytes = 16;
  static constexpr std::size_t kEntryOffset = 16;
  static constexpr std::size_t kEntryLength = 24;
  static constexpr std::size_t kEntryCrc = 32;
  static constexpr std::size_t kEntryReserved = 36;
  static constexpr std::size_t kEntryBytes = 40;

  static constexpr std::size_t kAlign = 64;
  static constexpr std::uint32_t kMaxSections = 16;
  static constexpr std::uint32_t kByteOrderMark = 0x01020304;
};

/// Recomputes, in place, the CRC32C of every section the table locates inside `bytes` and then
/// the whole-file checksum, skipping whatever is out of bounds. For tests and fuzzers that
/// corrupt a file and want the loader's structural checks, not its checksums, to catch it.
void reseal_artifact(std::span<std::byte> bytes) noexcept;

}  // namespace detail

}  // namespace lacl
