// The batch lookup pipeline, written once and instantiated per ISA (src/lookup_<isa>.cpp, each
// compiled with its own flags; see isa.hpp for the dispatch).
//
// A learned index costs memory latency, not arithmetic: each iSet lookup is a chain of
// dependent loads (radix bucket -> segment -> key window -> the interval's record -> its
// candidates; the AVX-512 pipeline holds a small model in registers and skips the first two).
// The pipeline runs each link for a whole chunk of keys before the next link, prefetching what
// the next link reads, so the loads of many packets are in flight at once.
//
// Everything here is a template on the ISA policy `Isa` (a type local to its translation unit),
// and reads the classifier's arrays through plain views: no non-template inline function of
// another header is called, so code compiled with AVX-512 flags can never be linked into a
// caller on a CPU without it (the one-definition-rule trap of per-ISA translation units).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "lacl/cut_tree.hpp"
#include "lacl/detail/candidate_lanes.hpp"
#include "lacl/detail/rule_row.hpp"
#include "lacl/range_index.hpp"
#include "lacl/rule.hpp"
#include "lacl/tuple_space.hpp"

namespace lacl::detail {

/// One field index (the merged iSets of a field) as the pipeline sees it.
struct ISetView {
  std::uint32_t field;  ///< Field as an integer
  RuleId best;          ///< the smallest rule id the index holds
  std::uint32_t first_key;
  std::uint32_t shift;
  std::uint32_t n;
  std::uint32_t width;  ///< fixed search width, a power of two
  std::uint32_t radix_steps;  ///< halvings of the segment search (RangeIndex::radix_steps)
  bool whole;                 ///< no model: one search of `width` keys from the first
  /// The model's segments (not counting the sentinel); with one, no radix table or segment
  /// search is needed.
  std::uint32_t segment_count;
  /// RangeIndex::segment_columns, null when it is empty; each column holds column_rows values.
  const std::uint32_t* columns;
  std::uint32_t column_rows;
  const std::uint32_t* radix;
  const RangeIndex::Segment* segments;  ///< including the sentinel
  const std::uint32_t* keys;            ///< padded: see RangeIndex::search_from
  /// The two-level search (RangeIndex::block_keys), when the window is wide enough for it to
  /// pay: its block keys and how many of them, from the window's first block, can hold the
  /// slot; block_lanes is 0 when the window is searched in one pass.
  const std::uint32_t* blocks;
  std::uint32_t block_lanes;
  /// Interval j's candidates: with offsets, the list of offsets[j + 1] - offsets[j] candidates
  /// at lanes + lane_layout(field).bytes * offsets[j], or at rows + offsets[j] when lanes is
  /// null; without offsets, rows[j] alone.
  const std::uint32_t* offsets;
  const RuleRow* rows;
  const std::uint8_t* lanes;
  const IntervalLinks* links;   ///< with lanes, per interval: see ISetIndex::links
  const std::uint32_t* floors;  ///< per interval, without lanes: see ISetIndex::floors
  /// A bit per rule id, set when the rule is final (see lacl::final_rules): a key whose best match
  /// is final has nothing more to visit. Bit final_limit stands for every id past it and is
  /// clear. Null when nothing comes after this index.
  const std::uint64_t* finals;
  std::uint32_t final_limit;
};

struct TupleSpaceView {
  const TupleSpace::Tuple* tuples = nullptr;
  std::uint32_t count = 0;
  const std::uint32_t* slots = nullptr;
  const RuleRow* rows = nullptr;
};

/// The bit-vector remainder (BitVectors) as the pipeline sees it.
struct BitVectorsView {
  static constexpr std::uint32_t kMaxLevels = 8;  ///< 16^8 intervals: any 32-bit field
  std::uint32_t fields = 0;  ///< looked-up fields
  std::uint32_t words = 0;   ///< words per vector
  std::uint32_t chunks = 0;  ///< 8-word chunks per vector
  RuleId best = kNoMatch;    ///< the first rule held
  const RuleId* ids = nullptr;  ///< bit i is rule ids[i]; null: rule i
  /// Per looked-up field f: which field, its search levels (BitVectors::FieldTable::levels),
  /// how many keys of the top level one search compares (16, 32 or 64), the last interval,
  /// each interval's chunk numbers (`chunks` per interval) and the chunks.
  std::uint32_t field[kNumFields];
  std::uint32_t levels[kNumFields];
  const std::uint32_t* level[kNumFields][kMaxLevels];
  std::uint32_t top_width[kNumFields];
  std::uint32_t last[kNumFields];
  const std::uint16_t* chunk_of[kNumFields];
  const std::uint64_t* chunk_words[kNumFields];
};

/// The cut-tree remainder (CutTree) as the pipeline sees it.
struct CutTreeView {
  const CutTree::Node* nodes = nullptr;
  const std::uint32_t* keys = nullptr;  ///< CutTree::kFanout per inner node
  const std::uint8_t* lanes = nullptr;  ///< the leaves, lanes of lane_layout(kNoIndexedField)
  std::uint32_t depth = 0;
  RuleId best = kNoMatch;  ///< the first rule held
};

struct LookupTables {
  std::span<const ISetView> isets;
  TupleSpaceView remainder;
  const BitVectorsView* bits = nullptr;  ///< null when the remainder is not bit vectors
  const CutTreeView* tree = nullptr;     ///< null when the remainder is not a cut tree
  /// Some index has a list longer than two steps of eight (ISetIndex::wide_lists): an ISA that
  /// can validate sixteen candidates at a time then does (lookup_avx512.cpp).
  bool wide_lists = false;
};

/// What Pipeline::first_common returns when no bit is set in every vector.
inline constexpr std::uint32_t kNoCommonBit = 0xFFFFFFFFu;

/// Where field f of a PacketKey starts, and the mask of its width over the 32 bits read from
/// there: a field read without a branch on f (Pipeline::field_at, the AVX-512 gathers).
inline constexpr std::uint32_t kKeyFieldOffset[kNumFields] = {0, 4, 8, 10, 12};
inline constexpr std::uint32_t kKeyFieldMask[kNumFields] = {~0u, ~0u, 0xFFFFu, 0xFFFFu, 0xFFu};
static_assert(sizeof(PacketKey) == 16 && offsetof(PacketKey, dst_ip) == kKeyFieldOffset[1] &&
              offsetof(PacketKey, src_port) == kKeyFieldOffset[2] &&
              offsetof(PacketKey, dst_port) == kKeyFieldOffset[3] &&
              offsetof(PacketKey, proto) == kKeyFieldOffset[4]);

/// Signature of a per-ISA classify entry point.
using ClassifyFn = void (*)(const LookupTables&, std::span<const PacketKey>, std::span<RuleId>,
                            std::size_t chunk) noexcept;

template <class Isa>
struct Pipeline {
  static void prefetch(const void* p) noexcept { __builtin_prefetch(p, 0, 3); }

