#include "lacl/range_index.hpp"

#include "lacl/detail/lookup_pipeline.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace lacl {
namespace {

// The fitter never aims above this, which keeps every proved error (at most epsilon + 2, see
// measure()) far inside the 16-bit fields of a segment.
constexpr std::uint32_t kMaxEpsilon = 4096;

// A slope bound as the fraction num / den (den > 0), compared exactly by cross-multiplication
// in 128 bits (|num| < 2^33, den < 2^32).
__extension__ using Int128 = __int128;
struct Fraction {
  std::int64_t num;
  std::int64_t den;
};
bool less(const Fraction& a, const Fraction& b) {
  return static_cast<Int128>(a.num) * b.den < static_cast<Int128>(b.num) * a.den;
}

}  // namespace

RangeIndex RangeIndex::build(std::span<const std::uint32_t> keys, std::uint32_t domain_max,
                             Params params) {
  if (keys.empty()) throw std::invalid_argument("RangeIndex needs at least one key");
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i - 1] >= keys[i])
      throw std::invalid_argument("RangeIndex keys must increase strictly");
  }
  if (keys.back() > domain_max) throw std::invalid_argument("RangeIndex key above its domain");
  const std::int64_t eps = std::min(std::max<std::uint32_t>(params.epsilon, 1), kMaxEpsilon);

  RangeIndex idx;
  idx.keys_.assign(keys.begin(), keys.end());
  idx.n_ = static_cast<std::uint32_t>(keys.size());
  idx.domain_max_ = domain_max;

  // Shrinking cone: a segment is anchored at its first key (k_a, a); a later key (k_j, j) stays in
  // it while some slope puts every key of the segment within eps of its slot. The cone of such
  // slopes is [lower, upper], narrowed by each key: slope in [(j - a - eps)/dx, (j - a + eps)/dx].
  const std::size_t n = keys.size();
  std::size_t a = 0;
  while (a < n) {
    Fraction lower{0, 1};
    Fraction upper{1, 0};  // +infinity
    bool unbounded = true;
    std::size_t j = a + 1;
    for (; j < n; ++j) {
      const std::int64_t dx = static_cast<std::int64_t>(keys[j]) - keys[a];
      const std::int64_t dy = static_cast<std::int64_t>(j - a);
      const Fraction lo{dy - eps, dx};
      const Fraction hi{dy + eps, dx};
      const Fraction new_lower = less(lower, lo) ? lo : lower;
      const Fraction new_upper = unbounded || less(hi, upper) ? hi : upper;
      if (less(new_upper, new_lower)) break;
      lower = new_lower;
      upper = new_upper;
      unbounded = false;
    }
    double slope = 0.0;
    if (!unbounded) {
      slope = (static_cast<double>(std::max<std::int64_t>(lower.num, 0)) /
                   static_cast<double>(lower.den) +
               static_cast<double>(upper.num) / static_cast<double>(upper.den)) /
              2.0;
    }
    // Fixed point with 32 fractional bits; slopes of 1 or more (consecutive keys) are clamped
    // just below 1. The measured bound below absorbs any rounding.
    const double fixed = std::ldexp(slope, 32);
    const std::uint32_t slope_fp =
        fixed >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(std::max(0.0, fixed));
    idx.segments_.push_back(Segment{keys[a], static_cast<std::uint32_t>(a), slope_fp, 0, 0});
    a = j;
  }

  const std::uint32_t nseg = static_cast<std::uint32_t>(idx.segments_.size());
  idx.segments_.push_back(Segment{0xFFFFFFFFu, static_cast<std::uint32_t>(n), 0, 0, 0});
  idx.build_radix(params.radix_bits != 0 ? params.radix_bits : idx.choose_radix_bits());

  std::vector<Errors> errors(nseg);
  if (!idx.measure(errors)) throw std::logic_error("RangeIndex: segment lookup is inconsistent");
  for (std::size_t s = 0; s < errors.size(); ++s) {
    if (errors[s].below > 0xFFFF || errors[s].above > 0xFFFF) {
      throw std::logic_error("RangeIndex: proved error exceeds 16 bits");
    }
    idx.segments_[s].below = static_cast<std::uint16_t>(errors[s].below);
    idx.segments_[s].above = static_cast<std::uint16_t>(errors[s].above);
  }
  idx.finish();
  return idx;
}

