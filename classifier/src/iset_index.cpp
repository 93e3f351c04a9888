// ISetIndex: the candidate lists' two layouts (rows without offsets, lanes with them).
#include <algorithm>
#include <iterator>
#include <numeric>

#include "lacl/classifier.hpp"
#include "lacl/detail/candidate_lanes.hpp"
#include "lacl/detail/final_rules.hpp"
#include "lacl/detail/radix_sort.hpp"

namespace lacl {

namespace {

// Rows the search for final rules may look at for one row before it calls that row's rule not
// final (see detail::final_rules): a bound on the compile's cost, n * 1024 at worst. The
// ClassBench sets need at most a few hundred for all but a few rules, and their traces ran as
// fast with 1024 as with no bound (fw5_10k: 6717 final rules of 6790 that are).
constexpr std::int64_t kFinalRulesBudget = 1024;

// The lanes' interval links (ISetIndex::links) of `s`'s row lists, checking what leaving the
// field out of the lanes relies on, and that candidate_rows can rebuild the field's ranges:
// each rule is listed in a run of intervals, from the one starting at its range's low end to
// the one ending at its high end; an interval ends either where the next starts or where all
// its candidates end (a gap follows, which none covers). False when the lists are not so.
bool interval_links(const ISetIndex& s, detail::AlignedVector<detail::IntervalLinks>& links) {
  const auto keys = s.index.keys();
  const std::size_t n = keys.size();
  if (s.offsets.size() != n + 1) return false;
  links.assign(n, {});
  auto list = [&](std::size_t j) {
    return std::span(s.rows).subspan(s.offsets[j], s.offsets[j + 1] - s.offsets[j]);
  };
  // Whether the id-sorted list `l` holds rule `id`.
  auto holds = [](std::span<const detail::RuleRow> l, RuleId id) {
    const auto at = std::partition_point(
        l.begin(), l.end(), [id](const detail::RuleRow& r) { return r.id < id; });
    return at != l.end() && at->id == id;
  };
  for (std::size_t j = 0; j < n; ++j) {
    const std::uint32_t last = j + 1 < n ? keys[j + 1] - 1 : kFieldMax[static_cast<int>(s.field)];
    std::uint32_t end = last;
    bool through = false;  // a candidate runs on to the next interval's first value
    bool within = false;   // a candidate ends before it (at `end`)
    for (const detail::RuleRow& r : list(j)) {
      const Range range = r.range(s.field);
      if (range.hi >= last) {
        through = true;
      } else if (within && range.hi != end) {
        return false;
      } else {
        within = true;
        end = range.hi;
      }
    }
    if ((through && within) || end < keys[j]) return false;
    links[j] = {s.offsets[j], s.offsets[j + 1], s.floors.empty() ? kNoMatch : s.floors[j], end};
    for (const detail::RuleRow& r : list(j)) {
      const Range range = r.range(s.field);
      const bool from_before = j > 0 && holds(list(j - 1), r.id);
      const bool on_after = j + 1 < n && holds(list(j + 1), r.id);
      if (from_before ? range.lo > keys[j] : range.lo != keys[j]) return false;
      if (!on_after && range.hi != end) return false;
    }
  }
  return true;
}

}  // namespace

bool ISetIndex::use_lanes(bool on) {
  if (offsets.empty() || on == !lanes.empty()) return true;
  if (on) {
    detail::AlignedVector<detail::IntervalLinks> l;
    if (!interval_links(*this, l)) return false;
    lanes = detail::pack_lanes(offsets, rows, field);
    wide_lists = false;
    for (std::size_t j = 0; j + 1 < offsets.size(); ++j)
      wide_lists = wide_lists || offsets[j + 1] - offsets[j] > 16;
    links = std::move(l);
    rows = {};
    floors = {};
  } else {
    const std::vector<detail::RuleRow> all = candidate_rows();
    rows.assign(all.begin(), all.end());
    floors.resize(links.size());
    for (std::size_t j = 0; j < links.size(); ++j)
      floors[j] = links[j].floor;
    lanes = {};
    links = {};
    wide_lists = false;
  }
  return true;
}

std::vector<detail::RuleRow> ISetIndex::candidate_rows() const {
  if (offsets.empty() || !rows.empty()) return {rows.begin(), rows.end()};
  // The lanes leave this field out: each rule's range on it runs from the first value of the
  // first interval listing it to the last value of the last (see interval_links).
  const detail::LaneLayout layout = detail::lane_layout(static_cast<std::uint32_t>(field));
  const auto keys = index.keys();
  auto list_at = [&](std::size_t j) {
    return lanes.data() + std::size_t{layout.bytes} * offsets[j];
  };
  auto id_at = [&](std::size_t j, std::uint32_t i) {
    return detail::lane_load<RuleId>(list_at(j), offsets[j + 1] - offsets[j], layout.at[detail::kId], i);
  };
  RuleId top = 0;
  for (std::size_t j = 0; j + 1 < offsets.size(); ++j)
    for (std::uint32_t i = 0; i < offsets[j + 1] - offsets[j]; ++i)
      top = std::max(top, id_at(j, i));
  std::vector<Range> range(std::size_t{top} + 1, Range{1, 0});  // lo > hi: not seen yet
  for (std::size_t j = 0; j + 1 < offsets.size(); ++j) {
    for (std::uint32_t i = 0; i < offsets[j + 1] - offsets[j]; ++i) {
      Range& r = range[id_at(j, i)];
      if (r.lo > r.hi) r.lo = keys[j];
      r.hi = links[j].last;
    }
  }
  std::vector<detail::RuleRow> out;
  out.reserve(offsets.back());
  for (std::size_t j = 0; j + 1 < offsets.size(); ++j) {
    const std::uint32_t c = offsets[j + 1] - offsets[j];
    for (std::uint32_t i = 0; i < c; ++i)
      out.push_back(detail::lane_row(list_at(j), c, i, field, range[id_at(j, i)]));
  }
  return out;
}

std::size_t ISetIndex::candidate_count() const noexcept {
  return offsets.empty() ? rows.size() : offsets.back();
}

std::size_t ISetIndex::bytes() const noexcept {
  return index.bytes() + detail::bytes_of(offsets) + detail::bytes_of(rows) +
         detail::bytes_of(lanes) + detail::bytes_of(links) + detail::bytes_of(floors);
}

void link_floors(std::span<ISetIndex> isets, std::span<const detail::RuleRow> remainder) {
  // Walking the indexes backwards, `later` holds the rows of everything after index k, sorted
  // by id: each interval takes the first (smallest) id that meets it, and a skip list over the
  // intervals not yet taken keeps that linear in rows plus intervals.
  std::vector<detail::RuleRow> later(remainder.begin(), remainder.end());
  auto by_id = [](const detail::RuleRow& a, const detail::RuleRow& b) { return a.id < b.id; };
  auto id_of = [](const detail::RuleRow& r) { return std::uint64_t{r.id}; };
  detail::radix_sort(later, id_of, 32);
  std::vector<std::uint32_t> next;
  for (std::size_t k = isets.size(); k-- > 0;) {
    ISetIndex& s = isets[k];
    const auto n = static_cast<std::uint32_t>(s.index.size());
    // With lanes the floors are in the links, otherwise in their own array.
    std::vector<RuleId> floors(n, kNoMatch);
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
        floors[j] = r.id;
        next[j] = j + 1;
      }
    }
    if (s.links.empty()) {
      s.floors.assign(floors.begin(), floors.end());
    } else {
      for (std::uint32_t j = 0; j < n; ++j)
        s.links[j].floor = floors[j];
    }
    if (k == 0) break;  // nothing comes before the first index
    std::vector<detail::RuleRow> mine = s.candidate_rows();
    detail::radix_sort(mine, id_of, 32);
    std::vector<detail::RuleRow> both;  // not inplace_merge: its buffer ignores alignas(32)
    both.reserve(later.size() + mine.size());
    std::merge(later.begin(), later.end(), mine.begin(), mine.end(), std::back_inserter(both),
               by_id);
    later = std::move(both);
  }
}

std::vector<std::uint64_t> final_rules(std::span<const ISetIndex> isets,
                                       std::span<const detail::RuleRow> remainder) {
  if (isets.empty()) return {};
  // Every structure's rows, in lookup order: the indexes, then the remainder.
  std::vector<detail::RuleRow> all;
  std::vector<std::uint32_t> structure_of;
  for (std::size_t k = 0; k <= isets.size(); ++k) {
    if (k < isets.size()) {
      const std::vector<detail::RuleRow> mine = isets[k].candidate_rows();
      all.insert(all.end(), mine.begin(), mine.end());
    } else {
      all.insert(all.end(), remainder.begin(), remainder.end());
    }
    structure_of.resize(all.size(), static_cast<std::uint32_t>(k));
  }
  return detail::final_rules(all, structure_of, static_cast<std::uint32_t>(isets.size() + 1),
                             kFinalRulesBudget);
}

}  // namespace lacl