  /// Value `i` of the array at `at` (LaneLayout::at) of a c-candidate list (own copy of
  /// lane_load: see the top comment).
  template <class T>
  static T lane(const std::uint8_t* list, std::uint32_t c, std::uint32_t at,
                std::uint32_t i) noexcept {
    T v;
    __builtin_memcpy(&v, list + at * c + sizeof(T) * i, sizeof(T));
    return v;
  }

  /// The best of a c-candidate list given `mask_of(g)`, the match mask of candidates g .. g +
  /// kStep - 1 (bit i for candidate g + i, none at or past c), merged into `best`. Lists of up
  /// to kStep (nearly all) take one step and no branch on its outcome, which would mispredict
  /// whenever the predictor has not learnt the traffic; a longer list takes further steps until
  /// one matches. Candidates are in priority order, so the lowest set bit is the list's best.
  /// The merge has no branch either: with no bit set, the sentinel bit reads lane g + kStep
  /// (still inside the list's bytes or the padding after the last list) and its id becomes
  /// kNoMatch.
  template <std::uint32_t kField, std::uint32_t kStep = 8, class MaskOf>
  static RuleId first_match(const std::uint8_t* list, std::uint32_t c, MaskOf mask_of,
                            RuleId best) noexcept {
    std::uint32_t g = 0;
    std::uint32_t mask = mask_of(0u);
    if (c > kStep) {
      while (mask == 0 && g + kStep < c) {
        g += kStep;
        mask = mask_of(g);
      }
    }
    const auto first = static_cast<std::uint32_t>(__builtin_ctz(mask | (1u << kStep)));
    constexpr std::uint32_t kIdAt = lane_layout(kField).at[kId];
    const RuleId id = lane<std::uint32_t>(list, c, kIdAt, g + first) | (0u - (mask == 0 ? 1u : 0u));
    return id < best ? id : best;
  }

