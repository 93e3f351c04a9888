// CutTree: a remainder classifier by a tree of multi-way cuts, in the style of HiCuts and
// HyperSplit (Gupta and McKeown, Hot Interconnects 1999; Qi et al., INFOCOM 2009).
//
// Each inner node cuts the part of the five-field space it stands for into up to 16 children
// on one field, at values where the rules' ranges begin or end, so a node's lookup is one
// vector search of 16 keys (the first is 0, then up to 15 cuts, padded with 0xFFFFFFFF). A leaf
// lists, in priority order, the rules that meet its part of the space, up to the leaf size the
// compiler chose, stored as candidate lanes that leave no field out, so a key is validated
// against a whole leaf with a few vector compares. A rule that covers a node's part whole on
// every field ends its list: nothing below it can match there before it.
//
// Where the iSets' merged indexes visit several long candidate lists (rules that pair specific
// prefixes on both addresses, as in ClassBench's acl5), the cuts separate the rules on both
// addresses at once: a key walks a few nodes and validates one short list. Where wildcards
// overlap widely (ipc1, acl2), cuts replicate rules into many leaves; the build stops as soon
// as the tree outgrows the memory it may take, so the compiler rules it out cheaply.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "lacl/detail/aligned.hpp"
#include "lacl/detail/rule_row.hpp"
#include "lacl/rule.hpp"

namespace lacl {

class CutTree {
 public:
  /// Keys per inner node: one vector search (0, then up to kFanout - 1 cuts).
  static constexpr std::uint32_t kFanout = 16;
  /// The leaf sizes a tree may have (CompileOptions::tree_leaf).
  static constexpr std::uint32_t kMinLeaf = 1;
  static constexpr std::uint32_t kMaxLeaf = 255;
  /// The most any tree may take: what the loader rebuilds from an artifact's rows, and what the
  /// compiler builds when told to.
  static constexpr std::size_t kMaxBytes = std::size_t{256} << 20;

  /// 16 bytes. An inner node's children are nodes child .. child + cuts, its keys the block
  /// keys()[kFanout * first ..]; a leaf has cuts 0, child its own index (so a walk of fixed
  /// depth stays at a leaf once there), and its list is the count candidates from candidate
  /// `first` of the lanes.
  struct Node {
    std::uint32_t child;
    std::uint32_t first;
    std::uint32_t count;
    std::uint8_t field;  ///< a Field as an integer (inner nodes)
    std::uint8_t cuts;   ///< 0 for a leaf
    std::uint16_t reserved;
  };
  static_assert(sizeof(Node) == 16);

  CutTree() = default;

  /// Builds over `rows` (strictly increasing ids), cutting nodes of more than `leaf_size` rules
  /// (1 .. kMaxLeaf) while a cut still separates them. Returns nullopt when the tree would take
  /// more than `max_bytes`; the build stops as soon as the nodes and leaves so far, with every
  /// rule still to place counted as a leaf's candidate, would. Also nullopt once `deadline`
  /// has passed (the compiler's tuning budget; none by default).
  static std::optional<CutTree> build(std::span<const detail::RuleRow> rows,
                                      std::uint32_t leaf_size, std::size_t max_bytes,
                                      std::chrono::steady_clock::time_point deadline =
                                          std::chrono::steady_clock::time_point::max());

  /// min(best, the first of these rules matching k): the walk and the leaf scan one key at a
  /// time, for tests and as the reference of the pipeline's.
  RuleId classify(const PacketKey& k, RuleId best) const noexcept;

  bool empty() const noexcept { return rules_ == 0; }
  /// Rules held.
  std::size_t size() const noexcept { return rules_; }
  std::uint32_t leaf_size() const noexcept { return leaf_size_; }
  /// Steps from the root to the deepest leaf.
  std::uint32_t depth() const noexcept { return depth_; }
  RuleId best() const noexcept { return best_; }
  std::span<const Node> nodes() const noexcept { return nodes_; }
  std::span<const std::uint32_t> keys() const noexcept { return keys_; }
  /// The leaves' candidates, as lanes of lane_layout(detail::kNoIndexedField).
  std::span<const std::uint8_t> lanes() const noexcept { return lanes_; }
  /// Candidates over all leaves (a rule listed in several leaves counts in each).
  std::size_t candidate_count() const noexcept { return candidates_; }
  /// The rules as rows, in id order: those the leaves list, and those every leaf they reach
  /// lists after a rule that covers it (kept for artifacts and the floors).
  std::vector<detail::RuleRow> rows() const;
  std::size_t bytes() const noexcept;

 private:
  detail::AlignedVector<Node> nodes_;
  detail::AlignedVector<std::uint32_t> keys_;
  detail::AlignedVector<std::uint8_t> lanes_;
  /// Rules no leaf lists, each shadowed wherever it reaches.
  std::vector<detail::RuleRow> shadowed_;
  std::size_t rules_ = 0;
  std::size_t candidates_ = 0;
  std::uint32_t leaf_size_ = 0;
  std::uint32_t depth_ = 0;
  RuleId best_ = kNoMatch;
};

}  // namespace lacl
