// Building the field indexes of a partition's iSets: Classifier::compile builds them once, and
// its tuner again for each structure it measures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lacl/classifier.hpp"
#include "lacl/partition.hpp"

namespace lacl::detail {

/// The field indexes of the first `count` iSets of `part`, biggest first. The iSets of a field
/// are merged into one index while the merged index holds at most `max_pieces` candidate rows
/// per rule; an iSet that would split too many ranges into pieces opens an index of its own.
/// Multi-candidate lists are stored as lanes when `lanes`.
std::vector<ISetIndex> build_field_indexes(std::span<const Rule> rules, const Partition& part,
                                           std::size_t count, std::uint32_t epsilon,
                                           double max_pieces, bool lanes);

}  // namespace lacl::detail
