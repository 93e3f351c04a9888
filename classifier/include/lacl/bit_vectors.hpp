// BitVectors: a remainder classifier by per-field bit vectors, in the style of Lakshman and
// Stiliadis (SIGCOMM 1998).
//
// On each field, the rules' range boundaries cut the values into elementary intervals, and
// every rule either covers an interval whole or misses it. Each interval gets a bit vector with
// bit i set when rule i (in priority order) covers it. A packet's match is then the first bit
// set in all five vectors of the intervals its fields fall in: one interval lookup per field
// and a few vector ANDs, whatever the rules' overlap, which is where the iSets and the tuple
// space pay most. The vectors cost rules / 8 bytes per interval, so this suits a few thousand
// rules at most; the compiler measures it against the other remainders.
//
// Each field's interval is found by a 16-ary search over the intervals' first values: one
// vector compare of 16 keys per level below a top level of up to 64 keys compared at once
// (one dependent step up to 64 intervals, two up to 1024, three up to 16384), no branch and no
// model: the vectors only pay at sizes where the search is this short. A field every rule leaves whole is not looked up at all.
//
// A field's vectors are stored as 512-bit chunks, each distinct chunk once: many intervals
// differ in a few of the rules only, so their vectors share most chunks (ClassBench's 1K sets:
// a sixth to a third less memory than whole vectors stored once each), and a lookup still
// reads a vector with one load per chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "lacl/detail/aligned.hpp"
#include "lacl/detail/rule_row.hpp"
#include "lacl/rule.hpp"

namespace lacl {

class BitVectors {
 public:
  /// Keys per node of the search: one vector compare of 32-bit keys with AVX-512.
  static constexpr std::uint32_t kFanout = 16;
  /// Most keys of the top level, which one search compares whole (four vector compares side
  /// by side): one dependent step up to 64 intervals, two up to 1024, three up to 16384.
  static constexpr std::uint32_t kTopKeys = 64;

  /// Words per chunk: one 512-bit load.
  static constexpr std::uint32_t kChunkWords = 8;

  /// One looked-up field: its intervals' first values, searched level by level, and each
  /// interval's vector.
  struct FieldTable {
    Field field = Field::kSrcIp;
    std::uint32_t intervals = 0;  ///< elementary intervals; the first starts at 0
    /// levels[0]: the intervals' first values; levels[k + 1]: every kFanout-th value of
    /// levels[k]. Each ends with kFanout copies of 0xFFFFFFFF, so a node read from any real
    /// entry stays inside its level. The last level has at most kTopKeys real entries, padded
    /// to kTopKeys + kFanout.
    std::vector<detail::AlignedVector<std::uint32_t>> levels;
    /// Keys of the top level one search compares: its real keys rounded up to 16, 32 or 64.
    std::uint32_t top_width = kFanout;
    /// Chunk c of interval j's vector is chunk chunk_of[j * chunks_per_vector() + c].
    detail::AlignedVector<std::uint16_t> chunk_of;
    /// The field's distinct chunks, kChunkWords words each; chunk 0 is all zeros. The words of
    /// a vector's last chunk past words_per_vector() are zero.
    detail::AlignedVector<std::uint64_t> chunks;

    /// Word w of interval j's vector.
    std::uint64_t word(std::size_t j, std::size_t chunks_per_vector, std::size_t w) const noexcept {
      return chunks[kChunkWords * chunk_of[j * chunks_per_vector + w / kChunkWords] +
                    w % kChunkWords];
    }
  };
  /// Distinct chunks a field may have (chunk_of holds 16-bit numbers).
  static constexpr std::size_t kMaxChunks = 65536;
  /// The most any bit vectors may take: what the loader rebuilds from an artifact's rows, and
  /// what the compiler builds when told to (beyond it, the remainder stays a tuple space).
  static constexpr std::size_t kMaxBytes = std::size_t{256} << 20;

  BitVectors() = default;

  /// Builds over `rows` (strictly increasing ids). Returns nullopt when the vectors would take
  /// more than `max_bytes` (the build stops as soon as they do, so a large rule set costs
  /// little to reject).
  static std::optional<BitVectors> build(std::span<const detail::RuleRow> rows,
                                         std::size_t max_bytes);

  /// The interval of field table t that holds v: the last whose first value is <= v.
  static std::uint32_t interval_of(const FieldTable& t, std::uint32_t v) noexcept;
  /// min(best, the first of these rules matching k): the lookup one key and one word at a
  /// time, for tests and as the reference of the pipeline's.
  RuleId classify(const PacketKey& k, RuleId best) const noexcept;

  /// Rules held.
  std::size_t size() const noexcept { return rules_; }
  bool empty() const noexcept { return rules_ == 0; }
  /// Bit i of every vector stands for rule ids()[i], in increasing id order; empty when bit i
  /// is rule i (the vectors hold rules 0 .. size() - 1), which is not stored.
  std::span<const RuleId> ids() const noexcept { return ids_; }
  RuleId id_of(std::size_t bit) const noexcept {
    return ids_.empty() ? static_cast<RuleId>(bit) : ids_[bit];
  }
  std::size_t words_per_vector() const noexcept { return words_per_vector_; }
  std::size_t chunks_per_vector() const noexcept {
    return (words_per_vector_ + kChunkWords - 1) / kChunkWords;
  }
  /// The looked-up fields (never empty when rules are held).
  std::span<const FieldTable> fields() const noexcept { return fields_; }
  /// The rules as rows, recovered from the vectors (each rule's range on a field is the run of
  /// intervals its bit is set in). Used for artifacts and the floors, not by lookups.
  std::vector<detail::RuleRow> rows() const;
  std::size_t bytes() const noexcept;
  /// Distinct chunks over all fields.
  std::size_t chunk_count() const noexcept;

 private:
  std::vector<FieldTable> fields_;
  detail::AlignedVector<RuleId> ids_;
  std::size_t rules_ = 0;
  std::size_t words_per_vector_ = 0;
};

}  // namespace lacl
