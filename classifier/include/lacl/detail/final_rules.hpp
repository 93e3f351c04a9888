// Final rules: which rules a lookup can stop at (see link_floors).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lacl/detail/rule_row.hpp"

namespace lacl::detail {

/// Words of final_rules' bits for ids up to `top`: one more when top is a word's last bit, so
/// that the bit past it is clear.
inline std::size_t final_rules_words(std::uint32_t top) {
  return std::size_t{top} / 64 + 1 + (top % 64 == 63 ? 1 : 0);
}

/// A bit per rule id, set when no row of a later structure with a smaller id meets the rule's
/// rows on every field. rows[i] belongs to structure structure_of[i] (0 .. structures - 1, in
/// lookup order); a rule's rows (its pieces) all belong to one structure. Rows of the last
/// structure are final. Sound, not complete: a rule is only called final when that was proved,
/// and the search gives up, calling the rest not final, after looking at `budget` rows. The
/// bit past the largest id is clear.
std::vector<std::uint64_t> final_rules(std::span<const RuleRow> rows,
                                       std::span<const std::uint32_t> structure_of,
                                       std::uint32_t structures, std::int64_t budget);

}  // namespace lacl::detail
