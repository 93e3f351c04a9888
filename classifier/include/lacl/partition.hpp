// Partitioning rules into independent sets (iSets): on an iSet's field no two of its rules'
// ranges overlap, so a value selects at most one candidate rule per iSet.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "lacl/rule.hpp"

namespace lacl {

struct ISetSpec {
  Field field = Field::kSrcIp;
  std::vector<RuleId> rules;  ///< sorted by the field's lo; ranges pairwise disjoint on `field`
};

struct Partition {
  std::vector<ISetSpec> isets;    ///< in the order they were taken (largest first)
  std::vector<RuleId> remainder;  ///< sorted by id (priority)
};

/// The largest subset of `ids` whose ranges on `f` are pairwise disjoint: the interval-scheduling
/// greedy (by increasing hi, take every range that starts after the last taken one ends) is
/// optimal. Ties on hi prefer the higher-priority rule. Returned sorted by lo.
std::vector<RuleId> max_disjoint(std::span<const Rule> rules, std::span<const RuleId> ids, Field f);

/// Greedy partition: per round, the field with the largest disjoint subset of the rules left
/// becomes an iSet, while that subset has at least `min_size` rules and fewer than `max_isets`
/// iSets exist. Everything else is the remainder.
Partition partition_rules(std::span<const Rule> rules, std::size_t max_isets, std::size_t min_size);

}  // namespace lacl
