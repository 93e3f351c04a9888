// HashFloor: an exact-match rte_hash over the 5-tuples of a trace, holding each tuple's answer.
// It is a perfect flow cache for that trace, and so the floor no classifier can beat: one hash
// lookup per packet, with no rule structure at all.
//
//   auto floor = lacl::bench::HashFloor::build(keys, reference_answers);   // EAL must be up
//   auto in = lacl::bench::HashTrace::from(keys);
//   floor->lookup(in.pointers, out);                                       // rule id or kNoMatch
//
// Keys are 16 bytes (the 13-byte 5-tuple, host order, zero padded) hashed with rte_hash_crc;
// lookups use rte_hash_lookup_bulk in groups of up to RTE_HASH_LOOKUP_BULK_MAX (64), and a key's
// position indexes the answer array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "lacl/result.hpp"
#include "lacl/rule.hpp"

struct rte_hash;

namespace lacl::bench {

/// A 5-tuple as the hash key: host order, padding zero so equal tuples are equal bytes.
struct alignas(16) HashKey {
  std::uint32_t src_ip = 0;
  std::uint32_t dst_ip = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t proto = 0;
  std::uint8_t pad[3] = {0, 0, 0};
  static HashKey from(const PacketKey& k) noexcept;
};
static_assert(sizeof(HashKey) == 16);

/// A trace converted once to hash keys: pointers[i] points at keys[i]. Move-only.
struct HashTrace {
  std::vector<HashKey> keys;
  std::vector<const void*> pointers;

  static HashTrace from(std::span<const PacketKey> keys);
  HashTrace() = default;
  HashTrace(HashTrace&&) noexcept = default;
  HashTrace& operator=(HashTrace&&) noexcept = default;
  HashTrace(const HashTrace&) = delete;
  HashTrace& operator=(const HashTrace&) = delete;
};

class HashFloor {
 public:
  /// Inserts every distinct key of `keys` with the answer at the same index (answers.size() ==
  /// keys.size()), in a table sized for the distinct keys (a quarter spare, doubled if full). Fails
  /// when EAL is not up, on rte_hash errors, or when one key is given two different answers (the
  /// answers did not come from one classifier).
  static Result<HashFloor> build(std::span<const PacketKey> keys, std::span<const RuleId> answers);

  HashFloor(HashFloor&& o) noexcept;
  HashFloor& operator=(HashFloor&& o) noexcept;
  HashFloor(const HashFloor&) = delete;
  HashFloor& operator=(const HashFloor&) = delete;
  ~HashFloor();

  /// out[i] = the stored answer of *keys[i] (a HashKey), kNoMatch when the key is not stored.
  /// Any length; out.size() >= keys.size(). Thread-safe (lookups only read).
  void lookup(std::span<const void* const> keys, std::span<RuleId> out) const noexcept;

  std::size_t entries() const noexcept { return entries_; }  ///< distinct keys stored
  double build_ms() const noexcept { return build_ms_; }
  /// EAL heap growth across creation and insertion (table, key store, free-slot ring) plus the
  /// answer array.
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  HashFloor() = default;
  /// One attempt at `capacity` entries; nullopt when the table filled up.
  static Result<std::optional<HashFloor>> build_with_capacity(std::span<const PacketKey> keys,
                                                              std::span<const RuleId> answers,
                                                              std::size_t capacity);

  rte_hash* hash_ = nullptr;
  std::vector<RuleId> answers_;  ///< answers_[position]
  std::size_t entries_ = 0;
  double build_ms_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace lacl::bench
