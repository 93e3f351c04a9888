#include "lacl/partition.hpp"

#include <algorithm>
#include <numeric>

namespace lacl {

std::vector<RuleId> max_disjoint(std::span<const Rule> rules, std::span<const RuleId> ids, Field f) {
  std::vector<RuleId> order(ids.begin(), ids.end());
  const auto fi = static_cast<std::size_t>(f);
  std::sort(order.begin(), order.end(), [&](RuleId a, RuleId b) {
    const Range& ra = rules[a].field[fi];
    const Range& rb = rules[b].field[fi];
    if (ra.hi != rb.hi) return ra.hi < rb.hi;
    if (ra.lo != rb.lo) return ra.lo > rb.lo;  // the narrower of two ranges ending together
    return a < b;
  });
  std::vector<RuleId> taken;
  bool any = false;
  std::uint32_t last_hi = 0;
  for (RuleId id : order) {
    const Range& r = rules[id].field[fi];
    if (!any || r.lo > last_hi) {
      taken.push_back(id);
      last_hi = r.hi;
      any = true;
    }
  }
  // Sorted by hi with disjoint ranges means sorted by lo as well.
  return taken;
}

Partition partition_rules(std::span<const Rule> rules, std::size_t max_isets, std::size_t min_size) {
  Partition p;
  std::vector<RuleId> left(rules.size());
  std::iota(left.begin(), left.end(), RuleId{0});
  while (p.isets.size() < max_isets && !left.empty()) {
    ISetSpec best;
    for (std::size_t f = 0; f < kNumFields; ++f) {
      auto set = max_disjoint(rules, left, static_cast<Field>(f));
      if (set.size() > best.rules.size()) best = ISetSpec{static_cast<Field>(f), std::move(set)};
    }
    if (best.rules.size() < std::max<std::size_t>(min_size, 1)) break;
    std::vector<char> in_set(rules.size(), 0);
    for (RuleId id : best.rules) in_set[id] = 1;
    std::erase_if(left, [&](RuleId id) { return in_set[id] != 0; });
    p.isets.push_back(std::move(best));
  }
  p.remainder = std::move(left);
  return p;
}

}  // namespace lacl
