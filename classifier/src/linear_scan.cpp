#include "lacl/linear_scan.hpp"

namespace lacl {

LinearScan::LinearScan(const RuleSet& rules) : rules_(rules.rules().begin(), rules.rules().end()) {}

RuleId LinearScan::classify(const PacketKey& key) const noexcept {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (matches(rules_[i], key)) return static_cast<RuleId>(i);
  }
  return kNoMatch;
}

void LinearScan::classify(std::span<const PacketKey> keys, std::span<RuleId> out) const noexcept {
  for (std::size_t i = 0; i < keys.size(); ++i)
    out[i] = classify(keys[i]);
}

}  // namespace lacl
