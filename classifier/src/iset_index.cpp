// ISetIndex: the candidate lists' two layouts (rows without offsets, lanes with them).
#include <algorithm>

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
         detail::bytes_of(lanes);
}

}  // namespace lacl
