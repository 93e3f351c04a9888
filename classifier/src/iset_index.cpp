// ISetIndex: the candidate lists' two layouts (rows without offsets, lanes with them).
#include <algorithm>
#include <iterator>
#include <numeric>

#include "lacl/classifier.hpp"
#include "lacl/detail/candidate_lanes.hpp"

namespace lacl {

void ISetIndex::use_lanes(bool on) {
  if (offsets.empty() || on == !lanes.empty()) return;
  if (on) {
    lanes = detail::pack_lanes(offsets, rows);
    rows = {};
  } else {
    const std::vector<detail::RuleRow> all = candidate_rows();
    rows.assign(all.begin(), all.end());
    lanes = {};
  }
}

std::vector<detail::RuleRow> ISetIndex::candidate_rows() const {
  if (offsets.empty() || !rows.empty()) return {rows.begin(), rows.end()};
  std::vector<detail::RuleRow> out;
  out.reserve(offsets.back());
  for (std::size_t j = 0; j + 1 < offsets.size(); ++j) {
    const std::uint32_t c = offsets[j + 1] - offsets[j];
    const std::uint8_t* list = lanes.data() + std::size_t{detail::kLaneBytes} * offsets[j];
    for (std::uint32_t i = 0; i < c; ++i)
      out.push_back(detail::lane_row(list, c, i));
  }
  return out;
}

std::size_t ISetIndex::candidate_count() const noexcept {
  return offsets.empty() ? rows.size() : offsets.back();
}

std::size_t ISetIndex::bytes() const noexcept {
  return index.bytes() + detail::bytes_of(offsets) + detail::bytes_of(rows) +
         detail::bytes_of(lanes) + detail::bytes_of(floors);
}

void link_floors(std::span<ISetIndex> isets, const TupleSpace& remainder) {
  // Walking the indexes backwards, `later` holds the rows of everything after index k, sorted
  // by id: each interval takes the first (smallest) id that meets it, and a skip list over the
  // intervals not yet taken keeps that linear in rows plus intervals.
  std::vector<detail::RuleRow> later(remainder.rows().begin(), remainder.rows().end());
  auto by_id = [](const detail::RuleRow& a, const detail::RuleRow& b) { return a.id < b.id; };
  std::sort(later.begin(), later.end(), by_id);
  std::vector<std::uint32_t> next;
  for (std::size_t k = isets.size(); k-- > 0;) {
    ISetIndex& s = isets[k];
    const auto n = static_cast<std::uint32_t>(s.index.size());
    s.floors.assign(n, kNoMatch);
    next.resize(n + 1);
    std::iota(next.begin(), next.end(), 0u);
    auto untaken = [&](std::uint32_t j) {  // the first interval >= j not yet taken
      while (next[j] != j) {
        next[j] = next[next[j]];
        j = next[j];
      }
      return j;
    };
    for (const detail::RuleRow& r : later) {
      const auto [lo, hi] = r.range(s.field);
      const std::uint32_t last = s.index.slot_of(hi);
      for (std::uint32_t j = untaken(s.index.slot_of(lo)); j <= last; j = untaken(j + 1)) {
        s.floors[j] = r.id;
        next[j] = j + 1;
      }
    }
    if (k == 0) break;  // nothing comes before the first index
    std::vector<detail::RuleRow> mine = s.candidate_rows();
    std::sort(mine.begin(), mine.end(), by_id);
    std::vector<detail::RuleRow> both;  // not inplace_merge: its buffer ignores alignas(32)
    both.reserve(later.size() + mine.size());
    std::merge(later.begin(), later.end(), mine.begin(), mine.end(), std::back_inserter(both),
               by_id);
    later = std::move(both);
  }
}

}  // namespace lacl
