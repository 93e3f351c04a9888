// RangeIndex: an exact learned index over the sorted start points of pairwise disjoint ranges.
//
// Given keys k_0 < k_1 < ... < k_{n-1} (the `lo` of each range of an iSet), the slot of a value v
// is t(v) = max{ i : k_i <= v } (undefined, and irrelevant, when v < k_0: no range can hold v).
// The index predicts t(v) with a piecewise-linear model and returns a window of slots that is
// *proved* to contain t(v); a search inside the window then finds it.
//
// Model (after RadixSpline, Kipf et al., aiDM 2020, and the FITing-tree's shrinking cone,
// Galakatos et al., SIGMOD 2019): segments start at keys; segment s predicts
//     p(v) = min(base_{s+1} - 1, base_s + floor((v - key_s) * slope_s / 2^32))
// (clamped to the segment's own last slot: past its last key a segment's line would otherwise
// run on across the gap to the next segment, the error NuevoMatch's bound missed)
// and a radix table over the high bits of v - k_0 narrows the search for the segment
// (the last one with key_s <= v). The fitter aims for an error of at most `epsilon` at the keys.
//
// The bound is not trusted from the fitter: after fitting, every segment's error is measured
// exactly with the lookup's own arithmetic over every interval where t is constant, split at
// every segment boundary. p is monotone inside a segment, so the extreme errors of an interval
// occur at its two ends: error_below_s = max(p(end) - t), error_above_s = max(t - p(start)).
// This is the check the research prototype (NuevoMatch) got wrong by measuring once per range.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lacl/detail/aligned.hpp"

namespace lacl {

class RangeIndex {
 public:
  struct Params {
    std::uint32_t epsilon = 16;    ///< fitting target: max |p(k_i) - i| at the keys
    std::uint32_t radix_bits = 0;  ///< radix table size 2^bits; 0: see choose_radix_bits()
  };

  /// The segment model, 16 bytes so four share a cache line.
  struct Segment {
    std::uint32_t key;    ///< first key covered (a key of the index)
    std::uint32_t base;   ///< predicted slot at `key` (its true slot)
    std::uint32_t slope;  ///< slots per key unit, fixed point with 32 fractional bits
    std::uint16_t below;  ///< proved: t(v) >= p(v) - below for every v in the segment
    std::uint16_t above;  ///< proved: t(v) <= p(v) + above
  };
  static_assert(sizeof(Segment) == 16);

  /// An inclusive window of slots [lo, hi].
  struct Window {
    std::uint32_t lo;
    std::uint32_t hi;
  };

  RangeIndex() = default;

  /// Builds over strictly increasing `keys`, queried with values in [0, domain_max].
  /// Precondition: keys strictly increasing, keys.back() <= domain_max, keys non-empty.
  static RangeIndex build(std::span<const std::uint32_t> keys, std::uint32_t domain_max,
                          Params params);

  std::size_t size() const noexcept { return n_; }
  std::span<const std::uint32_t> keys() const noexcept { return std::span(keys_).first(n_); }
  /// The fixed search width W (a power of two >= every segment's below + above + 1).
  std::uint32_t search_width() const noexcept { return width_; }
  /// The segments, without the sentinel that closes the last one.
  std::span<const Segment> segments() const noexcept {
    return std::span(segments_).first(segments_.empty() ? 0 : segments_.size() - 1);
  }
  /// The segments and the sentinel {key 0xFFFFFFFF, base n}, as stored.
  std::span<const Segment> stored_segments() const noexcept { return segments_; }
  std::span<const std::uint32_t> radix_table() const noexcept { return radix_; }
  std::uint32_t domain_max() const noexcept { return domain_max_; }
  std::uint32_t radix_shift() const noexcept { return shift_; }
  /// Halvings that find the segment among any radix bucket's candidates (ceil(log2) of the
  /// most segments one bucket spans): a search with this fixed count has no data-dependent
  /// branch to mispredict.
  std::uint32_t radix_steps() const noexcept { return radix_steps_; }

  /// The radix bucket of v: segments radix_table()[b] .. radix_table()[b + 1] hold its segment.
  std::uint32_t bucket_of(std::uint32_t v) const noexcept {
    return (v >= keys_[0] ? v - keys_[0] : 0u) >> shift_;
  }

