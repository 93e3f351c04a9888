// Field indexes: a partition's iSets of one field merged into one learned index over their
// elementary intervals (see ISetIndex).
#include "field_indexes.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "lacl/detail/radix_sort.hpp"

namespace lacl::detail {
namespace {

// The model over `keys` (see ModelFit).
RangeIndex fit_model(std::span<const std::uint32_t> keys, std::uint32_t domain_max, ModelFit fit) {
  RangeIndex fine = RangeIndex::build(keys, domain_max, RangeIndex::Params{fit.epsilon, 0});
  if (fit.fewer_segments_than == 0 || fine.segments().size() < fit.fewer_segments_than)
    return fine;
  for (std::uint32_t eps = 2 * fit.epsilon; eps <= RangeIndex::kTwoLevelMaxWindow; eps *= 2) {
    RangeIndex coarser = RangeIndex::build(keys, domain_max, RangeIndex::Params{eps, 0});
    if (coarser.max_window() > RangeIndex::kTwoLevelMaxWindow) break;
    if (coarser.segments().size() < fit.fewer_segments_than) return coarser;
  }
  return fine;
}

// Merges the iSets `layers` (all on field f) into one index over their elementary intervals.
// A sweep over the sorted range boundaries keeps the set of ranges covering the current
// interval; since each iSet's ranges are disjoint it never holds more than one rule per iSet.
ISetIndex build_field_index(std::span<const Rule> rules, Field f,
                            std::span<const ISetSpec* const> layers, ModelFit fit) {
  const auto fi = static_cast<std::size_t>(f);
  // Where coverage starts (lo) and ends (hi + 1) for each rule, as (position << 32 | rule id),
  // sorted by position.
  std::vector<std::uint64_t> starts;
  std::vector<std::uint64_t> ends;
  ISetIndex s;
  s.field = f;
  s.isets = static_cast<std::uint32_t>(layers.size());
  for (const ISetSpec* layer : layers) {
    s.rules += static_cast<std::uint32_t>(layer->rules.size());
    for (RuleId id : layer->rules) {
      const Range& r = rules[id].field[fi];
      starts.push_back(std::uint64_t{r.lo} << 32 | id);
      if (r.hi < kFieldMax[fi]) ends.push_back((std::uint64_t{r.hi} + 1) << 32 | id);
    }
  }
  // By position alone: the events at one position are applied together, and `active` keeps
  // its own order.
  auto position = [](std::uint64_t e) { return e >> 32; };
  radix_sort(starts, position, 32);
  radix_sort(ends, position, 32);
  struct Event {
    std::uint64_t at;
    RuleId id;
    bool start;
  };
  std::vector<Event> events;
  events.reserve(starts.size() + ends.size());
  for (std::size_t i = 0, j = 0; i < starts.size() || j < ends.size();) {
    const bool take_start =
        j == ends.size() || (i < starts.size() && (starts[i] >> 32) <= (ends[j] >> 32));
    const std::uint64_t e = take_start ? starts[i++] : ends[j++];
    events.push_back({e >> 32, static_cast<RuleId>(e & 0xFFFFFFFFu), take_start});
  }

  std::vector<std::uint32_t> keys;
  std::vector<RuleId> active;  // sorted by id: the candidates of the current interval
  for (std::size_t i = 0; i < events.size();) {
    const std::uint64_t at = events[i].at;
    for (; i < events.size() && events[i].at == at; ++i) {
      const Event& e = events[i];
      auto pos = std::lower_bound(active.begin(), active.end(), e.id);
      if (e.start) {
        active.insert(pos, e.id);
      } else {
        active.erase(pos);
      }
    }
    // An interval no range covers is left out: its values fall to the interval before, whose
    // candidates all fail on this field, which is the right answer at half the keys.
    if (active.empty()) continue;
    keys.push_back(static_cast<std::uint32_t>(at));
    s.offsets.push_back(static_cast<std::uint32_t>(s.rows.size()));
    for (RuleId id : active)
      s.rows.push_back(detail::RuleRow::from(rules[id], id));
  }
  s.offsets.push_back(static_cast<std::uint32_t>(s.rows.size()));
  for (const detail::RuleRow& row : s.rows)
    s.best = std::min(s.best, row.id);
  // One candidate per interval (a single iSet, or iSets that split nothing): interval j's
  // candidate is row j, and the offsets are left out of memory and of the lookup.
  if (s.rows.size() == keys.size()) s.offsets.clear();
  s.index = fit_model(keys, kFieldMax[fi], fit);
  return s;
}

// Coverage changes of a set of ranges on one field, sorted: (where, +1 start / -1 end).
using Events = std::vector<std::pair<std::uint64_t, int>>;

// An iSet's ranges are disjoint and sorted by lo, so its events come out sorted by position
// (an end and the next start may share one; their order does not matter to the count).
Events events_of(std::span<const Rule> rules, std::size_t f, const ISetSpec& layer) {
  Events ev;
  ev.reserve(layer.rules.size() * 2);
  for (RuleId id : layer.rules) {
    const Range& r = rules[id].field[f];
    ev.emplace_back(r.lo, 1);
    if (r.hi < kFieldMax[f]) ev.emplace_back(std::uint64_t{r.hi} + 1, -1);
  }
  return ev;
}

// Candidate rows a merged index over `ev` holds: each range counts once per (non-empty)
// elementary interval it spans, so wide ranges among narrow ones are what it measures.
std::size_t count_candidates(const Events& ev) {
  std::size_t total = 0;
  std::int64_t active = 0;
  for (std::size_t i = 0; i < ev.size();) {
    const std::uint64_t at = ev[i].first;
    for (; i < ev.size() && ev[i].first == at; ++i)
      active += ev[i].second;
    total += static_cast<std::size_t>(active);
  }
  return total;
}

}  // namespace

std::vector<ISetIndex> build_field_indexes(std::span<const Rule> rules, const Partition& part,
                                           std::size_t count, ModelFit fit, double max_pieces,
                                           bool lanes) {
  std::vector<ISetIndex> out;
  for (std::size_t f = 0; f < kNumFields; ++f) {
    std::vector<std::vector<const ISetSpec*>> groups;
    std::vector<std::size_t> group_rules;
    std::vector<Events> group_events;
    for (std::size_t i = 0; i < count; ++i) {
      const ISetSpec& layer = part.isets[i];
      if (layer.field != static_cast<Field>(f)) continue;
      const Events ev = events_of(rules, f, layer);
      bool merged = false;
      for (std::size_t g = 0; g < groups.size() && !merged; ++g) {
        Events both;
        both.reserve(group_events[g].size() + ev.size());
        std::merge(group_events[g].begin(), group_events[g].end(), ev.begin(), ev.end(),
                   std::back_inserter(both),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
        const std::size_t n = group_rules[g] + layer.rules.size();
        if (static_cast<double>(count_candidates(both)) <= max_pieces * static_cast<double>(n)) {
          groups[g].push_back(&layer);
          group_rules[g] = n;
          group_events[g] = std::move(both);
          merged = true;
        }
      }
      if (!merged) {
        groups.push_back({&layer});
        group_rules.push_back(layer.rules.size());
        group_events.push_back(ev);
      }
    }
    for (const auto& g : groups) {
      out.push_back(build_field_index(rules, static_cast<Field>(f), g, fit));
      out.back().use_lanes(lanes);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ISetIndex& a, const ISetIndex& b) { return a.rules > b.rules; });
  return out;
}

void refit_models(std::vector<ISetIndex>& isets, ModelFit fit) {
  for (ISetIndex& s : isets) {
    const std::vector<std::uint32_t> keys(s.index.keys().begin(), s.index.keys().end());
    s.index = fit_model(keys, kFieldMax[static_cast<std::size_t>(s.field)], fit);
  }
}

}  // namespace lacl::detail
