#include "lacl/bit_vectors.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <unordered_map>

#include "lacl/detail/radix_sort.hpp"

namespace lacl {
namespace {

// FNV-1a over a chunk's words: the key of the table that stores identical chunks once.
std::uint64_t hash_words(std::span<const std::uint64_t> w) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (std::uint64_t x : w)
    h = (h ^ x) * 0x100000001B3ull;
  return h;
}

}  // namespace

std::optional<BitVectors> BitVectors::build(std::span<const detail::RuleRow> rows,
                                            std::size_t max_bytes) {
  BitVectors bv;
  const std::size_t n = rows.size();
  if (n == 0) return bv;
  constexpr std::uint32_t kEnd = 0x80000000u;  // marks an event as a range's end
  if (n >= kEnd) return std::nullopt;
  bv.rules_ = n;
  bv.words_per_vector_ = (n + 63) / 64;
  const std::size_t nchunks = bv.chunks_per_vector();
  if (rows.back().id != n - 1) {  // else bit i is rule i: nothing to store
    for (const detail::RuleRow& r : rows)
      bv.ids_.push_back(r.id);
  }
  std::size_t total = detail::bytes_of(bv.ids_);
  std::vector<std::uint64_t> cur(nchunks * kChunkWords);  // zero past the last rule's word
  // Per field, the ranges' starts and ends in order: (position, rule | kEnd).
  std::array<std::vector<std::pair<std::uint32_t, std::uint32_t>>, kNumFields> field_events;
  // Per field, its elementary intervals: one from each position an event is at, and one from
  // 0 when none is.
  std::array<std::size_t, kNumFields> intervals{};
  // First, a bound the vectors cannot come under: each interval's chunk numbers. A build
  // that cannot fit stops here, before any vector is made (fw2_10k's, over the tuner's
  // allowance, took most of its budget to find that out).
  std::size_t least = total;
  for (std::size_t fi = 0; fi < kNumFields; ++fi) {
    auto& events = field_events[fi];
    const auto f = static_cast<Field>(fi);
    for (std::uint32_t i = 0; i < n; ++i) {
      const Range r = rows[i].range(f);
      events.emplace_back(r.lo, i);
      // An end at hi + 1, which fits 32 bits: a range up to the field's last value has none.
      if (r.hi < kFieldMax[fi]) events.emplace_back(r.hi + 1, i | kEnd);
    }
    // By position alone: the events at one position are applied together, in any order (a
    // rule's start and end are never at the same position).
    auto position = [](const auto& e) { return std::uint64_t{e.first}; };
    detail::radix_sort(events, position, 32);
    intervals[fi] = events.front().first == 0 ? 1 : 2;
    for (std::size_t e = 1; e < events.size(); ++e)
      intervals[fi] += events[e].first != events[e - 1].first ? 1 : 0;
    least += intervals[fi] > 1 ? intervals[fi] * nchunks * sizeof(std::uint16_t) : 0;
  }
  if (least > max_bytes) return std::nullopt;
  for (std::size_t fi = 0; fi < kNumFields; ++fi) {
    const auto f = static_cast<Field>(fi);
    const auto& events = field_events[fi];
    // One interval: every rule covers the whole field, which then decides nothing. Kept when
    // it is the last field and none was kept, so a lookup always has a vector to start from.
    const bool whole = intervals[fi] == 1;
    if (whole && (fi + 1 < kNumFields || !bv.fields_.empty())) continue;
    FieldTable t;
    t.field = f;
    std::vector<std::uint32_t> keys;
    std::unordered_multimap<std::uint64_t, std::uint16_t> seen;  // hash -> chunk number
    std::fill(cur.begin(), cur.end(), 0);
    t.chunks.assign(kChunkWords, 0);  // chunk 0: all zeros
    seen.emplace(hash_words(std::span(cur).first(kChunkWords)), std::uint16_t{0});
    // Chunks whose words changed since the last interval recorded; the others keep their
    // numbers, so a boundary of a few rules costs a lookup of their chunks only.
    std::vector<std::uint8_t> dirty(nchunks, 1);
    // Interval `at` with the vector `cur`: each changed chunk found among the field's, or
    // added.
    auto record = [&](std::uint32_t at) {
      keys.push_back(at);
      for (std::size_t c = 0; c < nchunks; ++c) {
        if (!dirty[c]) {
          t.chunk_of.push_back(t.chunk_of[t.chunk_of.size() - nchunks]);
          continue;
        }
        dirty[c] = 0;
        const auto chunk = std::span(cur).subspan(c * kChunkWords, kChunkWords);
        const std::uint64_t h = hash_words(chunk);
        const auto [lo, hi] = seen.equal_range(h);
        auto it = std::find_if(lo, hi, [&](const auto& e) {
          return std::equal(chunk.begin(), chunk.end(), t.chunks.begin() + kChunkWords * e.second);
        });
        if (it == hi) {
          const std::size_t number = t.chunks.size() / kChunkWords;
          if (number == kMaxChunks) return false;
          t.chunks.insert(t.chunks.end(), chunk.begin(), chunk.end());
          it = seen.emplace(h, static_cast<std::uint16_t>(number));
        }
        t.chunk_of.push_back(it->second);
      }
      return total + detail::bytes_of(t.chunks) + detail::bytes_of(t.chunk_of) <= max_bytes;
    };
    std::size_t e = 0;
    // The first interval starts at 0 whether or not a rule starts there.
    while (e < events.size()) {
      const std::uint32_t at = events[e].first;
      if (at != 0 && keys.empty() && !record(0)) return std::nullopt;
      for (; e < events.size() && events[e].first == at; ++e) {
        const std::uint32_t i = events[e].second & ~kEnd;
        const std::uint64_t bit = std::uint64_t{1} << (i % 64);
        dirty[i / 64 / kChunkWords] = 1;
        if (events[e].second & kEnd) {
          cur[i / 64] &= ~bit;
        } else {
          cur[i / 64] |= bit;
        }
      }
      if (!record(at)) return std::nullopt;
    }
    t.intervals = static_cast<std::uint32_t>(keys.size());
    for (std::size_t every = 1;; every *= kFanout) {
      detail::AlignedVector<std::uint32_t> level;
      for (std::size_t j = 0; j < keys.size(); j += every)
        level.push_back(keys[j]);
      const bool top = level.size() <= kTopKeys;
      if (top) {
        t.top_width = std::clamp<std::uint32_t>(
            std::bit_ceil(static_cast<std::uint32_t>(level.size())), kFanout, kTopKeys);
      }
      level.resize(top ? kTopKeys + kFanout : level.size() + kFanout, 0xFFFFFFFFu);
      t.levels.push_back(std::move(level));
      if (top) break;
    }
    for (const auto& level : t.levels)
      total += detail::bytes_of(level);
    total += detail::bytes_of(t.chunks) + detail::bytes_of(t.chunk_of);
    if (total > max_bytes) return std::nullopt;
    bv.fields_.push_back(std::move(t));
  }
  return bv;
}

