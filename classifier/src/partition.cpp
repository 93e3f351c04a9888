#include "lacl/partition.hpp"

#include <algorithm>
#include <numeric>

#include "lacl/detail/radix_sort.hpp"

namespace lacl {
namespace {

// A rule's range on one field in the greedy's order: by hi, then the narrower first (larger lo),
// then the higher priority.
struct Entry {
  std::uint32_t hi;
  std::uint32_t lo;
  RuleId id;
};

std::vector<Entry> sorted_entries(std::span<const Rule> rules, std::span<const RuleId> ids,
                                  std::size_t f) {
  std::vector<Entry> order;
  order.reserve(ids.size());
  for (RuleId id : ids)
    order.push_back({rules[id].field[f].hi, rules[id].field[f].lo, id});
  // In id order, then stably by hi and the larger lo: the greedy's order.
  auto id = [](const Entry& e) { return std::uint64_t{e.id}; };
  auto hi_then_larger_lo = [](const Entry& e) {
    return (std::uint64_t{e.hi} << 32) | static_cast<std::uint32_t>(~e.lo);
  };
  if (!std::is_sorted(ids.begin(), ids.end())) detail::radix_sort(order, id, 32);
  detail::radix_sort(order, hi_then_larger_lo);
  return order;
}

// Interval scheduling over entries already in the greedy's order.
std::vector<RuleId> greedy(const std::vector<Entry>& order) {
  std::vector<RuleId> taken;
  bool any = false;
  std::uint32_t last_hi = 0;
  for (const Entry& e : order) {
    if (!any || e.lo > last_hi) {
      taken.push_back(e.id);
      last_hi = e.hi;
      any = true;
    }
  }
  // Sorted by hi with disjoint ranges means sorted by lo as well.
  return taken;
}

}  // namespace

std::vector<RuleId> max_disjoint(std::span<const Rule> rules, std::span<const RuleId> ids,
                                 Field f) {
  return greedy(sorted_entries(rules, ids, static_cast<std::size_t>(f)));
}

Partition partition_rules(std::span<const Rule> rules, std::size_t max_isets,
                          std::size_t min_size) {
  Partition p;
  std::vector<RuleId> all(rules.size());
  std::iota(all.begin(), all.end(), RuleId{0});
  // Each field's order is sorted once; a round only filters out the rules already taken.
  std::vector<std::vector<Entry>> orders;
  for (std::size_t f = 0; f < kNumFields; ++f)
    orders.push_back(sorted_entries(rules, all, f));
  std::vector<char> taken(rules.size(), 0);
  std::size_t left = rules.size();
  while (p.isets.size() < max_isets && left > 0) {
    ISetSpec best;
    for (std::size_t f = 0; f < kNumFields; ++f) {
      std::erase_if(orders[f], [&](const Entry& e) { return taken[e.id] != 0; });
      auto set = greedy(orders[f]);
      if (set.size() > best.rules.size()) best = ISetSpec{static_cast<Field>(f), std::move(set)};
    }
    if (best.rules.size() < std::max<std::size_t>(min_size, 1)) break;
    for (RuleId id : best.rules)
      taken[id] = 1;
    left -= best.rules.size();
    p.isets.push_back(std::move(best));
  }
  for (RuleId id = 0; id < rules.size(); ++id) {
    if (!taken[id]) p.remainder.push_back(id);
  }
  return p;
}

}  // namespace lacl
