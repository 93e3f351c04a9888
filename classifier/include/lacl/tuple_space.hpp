// TupleSpace: the remainder classifier, a hashed tuple space in the style of TupleMerge
// (Daly, Bruschi, Linguaglossa, Pontarelli, Rossi, Tollet, Torng, Yourstone; ToN 2019).
//
// Each rule is placed in a tuple: a mask per field that keeps no more bits than the rule itself
// fixes (its address ranges' common prefix, its ports and protocol when exact). A packet is
// masked with a tuple's masks and hashed to one slot; the slot lists candidate rules in priority
// order, and each candidate is validated on all fields. Rules that share a slot by a hash
// collision, or because the tuple is coarser than they are, only cost extra validations:
// correctness never depends on the hash. Tuples are kept in order of their best rule, so a
// lookup that already holds a better match from the iSets stops early.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lacl/detail/aligned.hpp"
#include "lacl/detail/rule_row.hpp"
#include "lacl/rule.hpp"

namespace lacl {

class TupleSpace {
 public:
  struct Params {
    /// A rule joins an existing coarser tuple only while its slot then holds at most this many
    /// rules; otherwise it opens a tuple of its own lengths.
    std::uint32_t max_collisions = 8;
    /// New tuples round address lengths down to a multiple of this (1: exact lengths), so that
    /// rules of nearby lengths share a tuple: TupleMerge's relaxation.
    std::uint32_t ip_grid = 4;
    /// Whether new tuples also hash exact ports and protocols, or only addresses.
    bool hash_ports = true;
  };

  struct Tuple {
    std::uint32_t src_mask;
    std::uint32_t dst_mask;
    std::uint32_t port_mask;   ///< (src port mask << 16) | dst port mask
    std::uint32_t proto_mask;  ///< 0 or 0xFF
    std::uint32_t slot_base;   ///< index of this tuple's first entry in slots_
    std::uint32_t slot_bits;   ///< the tuple has 2^slot_bits slots
    RuleId best;               ///< the highest-priority (smallest) rule id in the tuple
    std::uint32_t reserved;
  };
  static_assert(sizeof(Tuple) == 32);

  TupleSpace() = default;

  /// Builds over the rules `ids` of `rules` (ids need not be sorted).
  static TupleSpace build(std::span<const Rule> rules, std::span<const RuleId> ids, Params params);

  /// min(best, the first rule of this space matching k). Rules with id >= best are never looked at.
  RuleId classify(const PacketKey& k, RuleId best) const noexcept {
    for (const Tuple& t : tuples_) {
      if (t.best >= best) break;
      const std::uint32_t slot = t.slot_base + slot_of(t, k);
      for (std::uint32_t i = slots_[slot], end = slots_[slot + 1]; i < end; ++i) {
        const detail::RuleRow& row = rows_[i];
        if (row.id >= best) break;
        if (row.matches(k)) {
          best = row.id;
          break;
        }
      }
    }
    return best;
  }

  std::size_t size() const noexcept { return rows_.size(); }
  /// A single tuple that masks nothing: a linear scan in priority order.
  bool is_linear() const noexcept {
    return tuples_.size() == 1 && tuples_[0].src_mask == 0 && tuples_[0].dst_mask == 0 &&
           tuples_[0].port_mask == 0 && tuples_[0].proto_mask == 0;
  }
  /// Params that put every rule in one such tuple.
  static constexpr Params linear_params() noexcept { return {0xFFFFFFFFu, 33, false}; }
  std::size_t tuple_count() const noexcept { return tuples_.size(); }
  std::size_t bytes() const noexcept {
    return detail::bytes_of(tuples_) + detail::bytes_of(slots_) + detail::bytes_of(rows_);
  }

  std::span<const Tuple> tuples() const noexcept { return tuples_; }
  std::span<const std::uint32_t> slots() const noexcept { return slots_; }
  std::span<const detail::RuleRow> rows() const noexcept { return rows_; }

  /// Rebuilds from stored parts (the artifact loader); false when they are inconsistent.
  static bool assemble(TupleSpace& out, detail::AlignedVector<Tuple> tuples,
                       detail::AlignedVector<std::uint32_t> slots,
                       detail::AlignedVector<detail::RuleRow> rows);

  static std::uint32_t hash(const Tuple& t, const PacketKey& k) noexcept {
    std::uint64_t h = (std::uint64_t{k.src_ip & t.src_mask} << 32) | (k.dst_ip & t.dst_mask);
    h *= 0x9E3779B97F4A7C15ull;
    std::uint64_t g =
        (std::uint64_t{((std::uint32_t{k.src_port} << 16) | k.dst_port) & t.port_mask} << 8) |
        (k.proto & t.proto_mask);
    h ^= (g + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return static_cast<std::uint32_t>(h >> 32);
  }
  static std::uint32_t slot_of(const Tuple& t, const PacketKey& k) noexcept {
    return t.slot_bits == 0 ? 0u : hash(t, k) >> (32 - t.slot_bits);
  }

 private:
  detail::AlignedVector<Tuple> tuples_;
  detail::AlignedVector<std::uint32_t> slots_;  ///< per tuple 2^bits + 1 CSR offsets into rows_
  detail::AlignedVector<detail::RuleRow> rows_;
};

}  // namespace lacl