void RangeIndex::finish() {
  window_ = 0;
  for (const Segment& g : segments())
    window_ = std::max<std::uint32_t>(window_, g.below + g.above + 1u);
  width_ = std::bit_ceil(window_);
  keys_.resize(n_);
  keys_.resize(std::size_t{n_} + width_ + detail::kSearchOverread, keys_[n_ - 1]);
  blocks_.clear();
  for (std::size_t i = 0; i < keys_.size(); i += kBlock)
    blocks_.push_back(keys_[i]);
  blocks_.resize(blocks_.size() + kBlock, keys_[n_ - 1]);
  columns_.clear();
  const std::size_t stored = segments_.size();  // with the sentinel
  if (stored > 2 && stored <= kColumnSegments) {
    const std::size_t rows = (stored + 15) / 16 * 16;
    columns_.assign(4 * rows, 0);
    for (std::size_t s = 0; s < stored; ++s) {
      const Segment& g = segments_[s];
      columns_[s] = g.key;
      columns_[rows + s] = g.base;
      columns_[2 * rows + s] = g.slope;
      columns_[3 * rows + s] = g.below | std::uint32_t{g.above} << 16;
    }
  }
}

std::uint32_t RangeIndex::choose_radix_bits() const {
  // Each halving of the segment search inside a bucket is a dependent load; a finer table
  // needs fewer (radix_steps). Take the fewest bits (from ~4 buckets per segment) at which no
  // bucket starts more than two segments, within 64 buckets per segment.
  const std::uint32_t nseg = static_cast<std::uint32_t>(segments_.size() - 1);
  const std::uint32_t span = domain_max_ - keys_[0];
  const std::uint32_t width = static_cast<std::uint32_t>(std::bit_width(span));
  const std::uint32_t first =
      std::min<std::uint32_t>(static_cast<std::uint32_t>(std::bit_width(nseg)) + 2, width);
  const std::uint32_t last = std::min<std::uint32_t>({first + 4, width, 24});
  for (std::uint32_t bits = first; bits < last; ++bits) {
    const std::uint32_t shift = width > bits ? width - bits : 0;
    std::uint32_t run = 0;
    std::uint32_t worst = 0;
    for (std::uint32_t s = 1; s < nseg; ++s) {
      const bool same =
          ((segments_[s].key - keys_[0]) >> shift) == ((segments_[s - 1].key - keys_[0]) >> shift);
      run = same ? run + 1 : 0;
      worst = std::max(worst, run);
    }
    if (worst < 2) return bits;
  }
  return last;
}

void RangeIndex::build_radix(std::uint32_t bits) {
  const std::uint32_t span = domain_max_ - keys_[0];
  const std::uint32_t width = static_cast<std::uint32_t>(std::bit_width(span));
  shift_ = width > bits ? width - bits : 0;
  const std::uint64_t buckets = (std::uint64_t{span} >> shift_) + 1;
  radix_.assign(buckets + 1, 0);
  // radix_[b] = the segment holding the first value of bucket b: the last with key <= start(b).
  std::uint32_t s = 0;
  const std::uint32_t nseg = static_cast<std::uint32_t>(segments_.size() - 1);
  for (std::uint64_t b = 0; b < buckets; ++b) {
    const std::uint64_t start = keys_[0] + (b << shift_);
    while (s + 1 < nseg && segments_[s + 1].key <= start)
      ++s;
    radix_[b] = s;
  }
  radix_[buckets] = nseg - 1;
  std::uint32_t most = 1;  // segments radix_[b] .. radix_[b + 1] of one bucket
  for (std::uint64_t b = 0; b < buckets; ++b)
    most = std::max(most, radix_[b + 1] - radix_[b] + 1);
  radix_steps_ = static_cast<std::uint32_t>(std::bit_width(most - 1));
}