  /// v - base, or 0 when v < base, with a mask instead of a conditional, which could compile to
  /// a branch that mispredicts on random keys.
  static std::uint32_t minus_floor0(std::uint32_t v, std::uint32_t base) noexcept {
    return (v - base) & (static_cast<std::uint32_t>(v < base) - 1u);
  }

  /// fn.template operator()<kField>() for kField == field: code whose layout or loads depend
  /// on the field gets one instance per field.
  template <class Fn>
  static void with_field(std::uint32_t field, Fn&& fn) noexcept {
    [&]<std::uint32_t... kField>(std::integer_sequence<std::uint32_t, kField...>) {
      ((field == kField ? fn.template operator()<kField>() : void()), ...);
    }(std::make_integer_sequence<std::uint32_t, kNumFields>{});
  }

  static std::uint32_t field_of(const PacketKey& k, std::uint32_t f) noexcept {
    switch (f) {
      case 0:
        return k.src_ip;
      case 1:
        return k.dst_ip;
      case 2:
        return k.src_port;
      case 3:
        return k.dst_port;
      default:
        return k.proto;
    }
  }

  /// field_of without a branch on f (which, where f follows the traffic, mispredicts): each
  /// field read as the 32 bits from its offset, masked to its width.
  static std::uint32_t field_at(const PacketKey& k, std::uint32_t f) noexcept {
    std::uint32_t v;
    __builtin_memcpy(&v, reinterpret_cast<const std::uint8_t*>(&k) + kKeyFieldOffset[f], sizeof v);
    return v & kKeyFieldMask[f];
  }

  static bool row_matches(const RuleRow& r, const PacketKey& k) noexcept {
    // Unsigned wrap-around turns each `lo <= v && v <= hi` into one compare. Short-circuit: in
    // a scan most rows fail on the first field or two, and that branch predicts well.
    return k.src_ip - r.src_lo <= r.src_hi - r.src_lo &&
           k.dst_ip - r.dst_lo <= r.dst_hi - r.dst_lo &&
           static_cast<std::uint32_t>(k.src_port - r.sport_lo) <=
               static_cast<std::uint32_t>(r.sport_hi - r.sport_lo) &&
           static_cast<std::uint32_t>(k.dst_port - r.dport_lo) <=
               static_cast<std::uint32_t>(r.dport_hi - r.dport_lo) &&
           static_cast<std::uint32_t>(k.proto - r.proto_lo) <=
               static_cast<std::uint32_t>(r.proto_hi - r.proto_lo);
  }

  /// row_matches without a branch: every field is compared, and the results are ANDed (own
  /// copy of RuleRow::matches: see the top comment).
  static bool row_hits(const RuleRow& r, const PacketKey& k) noexcept {
    return static_cast<unsigned>(k.src_ip - r.src_lo <= r.src_hi - r.src_lo) &
           static_cast<unsigned>(k.dst_ip - r.dst_lo <= r.dst_hi - r.dst_lo) &
           static_cast<unsigned>(static_cast<std::uint32_t>(k.src_port - r.sport_lo) <=
                                 static_cast<std::uint32_t>(r.sport_hi - r.sport_lo)) &
           static_cast<unsigned>(static_cast<std::uint32_t>(k.dst_port - r.dport_lo) <=
                                 static_cast<std::uint32_t>(r.dport_hi - r.dport_lo)) &
           static_cast<unsigned>(static_cast<std::uint32_t>(k.proto - r.proto_lo) <=
                                 static_cast<std::uint32_t>(r.proto_hi - r.proto_lo));
  }

  // The last segment in [lo, hi] with key <= v (lo when none is), in the index's fixed number
  // of halvings: a loop whose trip count followed the bucket would mispredict its exit.
  static std::uint32_t segment_between(const ISetView& s, std::uint32_t lo, std::uint32_t hi,
                                       std::uint32_t v) noexcept {
    std::uint32_t len = hi - lo + 1;  // candidates lo .. lo + len - 1
    for (std::uint32_t step = 0; step < s.radix_steps; ++step) {
      const std::uint32_t half = len / 2;
      lo = s.segments[lo + half].key <= v ? lo + half : lo;
      len -= half;
    }
    return lo;
  }

