// The compiled-classifier artifact: what `lacl compile -o FILE.lacl` writes and the dataplane
// loads. A versioned, checksummed, flat file of cache-aligned sections.
//
// Loading never trusts the file: every header field, offset, length, count and index is
// checked before use, every section's CRC32C and the whole-file checksum are verified, and the
// learned indexes' error bounds are re-measured. A bad file is refused with the reason; a
// half-built classifier is never returned.
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
inline constexpr std::uint32_t kArtifactVersion = 1;

/// What an artifact records besides the classifier itself.
struct ArtifactMeta {
  std::string tool_version = LACL_VERSION;  ///< lacl version that wrote it
  std::string options;        ///< the compile options, as text (e.g. "epsilon=0 batch=0 ...")
  std::string source_name;    ///< the rule file's name as given
  std::string source_format;  ///< "classbench", "l3fwd-acl", "iptables"
  std::uint64_t source_digest = 0;  ///< a 64-bit digest of the source rule file's bytes
};

/// Everything `lacl inspect` shows.
struct ArtifactInfo {
  std::uint32_t version = 0;
  std::uint64_t file_bytes = 0;
  ArtifactMeta meta;
  CompileReport report;  ///< the report stored at compile time (rules, iSets, coverage, bytes)
  struct Section {
    std::string name;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::uint32_t crc32c = 0;
  };
  std::vector<Section> sections;
};

/// Serialises `c` into artifact bytes.
std::vector<std::byte> serialize_artifact(const Classifier& c, const ArtifactMeta& meta);
/// Writes an artifact file (atomically: a temp file renamed over `path`).
Status write_artifact(const std::string& path, const Classifier& c, const ArtifactMeta& meta);

/// Loads a classifier from artifact bytes; `name` is used in error messages.
Result<Classifier> load_artifact(std::span<const std::byte> bytes, std::string_view name);
/// Reads and loads an artifact file.
Result<Classifier> load_artifact_file(const std::string& path);
/// Validates like load_artifact and describes the file.
Result<ArtifactInfo> inspect_artifact(std::span<const std::byte> bytes, std::string_view name);

/// 64-bit digest of a source rule file (for ArtifactMeta::source_digest).
std::uint64_t digest_bytes(std::span<const std::byte> bytes) noexcept;

}  // namespace lacl