std::uint32_t BitVectors::interval_of(const FieldTable& t, std::uint32_t v) noexcept {
  const auto keys = std::span(t.levels[0]).first(t.intervals);
  return static_cast<std::uint32_t>(std::upper_bound(keys.begin(), keys.end(), v) - keys.begin() -
                                    1);
}

RuleId BitVectors::classify(const PacketKey& k, RuleId best) const noexcept {
  if (rules_ == 0) return best;
  std::array<std::uint32_t, kNumFields> at{};
  for (std::size_t f = 0; f < fields_.size(); ++f)
    at[f] = interval_of(fields_[f], k.get(fields_[f].field));
  for (std::size_t i = 0; i < words_per_vector_; ++i) {
    std::uint64_t x = ~std::uint64_t{0};
    for (std::size_t f = 0; f < fields_.size(); ++f)
      x &= fields_[f].word(at[f], chunks_per_vector(), i);
    if (x != 0) {
      const RuleId id = id_of(i * 64 + static_cast<std::size_t>(std::countr_zero(x)));
      return std::min(id, best);
    }
  }
  return best;
}

std::vector<detail::RuleRow> BitVectors::rows() const {
  // Each rule starts as a wildcard, and every looked-up field narrows it to the run of
  // intervals its bit is set in (a field no rule narrows was left out: the wildcard is its
  // range). The bits that differ between an interval's vector and the one before are the runs'
  // starts and ends, and only chunks with different numbers can hold them.
  std::vector<Rule> rules(rules_, wildcard_rule());
  const std::size_t nchunks = chunks_per_vector();
  for (const FieldTable& t : fields_) {
    const auto fi = static_cast<std::size_t>(t.field);
    const auto keys = std::span(t.levels[0]).first(t.intervals);
    for (std::size_t j = 0; j < keys.size(); ++j) {
      for (std::size_t c = 0; c < nchunks; ++c) {
        const std::size_t before = j == 0 ? 0 : t.chunk_of[(j - 1) * nchunks + c];
        const std::size_t now = t.chunk_of[j * nchunks + c];
        if (before == now) continue;
        for (std::size_t w = 0; w < kChunkWords; ++w) {
          const std::uint64_t set = t.chunks[kChunkWords * now + w];
          for (std::uint64_t x = t.chunks[kChunkWords * before + w] ^ set; x != 0; x &= x - 1) {
            const auto b = static_cast<std::size_t>(std::countr_zero(x));
            Range& range = rules[(c * kChunkWords + w) * 64 + b].field[fi];
            if ((set >> b) & 1) {
              range.lo = keys[j];
            } else {
              range.hi = keys[j] - 1;
            }
          }
        }
      }
    }
  }
  std::vector<detail::RuleRow> out;
  out.reserve(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i)
    out.push_back(detail::RuleRow::from(rules[i], id_of(i)));
  return out;
}

std::size_t BitVectors::bytes() const noexcept {
  std::size_t b = detail::bytes_of(ids_);
  for (const FieldTable& t : fields_) {
    b += detail::bytes_of(t.chunks) + detail::bytes_of(t.chunk_of);
    for (const auto& level : t.levels)
      b += detail::bytes_of(level);
  }
  return b;
}

std::size_t BitVectors::chunk_count() const noexcept {
  std::size_t c = 0;
  for (const FieldTable& t : fields_)
    c += t.chunks.size() / kChunkWords;
  return c;
}

}  // namespace lacl