  static std::uint32_t search_start(const ISetView& s, std::uint32_t seg,
                                    std::uint32_t v) noexcept {
    const RangeIndex::Segment& g = s.segments[seg];
    const std::uint64_t d = v >= g.key ? v - g.key : 0;
    std::uint64_t p = g.base + ((d * g.slope) >> 32);
    const std::uint64_t last = s.segments[seg + 1].base - 1;
    p = p < last ? p : last;
    return minus_floor0(static_cast<std::uint32_t>(p), g.below);
  }

  static RuleId tuple_space(const TupleSpaceView& t, const PacketKey& k, RuleId best) noexcept {
    for (std::uint32_t i = 0; i < t.count; ++i) {
      const TupleSpace::Tuple& tu = t.tuples[i];
      if (tu.best >= best) break;
      std::uint64_t h = (std::uint64_t{k.src_ip & tu.src_mask} << 32) | (k.dst_ip & tu.dst_mask);
      h *= 0x9E3779B97F4A7C15ull;
      const std::uint64_t g =
          (std::uint64_t{((std::uint32_t{k.src_port} << 16) | k.dst_port) & tu.port_mask} << 8) |
          (k.proto & tu.proto_mask);
      h ^= (g + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
      h ^= h >> 29;
      h *= 0xBF58476D1CE4E5B9ull;
      const std::uint32_t hash = static_cast<std::uint32_t>(h >> 32);
      const std::uint32_t slot =
          tu.slot_base + (tu.slot_bits == 0 ? 0u : hash >> (32 - tu.slot_bits));
      for (std::uint32_t r = t.slots[slot], end = t.slots[slot + 1]; r < end; ++r) {
        const RuleRow& row = t.rows[r];
        if (row.id >= best) break;
        if (row_matches(row, k)) {
          best = row.id;
          break;
        }
      }
    }
    return best;
  }

  /// A key's floor once its best match is `id`: past id when id is final, so that the key
  /// visits nothing more. No branch on the outcome, which follows the traffic.
  static RuleId raise_floor(const ISetView& s, RuleId id, RuleId floor) noexcept {
    if (s.finals == nullptr) return floor;
    const std::uint32_t bit = id < s.final_limit ? id : s.final_limit;
    const auto final = static_cast<std::uint32_t>(s.finals[bit / 64] >> (bit % 64)) & 1u;
    const RuleId past = (id + 1) & (0u - final);
    return past > floor ? past : floor;
  }

  // The offsets link for multi-candidate lists: interval a[j] -> its list [a[j], b[j]), and
  // `fetch(first, end)` prefetches what the validation will read. The interval's floor is
  // taken on the way (see ISetIndex::floors).
  template <class Fetch>
  static void list_bounds(const ISetView& s, const std::uint32_t* act, std::size_t m,
                          std::uint32_t* a, std::uint32_t* b, RuleId* floor,
                          Fetch fetch) noexcept {
    for (std::size_t j = 0; j < m; ++j) {
      const std::uint32_t i = act[j];
      floor[i] = s.floors[a[j]] > floor[i] ? s.floors[a[j]] : floor[i];
      const std::uint32_t first = s.offsets[a[j]];
      b[j] = s.offsets[a[j] + 1];
      a[j] = first;
      fetch(first, b[j]);
    }
  }

  // The last two links for multi-candidate lists stored as lanes, of an index on field kField:
  // interval a[j] -> its links (list, floor, last value) -> the whole list, validated at once
  // with one vector compare per bound and no branch per candidate. The lanes leave kField
  // out: a key in the gap after the interval (past its last value, see ISetIndex::links) gets
  // an empty list instead.
  template <std::uint32_t kField>
  static void lane_lists(const ISetView& s, const PacketKey* keys, const std::uint32_t* act,
                         std::size_t m, const std::uint32_t* value, std::uint32_t* a,
                         std::uint32_t* b, RuleId* best, RuleId* floor) noexcept {
    constexpr std::uint32_t kBytes = lane_layout(kField).bytes;
    for (std::size_t j = 0; j < m; ++j) {
      const std::uint32_t i = act[j];
      const IntervalLinks& l = s.links[a[j]];
      floor[i] = l.floor > floor[i] ? l.floor : floor[i];
      const std::uint32_t start = s.keys[a[j]];
      const bool in = value[j] - start <= l.last - start;
      a[j] = l.first;
      b[j] = l.first + ((l.end - l.first) & (0u - static_cast<std::uint32_t>(in)));
      // Every line a list of up to four candidates (most lists) reads; longer lists read
      // further lines on demand.
      const std::uint8_t* list = s.lanes + std::size_t{kBytes} * l.first;
      prefetch(list);
      prefetch(list + 64);
      prefetch(list + kBytes * (b[j] - l.first) + 4);
    }
    for (std::size_t j = 0; j < m; ++j) {
      const std::uint32_t i = act[j];
      best[i] = Isa::template match_list<kField>(s.lanes + std::size_t{kBytes} * a[j], b[j] - a[j],
                                                 keys[i], best[i]);
      floor[i] = raise_floor(s, best[i], floor[i]);
    }
  }

  // The same for lists stored as rows: one row at a time, in priority order, so the first
  // match is the list's best and nothing at or after the best found so far can improve on it.
  static void row_lists(const ISetView& s, const PacketKey* keys, const std::uint32_t* act,
                        std::size_t m, std::uint32_t* a, std::uint32_t* b, RuleId* best,
                        RuleId* floor) noexcept {
    list_bounds(s, act, m, a, b, floor,
                [&](std::uint32_t first, std::uint32_t) { prefetch(s.rows + first); });
    for (std::size_t j = 0; j < m; ++j) {
      const std::uint32_t i = act[j];
      for (std::uint32_t r = a[j]; r < b[j]; ++r) {
        const RuleRow& row = s.rows[r];
        if (row.id >= best[i]) break;
        if (row_matches(row, keys[i])) {
          best[i] = row.id;
          break;
        }
      }
      floor[i] = raise_floor(s, best[i], floor[i]);
    }
  }

  /// The keys of [0, n) an index can still improve, into act; returns how many. A key skips
  /// the index when its best match so far beats every rule of the index, or every rule still
  /// to visit that can match it. An ISA with a vector version provides Isa::select.
  static std::size_t select(const RuleId* best, const RuleId* floor, RuleId index_best,
                            std::size_t n, std::uint32_t* act) noexcept {
    if constexpr (requires { Isa::select(best, floor, index_best, n, act); }) {
      return Isa::select(best, floor, index_best, n, act);
    } else {
      std::size_t m = 0;
      for (std::size_t i = 0; i < n; ++i) {
        act[m] = static_cast<std::uint32_t>(i);
        m += (best[i] > index_best) & (best[i] > floor[i]) ? 1 : 0;
      }
      return m;
    }
  }

  /// The model's links for the m keys act[0 .. m): value[j] becomes key act[j]'s field and
  /// a[j] the start of its search window: radix bucket -> segment range -> segment -> start.
  /// An ISA with a vector version provides Isa::model_starts.
  static void model_starts(const ISetView& s, const PacketKey* keys, const std::uint32_t* act,
                           std::size_t m, std::uint32_t* value, std::uint32_t* a,
                           std::uint32_t* b) noexcept {
    if constexpr (requires { Isa::model_starts(s, keys, act, m, value, a); }) {
      Isa::model_starts(s, keys, act, m, value, a);
    } else {
      for (std::size_t j = 0; j < m; ++j) {
        value[j] = field_of(keys[act[j]], s.field);
        a[j] = minus_floor0(value[j], s.first_key) >> s.shift;
        prefetch(s.radix + a[j]);
      }
      for (std::size_t j = 0; j < m; ++j) {
        const std::uint32_t lo = s.radix[a[j]];
        b[j] = s.radix[a[j] + 1];
        a[j] = lo;
        prefetch(s.segments + lo);
      }
      for (std::size_t j = 0; j < m; ++j) {
        a[j] = search_start(s, segment_between(s, a[j], b[j], value[j]), value[j]);
      }
    }
  }

  /// The first bit set in all of a key's vectors, or kNoCommonBit: field f's vector is the
  /// chunks chunk[f] + 8 * row[f][c] (c < bv.chunks, 8 words each; the last zero past
  /// bv.words). An ISA with a vector version provides Isa::first_common.
  /// With kFields != 0, bv has that many fields; with kTwoChunks, at most two chunks.
  template <std::uint32_t kFields, bool kTwoChunks>
  static std::uint32_t first_common(const BitVectorsView& bv, const std::uint16_t* const* row,
                                    const std::uint64_t* const* chunk) noexcept {
    if constexpr (requires { Isa::template first_common<kFields, kTwoChunks>(bv, row, chunk); }) {
      return Isa::template first_common<kFields, kTwoChunks>(bv, row, chunk);
    } else {
      const std::uint32_t fields = kFields != 0 ? kFields : bv.fields;
      for (std::uint32_t w = 0; w < bv.words; ++w) {
        std::uint64_t x = ~std::uint64_t{0};
        for (std::uint32_t f = 0; f < fields; ++f)
          x &= chunk[f][8 * row[f][w / 8] + w % 8];
        if (x != 0) return w * 64 + static_cast<std::uint32_t>(__builtin_ctzll(x));
      }
      return kNoCommonBit;
    }
  }

  /// Field f (a kField field, searched in kLevels levels, 0 for any number) of the bit-vector
  /// remainder for the m keys act[0 .. m): each key's interval, and at[j] where its chunk
  /// numbers start in chunk_of. The top level takes one search of up to 64 keys (up to four
  /// compares that do not wait on each other), every level below one of 16 keys from where
  /// the level above points. A value at or past the last interval's first takes the last
  /// interval and searches for 0 instead, so that no level ever counts its padding.
  /// Nothing is prefetched: the chunks are cache-resident at these sizes, and reading a key's
  /// chunk numbers here to prefetch its chunks cost more than it hid (fw1_1k, measured: a
  /// third more cycles per packet).
  template <std::uint32_t kField, std::uint32_t kLevels, std::uint32_t kTopWidth>
  static void interval_vectors(const BitVectorsView& bv, std::uint32_t f, const PacketKey* keys,
                               const std::uint32_t* act, std::size_t m,
                               std::uint32_t* at) noexcept {
    const std::uint32_t levels = kLevels != 0 ? kLevels : bv.levels[f];
    const std::uint32_t* const* level = bv.level[f];
    const std::uint32_t* top = level[levels - 1];
    const std::uint32_t top_width = kTopWidth != 0 ? kTopWidth : bv.top_width[f];
    const std::uint32_t last = bv.last[f];
    const std::uint32_t last_key = level[0][last];
    for (std::size_t j = 0; j < m; ++j) {
      const std::uint32_t v = field_of(keys[act[j]], kField);
      const bool past = v >= last_key;
      const std::uint32_t w = past ? 0u : v;
      std::uint32_t i = Isa::search(top, top_width, w);
      for (std::uint32_t k = levels - 1; k-- > 0;)
        i = 16 * i + Isa::search(level[k] + 16 * i, 16, w);
      i = past ? last : i;
      at[j] = i * bv.chunks;
    }
  }

  /// The same with the level count and the top width as constants where they are common (up
  /// to 16384 intervals), so that the compiler unrolls the levels and the top search.
  template <std::uint32_t kField>
  static void interval_vectors(const BitVectorsView& bv, std::uint32_t f, const PacketKey* keys,
                               const std::uint32_t* act, std::size_t m,
                               std::uint32_t* at) noexcept {
    auto with_top = [&]<std::uint32_t kLevels>() {
      switch (bv.top_width[f]) {
        case 16:
          return interval_vectors<kField, kLevels, 16>(bv, f, keys, act, m, at);
        case 32:
          return interval_vectors<kField, kLevels, 32>(bv, f, keys, act, m, at);
        default:
          return interval_vectors<kField, kLevels, 64>(bv, f, keys, act, m, at);
      }
    };
    switch (bv.levels[f]) {
      case 1:
        return with_top.template operator()<1>();
      case 2:
        return with_top.template operator()<2>();
      case 3:
        return with_top.template operator()<3>();
      default:
        return interval_vectors<kField, 0, 0>(bv, f, keys, act, m, at);
    }
  }

  /// The bit-vector remainder for the m keys act[0 .. m): each field's interval and vector,
  /// then the first rule set in all of a key's vectors, merged into best.
  template <std::size_t kChunk>
  static void bit_vectors(const BitVectorsView& bv, const PacketKey* keys,
                          const std::uint32_t* act, std::size_t m, RuleId* best) noexcept {
    std::uint32_t at[kNumFields][kChunk];
    for (std::uint32_t f = 0; f < bv.fields; ++f) {
      with_field(bv.field[f], [&]<std::uint32_t kField>() {
        interval_vectors<kField>(bv, f, keys, act, m, at[f]);
      });
    }
    // The field count and whether a vector is at most two chunks (1024 rules) as constants
    // where they are common, so that the merge is unrolled.
    auto merge = [&]<std::uint32_t kFields, bool kTwoChunks>() {
      for (std::size_t j = 0; j < m; ++j) {
        const std::uint16_t* row[kNumFields];
        for (std::uint32_t f = 0; f < (kFields != 0 ? kFields : bv.fields); ++f)
          row[f] = bv.chunk_of[f] + at[f][j];
        const std::uint32_t bit = first_common<kFields, kTwoChunks>(bv, row, bv.chunk_words);
        const RuleId id = bit == kNoCommonBit ? kNoMatch
                          : bv.ids == nullptr ? bit
                                              : bv.ids[bit];
        const std::uint32_t i = act[j];
        best[i] = id < best[i] ? id : best[i];
      }
    };
    const bool two = bv.chunks <= 2;
    if (bv.fields == 5 && two) return merge.template operator()<5, true>();
    if (bv.fields == 4 && two) return merge.template operator()<4, true>();
    if (bv.fields == 3 && two) return merge.template operator()<3, true>();
    return merge.template operator()<0, false>();
  }

  /// The cut-tree remainder for the m keys act[0 .. m): every key walks the tree's depth in
  /// nodes, all keys one level at a time (a key at a leaf stays there: no branch on where the
  /// leaves are), then validates its leaf's list, merged into best.
  static void cut_tree(const CutTreeView& t, const PacketKey* keys, const std::uint32_t* act,
                       std::size_t m, RuleId* best, std::uint32_t* at) noexcept {
    constexpr std::uint32_t kFanout = CutTree::kFanout;
    for (std::size_t j = 0; j < m; ++j)
      at[j] = 0;
    for (std::uint32_t d = 0; d < t.depth; ++d) {
      for (std::size_t j = 0; j < m; ++j) {
        const CutTree::Node& n = t.nodes[at[j]];
        // A leaf has no keys of its own: it searches block 0 and takes child 0, itself.
        const std::uint32_t block = n.cuts != 0 ? n.first : 0u;
        const std::uint32_t slot = Isa::search(t.keys + std::size_t{kFanout} * block, kFanout,
                                               field_at(keys[act[j]], n.field));
        at[j] = n.child + (slot < n.cuts ? slot : n.cuts);
        prefetch(t.nodes + at[j]);
      }
    }
    constexpr std::uint32_t kBytes = lane_layout(kNoIndexedField).bytes;
    for (std::size_t j = 0; j < m; ++j) {
      const std::uint8_t* list = t.lanes + std::size_t{kBytes} * t.nodes[at[j]].first;
      prefetch(list);
      prefetch(list + 64);
    }
    for (std::size_t j = 0; j < m; ++j) {
      const CutTree::Node& n = t.nodes[at[j]];
      const std::uint32_t i = act[j];
      best[i] = Isa::template match_list<kNoIndexedField>(t.lanes + std::size_t{kBytes} * n.first,
                                                          n.count, keys[i], best[i]);
    }
  }

  /// Classifies n <= kChunk keys.
  template <std::size_t kChunk>
  static void chunk(const LookupTables& t, const PacketKey* keys, RuleId* out,
                    std::size_t n) noexcept {
    // Per key i of the chunk:
    RuleId best[kChunk];
    // Below this, no rule of the structures still to visit can match the key (the largest floor
    // of the intervals it fell into): once best is at or below it, the key is finished.
    RuleId floor[kChunk];
    for (std::size_t i = 0; i < n; ++i) {
      best[i] = kNoMatch;
      floor[i] = 0;
    }
    // Per position j of the keys an index visits, act[j] (room for a vector store past m):
    std::uint32_t act[kChunk + 16];
    std::uint32_t value[kChunk];
    std::uint32_t a[kChunk];
    std::uint32_t b[kChunk];

    for (const ISetView& s : t.isets) {
      const std::size_t m = select(best, floor, s.best, n, act);
      if (m == 0) continue;
      if (s.whole) {
        for (std::size_t j = 0; j < m; ++j) {
          value[j] = field_of(keys[act[j]], s.field);
          a[j] = 0;
        }
      } else {
        model_starts(s, keys, act, m, value, a, b);
        for (std::size_t j = 0; j < m; ++j) {
          prefetch(s.keys + a[j]);
          prefetch(s.keys + a[j] + s.width - 1);
        }
      }
      // The window search: a[j] becomes the interval; `fetch` prefetches what comes next.
      auto search_link = [&](auto fetch) {
        if constexpr (requires { Isa::search_blocks(s.keys, s.blocks, 0u, 0u, 0u); }) {
          if (s.block_lanes != 0) {
            for (std::size_t j = 0; j < m; ++j) {
              const std::uint32_t slot =
                  Isa::search_blocks(s.keys, s.blocks, a[j], s.block_lanes, value[j]);
              a[j] = slot < s.n - 1 ? slot : s.n - 1;
              fetch(a[j]);
            }
            return;
          }
        }
        for (std::size_t j = 0; j < m; ++j) {
          const std::uint32_t slot = Isa::search(s.keys + a[j], s.width, value[j]) + a[j];
          a[j] = slot < s.n - 1 ? slot : s.n - 1;
          fetch(a[j]);
        }
      };
      if (s.offsets == nullptr) {  // one candidate per interval: rows[slot]
        search_link([&](std::uint32_t slot) {
          prefetch(s.rows + slot);
          prefetch(s.floors + slot);
        });
        for (std::size_t j = 0; j < m; ++j) {
          const std::uint32_t i = act[j];
          floor[i] = s.floors[a[j]] > floor[i] ? s.floors[a[j]] : floor[i];
          // No branch on the outcome: it follows the traffic, which no predictor learns.
          const RuleRow& row = s.rows[a[j]];
          const bool hit = (row.id < best[i]) & row_hits(row, keys[i]);
          best[i] = hit ? row.id : best[i];
          floor[i] = raise_floor(s, best[i], floor[i]);
        }
      } else {
        if (s.lanes != nullptr) {
          search_link([&](std::uint32_t slot) { prefetch(s.links + slot); });
          // The lanes' layout depends on the field.
          with_field(s.field, [&]<std::uint32_t kField>() {
            lane_lists<kField>(s, keys, act, m, value, a, b, best, floor);
          });
        } else {
          search_link([&](std::uint32_t slot) {
            prefetch(s.offsets + slot);
            prefetch(s.floors + slot);
          });
          row_lists(s, keys, act, m, a, b, best, floor);
        }
      }
    }
    if (t.bits != nullptr) {
      const std::size_t m = select(best, floor, t.bits->best, n, act);
      if (m != 0) bit_vectors<kChunk>(*t.bits, keys, act, m, best);
    }
    if (t.tree != nullptr) {
      const std::size_t m = select(best, floor, t.tree->best, n, act);
      if (m != 0) cut_tree(*t.tree, keys, act, m, best, a);
    }
    if (t.remainder.count != 0) {
      for (std::size_t i = 0; i < n; ++i) {
        if (best[i] > floor[i]) best[i] = tuple_space(t.remainder, keys[i], best[i]);
      }
    }
    for (std::size_t i = 0; i < n; ++i)
      out[i] = best[i];
  }

  /// Classifies all keys in chunks of `chunk` (1..kChunk).
  template <std::size_t kChunk>
  static void all(const LookupTables& t, std::span<const PacketKey> keys, std::span<RuleId> out,
                  std::size_t chunk_size) noexcept {
    if (chunk_size == 0 || chunk_size > kChunk) chunk_size = kChunk;
    for (std::size_t i = 0; i < keys.size(); i += chunk_size) {
      const std::size_t n = keys.size() - i < chunk_size ? keys.size() - i : chunk_size;
      // The next chunk's keys, while this one is classified: at 16 bytes a key, a chunk is
      // kChunk / 4 lines, which the model's first gather would otherwise wait on.
      const std::size_t ahead = keys.size() - i - n < n ? keys.size() - i - n : n;
      const auto* next = reinterpret_cast<const char*>(keys.data() + i + n);
      for (std::size_t b = 0; b < ahead * sizeof(PacketKey); b += 64)
        prefetch(next + b);
      chunk<kChunk>(t, keys.data() + i, out.data() + i, n);
    }
  }
};

/// The largest chunk the pipelines are compiled for.
inline constexpr std::size_t kMaxChunk = 128;

/// The AVX-512 pipeline searches a model of fewer segments than this in registers, loaded from
/// its segment columns, without reading the radix table or the segments (lookup_avx512.cpp).
inline constexpr std::uint32_t kRegisterSegments = RangeIndex::kColumnSegments;

/// Keys past the last real key that a search may read: the SIMD searches read whole vectors.
inline constexpr std::uint32_t kSearchOverread = 64;

}  // namespace lacl::detail
