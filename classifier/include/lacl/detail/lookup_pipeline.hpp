// The batch lookup pipeline, written once and compiled per ISA (lookup_<isa>.cpp).
//
// A learned index costs memory latency, not arithmetic: each iSet lookup is a chain of four
// dependent loads (radix bucket -> segment -> key window -> rule row). The pipeline runs each
// link for a whole chunk of keys before the next link, prefetching what the next link reads, so
// the loads of many packets are in flight at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lacl/detail/rule_row.hpp"
#include "lacl/range_index.hpp"
#include "lacl/rule.hpp"
#include "lacl/tuple_space.hpp"

namespace lacl::detail {

/// The parts of a classifier the pipeline reads.
struct LookupTables {
  struct ISet {
    Field field;
    const RangeIndex* index;
    const RuleRow* rows;
  };
  std::span<const ISet> isets;
  const TupleSpace* remainder;  ///< null when empty
};

inline void prefetch(const void* p) noexcept { __builtin_prefetch(p, 0, 3); }

/// Classifies n <= kChunk keys.
template <std::size_t kChunk>
inline void classify_chunk(const LookupTables& t, const PacketKey* keys, RuleId* out,
                           std::size_t n) noexcept {
  RuleId best[kChunk];
  std::uint32_t value[kChunk];
  std::uint32_t a[kChunk];
  std::uint32_t b[kChunk];
  for (std::size_t i = 0; i < n; ++i) best[i] = kNoMatch;

  for (const LookupTables::ISet& s : t.isets) {
    const RangeIndex& ix = *s.index;
    const std::uint32_t* radix = ix.radix_table().data();
    const RangeIndex::Segment* segs = ix.segments().data();
    const std::uint32_t* ikeys = ix.keys().data();
    for (std::size_t i = 0; i < n; ++i) {
      value[i] = keys[i].get(s.field);
      a[i] = ix.bucket_of(value[i]);
      prefetch(radix + a[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t lo = radix[a[i]];
      b[i] = radix[a[i] + 1];
      a[i] = lo;
      prefetch(segs + lo);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t seg = ix.segment_between(a[i], b[i], value[i]);
      const RangeIndex::Window w = ix.window_in(seg, value[i]);
      a[i] = w.lo;
      b[i] = w.hi;
      prefetch(ikeys + w.lo);
      prefetch(ikeys + w.hi);
    }
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = ix.search({a[i], b[i]}, value[i]);
      prefetch(s.rows + a[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const RuleRow& row = s.rows[a[i]];
      if (row.id < best[i] && row.matches(keys[i])) best[i] = row.id;
    }
  }
  if (t.remainder != nullptr) {
    for (std::size_t i = 0; i < n; ++i) best[i] = t.remainder->classify(keys[i], best[i]);
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = best[i];
}

/// Classifies all keys in chunks of `chunk` (<= kChunk).
template <std::size_t kChunk>
inline void classify_all(const LookupTables& t, std::span<const PacketKey> keys,
                         std::span<RuleId> out, std::size_t chunk) noexcept {
  if (chunk == 0 || chunk > kChunk) chunk = kChunk;
  for (std::size_t i = 0; i < keys.size(); i += chunk) {
    const std::size_t n = keys.size() - i < chunk ? keys.size() - i : chunk;
    classify_chunk<kChunk>(t, keys.data() + i, out.data() + i, n);
  }
}

}  // namespace lacl::detail