bool RangeIndex::measure(std::span<Errors> out) const {
  // Walk every maximal interval on which t is constant, cut at segment boundaries: slot j holds
  // [k_j, k_{j+1} - 1] (the last slot up to domain_max). Segments start at keys, so each such
  // interval lies in one segment and p is monotone on it: its ends give the extreme errors.
  const std::size_t n = n_;
  const std::size_t nseg = segments_.size() - 1;
  std::size_t s = 0;
  for (std::size_t j = 0; j < n; ++j) {
    while (s + 1 < nseg && segments_[s + 1].key <= keys_[j])
      ++s;
    const std::uint32_t start = keys_[j];
    const std::uint32_t end = j + 1 < n ? keys_[j + 1] - 1 : domain_max_;
    for (std::uint32_t v : {start, end}) {
      const std::uint32_t seg = segment_of(v);
      if (seg != s) return false;
      const std::int64_t p = predict(seg, v);
      const std::int64_t t = static_cast<std::int64_t>(j);
      out[s].below = std::max<std::uint32_t>(
          out[s].below, static_cast<std::uint32_t>(std::max<std::int64_t>(p - t, 0)));
      out[s].above = std::max<std::uint32_t>(
          out[s].above, static_cast<std::uint32_t>(std::max<std::int64_t>(t - p, 0)));
    }
  }
  return true;
}

bool RangeIndex::verify_bounds() const {
  std::vector<Errors> errors(segments_.size() - 1);
  if (!measure(errors)) return false;
  for (std::size_t s = 0; s < errors.size(); ++s) {
    if (segments_[s].below < errors[s].below || segments_[s].above < errors[s].above) return false;
  }
  return true;
}

bool RangeIndex::assemble(RangeIndex& out, detail::AlignedVector<std::uint32_t> keys,
                          detail::AlignedVector<Segment> segments,
                          detail::AlignedVector<std::uint32_t> radix, std::uint32_t shift,
                          std::uint32_t domain_max) {
  if (keys.empty() || segments.size() < 2 || segments.size() > keys.size() + 1 || shift >= 32)
    return false;
  const Segment& sentinel = segments.back();
  if (sentinel.key != 0xFFFFFFFFu || sentinel.base != keys.size() || sentinel.slope != 0)
    return false;
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i - 1] >= keys[i]) return false;
  }
  if (keys.back() > domain_max) return false;
  // Segments start at keys, in order, the first at k_0, each with its true slot as base.
  std::size_t j = 0;
  for (std::size_t s = 0; s + 1 < segments.size(); ++s) {
    while (j < keys.size() && keys[j] < segments[s].key)
      ++j;
    if (j == keys.size() || keys[j] != segments[s].key || segments[s].base != j) return false;
    if (s == 0 && j != 0) return false;
    ++j;
  }
  const std::uint32_t span = domain_max - keys[0];
  if (shift > static_cast<std::uint32_t>(std::bit_width(span))) return false;
  const std::uint64_t buckets = (shift >= 32 ? 0 : (std::uint64_t{span} >> shift)) + 1;
  if (radix.size() != buckets + 1) return false;
  RangeIndex idx;
  idx.n_ = static_cast<std::uint32_t>(keys.size());
  idx.keys_ = std::move(keys);
  idx.segments_ = std::move(segments);
  idx.shift_ = shift;
  idx.domain_max_ = domain_max;
  idx.build_radix(static_cast<std::uint32_t>(std::bit_width(span)) - shift);
  if (radix.size() != idx.radix_.size() ||
      !std::equal(radix.begin(), radix.end(), idx.radix_.begin())) {
    return false;
  }
  if (!idx.verify_bounds()) return false;
  idx.finish();
  out = std::move(idx);
  return true;
}

double RangeIndex::mean_window() const noexcept {
  if (n_ == 0) return 0.0;
  double sum = 0.0;
  for (std::size_t s = 0; s + 1 < segments_.size(); ++s) {
    const std::size_t end = segments_[s + 1].base;
    sum += static_cast<double>(end - segments_[s].base) *
           (segments_[s].below + segments_[s].above + 1.0);
  }
  return sum / static_cast<double>(n_);
}

std::size_t RangeIndex::bytes() const noexcept {
  return detail::bytes_of(keys_) + detail::bytes_of(blocks_) + detail::bytes_of(segments_) +
         detail::bytes_of(columns_) + detail::bytes_of(radix_);
}

}  // namespace lacl