  /// The last segment in [lo, hi] whose key is <= v (lo when none is).
  std::uint32_t segment_between(std::uint32_t lo, std::uint32_t hi,
                                std::uint32_t v) const noexcept {
    while (lo < hi) {
      const std::uint32_t mid = (lo + hi + 1) / 2;
      if (segments_[mid].key <= v) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /// Index of the segment that models v: the last with key <= v (0 when v < k_0). The radix
  /// table brackets it: radix_[b] is the segment holding the first value of bucket b.
  std::uint32_t segment_of(std::uint32_t v) const noexcept {
    const std::uint32_t b = bucket_of(v);
    return segment_between(radix_[b], radix_[b + 1], v);
  }

  /// The model's predicted slot for v in segment s.
  std::uint32_t predict(std::uint32_t s, std::uint32_t v) const noexcept {
    const Segment& g = segments_[s];
    const std::uint64_t d = v >= g.key ? v - g.key : 0;
    const std::uint64_t p = g.base + ((d * g.slope) >> 32);
    const std::uint64_t last = segments_[s + 1].base - 1;
    return static_cast<std::uint32_t>(p < last ? p : last);
  }

  /// The proved window of v, given the segment that models it.
  Window window_in(std::uint32_t s, std::uint32_t v) const noexcept {
    const std::uint32_t p = predict(s, v);
    const Segment& g = segments_[s];
    const std::uint32_t last = n_ - 1;
    return {p >= g.below ? p - g.below : 0u, p + g.above < last ? p + g.above : last};
  }

  /// Where the fixed-width search for v starts, given v's segment: the window is
  /// [start, start + W - 1], which holds [p - below, p + above].
  std::uint32_t search_start(std::uint32_t s, std::uint32_t v) const noexcept {
    const std::uint32_t p = predict(s, v);
    const std::uint32_t below = segments_[s].below;
    return p >= below ? p - below : 0u;
  }

  /// The last slot in [start, start + W - 1] whose key is <= v (start when none is), capped at
  /// n - 1. A fixed number of branch-free halvings: keys_ is padded with W - 1 copies of the
  /// last key, so the probes never leave the array and the padding is never <= v unless the
  /// last key is, when n - 1 is the answer.
  std::uint32_t search_from(std::uint32_t start, std::uint32_t v) const noexcept {
    std::uint32_t base = start;
    for (std::uint32_t half = width_ / 2; half > 0; half /= 2) {
      base = keys_[base + half] <= v ? base + half : base;
    }
    return base < n_ - 1 ? base : n_ - 1;
  }

  /// The slot holding v, found exactly (a binary search, not the model): the last key <= v, or
  /// 0 when v < k_0, as the lookup takes it.
  std::uint32_t slot_of(std::uint32_t v) const noexcept {
    const auto ks = keys();
    const auto it = std::upper_bound(ks.begin(), ks.end(), v);
    return it == ks.begin() ? 0u : static_cast<std::uint32_t>(it - ks.begin() - 1);
  }

  /// A window proved to contain t(v) whenever v >= k_0.
  Window window(std::uint32_t v) const noexcept { return window_in(segment_of(v), v); }

  /// t(v) when v >= k_0; an arbitrary slot (whose range cannot hold v) otherwise.
  std::uint32_t find(std::uint32_t v) const noexcept {
    const std::uint32_t s = segment_of(v);
    return search_from(search_start(s, v), v);
  }

  /// The largest proved error of any segment, below + above + 1 = the widest window.
  std::uint32_t max_window() const noexcept { return window_; }
  /// Keys per block of the two-level search (see block_keys).
  static constexpr std::uint32_t kBlock = 16;
  /// The widest window the two-level search takes: one vector of kBlock block keys spans the
  /// blocks of any window this wide, wherever in a block it starts.
  static constexpr std::uint32_t kTwoLevelMaxWindow = (kBlock - 1) * kBlock;
  /// The first key of every kBlock-key block of the padded keys, then kBlock more copies of the
  /// last key: one vector compare against a few of them finds the block that holds a value's
  /// slot, and one more inside that block finds the slot, however wide the window.
  std::span<const std::uint32_t> block_keys() const noexcept { return blocks_; }
  /// Models of fewer segments than this have segment_columns().
  static constexpr std::uint32_t kColumnSegments = 64;
  /// For a model of 2 to kColumnSegments - 1 segments, each segment field (key, base, slope,
  /// below | above << 16) of every segment and the sentinel as a column, zero-padded to a
  /// multiple of 16 entries (column f starts at f * size() / 4), so that a vector lookup can
  /// hold the whole model in registers; empty otherwise. Derived, never stored.
  std::span<const std::uint32_t> segment_columns() const noexcept { return columns_; }
  /// Mean window width over the segments, weighted by the keys they hold.
  double mean_window() const noexcept;
  /// Bytes of keys, block keys, segments, segment columns and radix table.
  std::size_t bytes() const noexcept;

  /// Re-measures every segment's error exactly (as build does) and returns true when every
  /// stored bound is at least the measured one. Used by tests and by the artifact loader.
  bool verify_bounds() const;

  /// Rebuilds an index from stored parts (the artifact loader). Returns false when the parts
  /// are inconsistent (sizes, ordering, radix table, segment starts); bounds are then verified.
  static bool assemble(RangeIndex& out, detail::AlignedVector<std::uint32_t> keys,
                       detail::AlignedVector<Segment> segments,
                       detail::AlignedVector<std::uint32_t> radix, std::uint32_t shift,
                       std::uint32_t domain_max);

 private:
  struct Errors {
    std::uint32_t below = 0;
    std::uint32_t above = 0;
  };
  /// Exact per-segment errors of the stored model, measured with predict() and segment_of().
  /// Returns false if a segment lookup disagrees with the segment layout (corrupt index).
  bool measure(std::span<Errors> out) const;
  void build_radix(std::uint32_t bits);
  std::uint32_t choose_radix_bits() const;
  /// Sets the widest window and the search width from the proved bounds, pads keys_ for the
  /// fixed-width search and derives the block keys and the segment columns.
  void finish();

  detail::AlignedVector<std::uint32_t> keys_;  ///< n_ keys, then width_ - 1 copies of the last
  detail::AlignedVector<std::uint32_t> blocks_;  ///< see block_keys()
  detail::AlignedVector<std::uint32_t> columns_;  ///< see segment_columns()
  std::uint32_t n_ = 0;
  std::uint32_t width_ = 1;
  std::uint32_t window_ = 0;  ///< max_window()
  detail::AlignedVector<Segment> segments_;     ///< fitted segments, then a sentinel
  detail::AlignedVector<std::uint32_t> radix_;  ///< 2^bits + 1 entries (bucket -> first segment)
  std::uint32_t shift_ = 0;
  std::uint32_t radix_steps_ = 0;
  std::uint32_t domain_max_ = 0;
};

}  // namespace lacl
