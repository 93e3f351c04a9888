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

/// How the indexes' models are fitted: to the error target `epsilon`, except that when
/// `fewer_segments_than` is not 0, a model with that many segments or more is refitted with the
/// target doubled, and again, while that brings it under the count and its windows stay within
/// the two-level search (RangeIndex::kTwoLevelMaxWindow). The AVX-512 lookup searches a model of
/// fewer than kRegisterSegments segments in registers, which costs less than the narrower
/// windows of a finer fit.
struct ModelFit {
  std::uint32_t epsilon = 16;
  std::uint32_t fewer_segments_than = 0;
};

/// The field indexes of the first `count` iSets of `part`, biggest first. The iSets of a field
/// are merged into one index while the merged index holds at most `max_pieces` candidate rows
/// per rule; an iSet that would split too many ranges into pieces opens an index of its own.
/// Multi-candidate lists are stored as lanes when `lanes`.
std::vector<ISetIndex> build_field_indexes(std::span<const Rule> rules, const Partition& part,
                                           std::size_t count, ModelFit fit, double max_pieces,
                                           bool lanes);

/// Refits the models of `isets` (their candidate lists do not depend on the fit): the same
/// indexes build_field_indexes would make with `fit`.
void refit_models(std::vector<ISetIndex>& isets, ModelFit fit);

}  // namespace lacl::detail
