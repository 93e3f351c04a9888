// Classifier: lacl's learned packet classifier.
//
//   auto c = lacl::Classifier::compile(rule_set);      // Result<Classifier>
//   c->classify(keys, ids);                            // batch: one RuleId per key
//
// Compilation partitions the rules into iSets (rules pairwise disjoint on one field), indexes
// each iSet with a RangeIndex whose error bound is proved, and puts the rest into a remainder
// classifier (a TupleSpace, or BitVectors or a CutTree where the compiler measures them faster;
// for a small set, or one whose rules the cuts separate well, that can be every rule). A lookup
// takes at most one candidate per iSet, validates it on all fields, lets the remainder search only
// for rules better than the best candidate found, and returns the highest-priority match: always
// the same answer as LinearScan.
//
// A compiled Classifier is immutable; every lookup is const noexcept and thread-safe, so many
// lcores can share one instance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lacl/bit_vectors.hpp"
#include "lacl/cut_tree.hpp"
#include "lacl/detail/aligned.hpp"
#include "lacl/detail/candidate_lanes.hpp"
#include "lacl/detail/rule_row.hpp"
#include "lacl/isa.hpp"
#include "lacl/range_index.hpp"
#include "lacl/result.hpp"
#include "lacl/rule_set.hpp"
#include "lacl/tuple_space.hpp"

namespace lacl {

/// Knobs of the compiler. 0 means "choose by measurement" (see CompileReport::tuning).
struct CompileOptions {
  std::uint32_t max_isets = 0;       ///< upper bound on iSets; 0: tuned (at most kMaxISets)
  std::uint32_t min_iset_size = 0;   ///< smallest iSet worth its lookup cost; 0: tuned
  std::uint32_t epsilon = 0;         ///< RangeIndex fitting target; 0: tuned
  std::uint32_t max_collisions = 0;  ///< TupleSpace slot cap; 0: tuned
  /// iSets of a field share one index while it holds at most this many candidate rows per rule
  /// (ranges split into pieces); 0: tuned.
  double max_pieces = 0;
  /// Memory the tuner may not exceed, in bytes per rule as Classifier::bytes counts them: it
  /// never takes the classifier over it, or further over it, for speed; and from a starting
  /// configuration over it, it moves to one within it unless that is measurably slower.
  std::size_t max_bytes_per_rule = 64;
  /// The memory cap is never below this many bytes, whatever the rule count: a set of a
  /// thousand rules may then take the bit vectors that are its fastest structure (60-90 bytes
  /// per rule on ClassBench's 1K sets; acl2_1k classifies its trace 1.45x faster with them),
  /// while any classifier this size stays a small part of a core's L2 cache.
  std::size_t max_bytes_floor = 128 * 1024;
  std::uint32_t batch = 0;  ///< keys per pipeline chunk; 0: tuned
  /// Layout of multi-candidate lists (see ISetIndex::lanes); nullopt: tuned, from lanes, whose
  /// validation has no branch on the traffic.
  std::optional<bool> lanes;
  /// Indexes of at most this many intervals are searched whole, without their model (see
  /// ISetIndex::whole; at most kWholeSearchMax, 0 for none); nullopt: tuned.
  std::optional<std::uint32_t> whole_search;
  /// Whether the remainder is held as bit vectors (BitVectors) instead of a tuple space;
  /// nullopt: tuned, within the memory cap. true holds the partition's remainder as bit vectors
  /// whatever their size (with a min_iset_size above the rule count, every rule).
  std::optional<bool> bit_vectors;
  /// Whether the remainder is held as a cut tree (CutTree) instead; nullopt: tuned, within the
  /// memory cap, like bit_vectors. true holds the partition's remainder as a cut tree whatever
  /// its size (with a min_iset_size above the rule count, every rule). At most one of
  /// bit_vectors and cut_tree may be true; false rules out that one structure.
  std::optional<bool> cut_tree;
  /// Most rules of a cut tree's leaf (1 .. CutTree::kMaxLeaf); 0: tuned.
  std::uint32_t tree_leaf = 0;
  /// Whether a lookup stops at a final rule (see link_floors): a key whose best match so far is
  /// one visits no later index or remainder, at the cost of a look at a bit per key and index;
  /// nullopt: tuned, measured once the structure is chosen (without a tuning budget: true).
  std::optional<bool> final_rules;
  /// Wall-clock budget for the measurements and the candidates they time, counted from once
  /// the starting configuration is built. 0 tunes nothing: the knobs keep their defaults (or
  /// the values given), so the same rules always compile to the same structure.
  double tuning_budget_ms = 150.0;
  /// The tuner also stops once it has spent this many times what the compile took without it
  /// (the partition and the starting configuration; the candidate being timed then finishes),
  /// so that by default tuning about doubles a compile at most: a rule update is not held up
  /// for a few percent. Twice that when the starting configuration is over the memory cap
  /// (max_bytes_per_rule), so that both ways of shrinking it, the bit vectors and indexes that
  /// split no range, are measured. 0: tuning_budget_ms alone.
  double tuning_ratio = 1.0;
  std::uint64_t seed = 1;           ///< seed of the synthetic tuning traffic
  /// A sample of real traffic to tune on (evenly spaced keys of it are used); empty: traffic
  /// synthesised from the rules. Only read during compile().
  std::span<const PacketKey> traffic;
  /// The lookup ISA; nullopt: select_isa() (LACL_ISA or the best the CPU has).
  std::optional<Isa> isa;

  static constexpr std::uint32_t kMaxISets = 64;
};

/// What the compiler built and why, for `lacl compile --report` and the artifact.
struct CompileReport {
  /// One field index: the iSets of one field, merged.
  struct ISet {
    Field field;
    std::size_t isets;  ///< iSets of the partition merged into this index
    std::size_t rules;
    std::size_t intervals;  ///< elementary intervals (keys of the learned index)
    std::size_t entries;    ///< candidate rows: a rule split into pieces counts once per piece
    std::size_t max_list;   ///< most candidates of one interval (at most `isets`)
    double mean_list;       ///< candidates per interval
    std::size_t segments;
    std::uint32_t radix_bits;
    std::uint32_t max_window;  ///< widest proved search window (below + above + 1)
    double mean_window;
    std::size_t bytes;
    bool whole;  ///< searched whole, without the model
  };
  std::size_t rules = 0;
  std::vector<ISet> isets;
  std::size_t remainder_rules = 0;
  std::string remainder_algorithm;  ///< "tuple-space", "linear", "bit-vectors" or "cut-tree"
  std::size_t remainder_tuples = 0;
  std::size_t remainder_chunks = 0;   ///< bit-vectors: distinct 8-word chunks over all fields
  std::size_t remainder_words = 0;    ///< bit-vectors: 64-bit words per vector
  std::size_t remainder_nodes = 0;    ///< cut-tree: nodes
  std::size_t remainder_depth = 0;    ///< cut-tree: steps from the root to the deepest leaf
  std::size_t remainder_leaf = 0;     ///< cut-tree: most rules a leaf is cut to
  std::size_t remainder_candidates = 0;  ///< cut-tree: rules over all leaves
  std::size_t remainder_bytes = 0;
  std::size_t bytes = 0;  ///< everything the classifier holds
  double coverage = 0.0;  ///< share of rules in iSets
  // Chosen knobs.
  std::uint32_t epsilon = 0;
  double max_pieces = 0;
  std::uint32_t max_collisions = 0;
  std::uint32_t batch = 0;
  bool lanes = false;               ///< multi-candidate lists stored as lanes
  std::uint32_t whole_search = 0;   ///< indexes of at most this many intervals searched whole
  bool final_rules = false;         ///< the lookup stops at final rules (Classifier::final_rules)
  std::vector<std::string> tuning;  ///< one line per measured decision
  // Time per phase, milliseconds.
  double partition_ms = 0, index_ms = 0, remainder_ms = 0, tuning_ms = 0, total_ms = 0;

  std::string to_text() const;
  std::string to_json() const;
};

/// The iSets of one field, merged into one learned index. Each iSet's ranges are pairwise
/// disjoint, so over the elementary intervals cut by all their boundaries, an interval lies in at
/// most one range of each iSet: its candidate list holds at most one rule per iSet (a rule whose
/// range spans several intervals is split into one piece per interval). One index lookup thus
/// serves all iSets of the field, and the candidates are validated in priority order.
struct ISetIndex {
  Field field = Field::kSrcIp;
  std::uint32_t isets = 0;  ///< how many iSets of the partition this index merges
  std::uint32_t rules = 0;  ///< distinct rules
  RuleId best = kNoMatch;   ///< the highest-priority (smallest) rule id it holds
  RangeIndex index;         ///< over the elementary intervals' first values
  /// Interval j's candidates are candidates offsets[j] .. offsets[j + 1], in priority order.
  /// Empty when every interval has exactly one candidate: then candidate j is rows[j].
  detail::AlignedVector<std::uint32_t> offsets;
  /// The candidates as rows, unless they are stored as lanes.
  detail::AlignedVector<detail::RuleRow> rows;
  /// With offsets, after use_lanes(true): the candidates as lanes (detail/candidate_lanes.hpp),
  /// validated a whole list at a time. Which layout is faster depends on the rule set, so the
  /// compiler measures both.
  detail::AlignedVector<std::uint8_t> lanes;
  /// With lanes, interval j's list, floor and last value (detail::IntervalLinks), which take
  /// the place of `floors`. Every candidate of interval j covers it whole on this field, and
  /// the values from links[j].last + 1 to the next interval's first are a gap no candidate
  /// covers (an interval no range covers gets no key of its own: its values fall to the
  /// interval before). So the lanes leave this field out, and a key past the last value fails
  /// the whole list. Derived from the candidates and the floors; not stored in artifacts.
  detail::AlignedVector<detail::IntervalLinks> links;
  /// With lanes: some list holds more than two steps of eight candidates, so a lookup that can
  /// validate sixteen at a time does (see lookup_avx512.cpp). Set by use_lanes(true).
  bool wide_lists = false;
  /// Interval j's floor: the smallest rule id, among the structures a lookup visits after this
  /// index (the later indexes and the remainder), whose range on this index's field meets
  /// interval j; kNoMatch when none does. A key whose best match so far is at or below the
  /// largest floor of the intervals it fell into is finished: nothing after can beat it.
  /// Derived from the classifier's order of indexes (link_floors); not stored in artifacts.
  /// Held in `links` instead when the lists are lanes: see floor().
  detail::AlignedVector<std::uint32_t> floors;
  /// Searched whole: a lookup skips the radix table and the model and searches all the keys at
  /// once (std::bit_ceil(intervals) of them), which costs less than the model when an index is
  /// small enough. At most kWholeSearchMax intervals. The compiler decides by measurement.
  bool whole = false;

  /// Stores multi-candidate lists as lanes (true) or rows (false); without offsets, a no-op.
  /// Call once `offsets` and the candidates are final. Lanes need each rule listed in a run of
  /// intervals that its range on this field covers exactly (a run of intervals after which
  /// either the next interval starts or every candidate ends, see `links`), as the compiler
  /// builds them: false, and no change, when the lists are not so.
  bool use_lanes(bool on);
  /// Every candidate, in order, as rows (whichever layout holds them).
  std::vector<detail::RuleRow> candidate_rows() const;
  /// Interval j's floor, wherever it is held.
  RuleId floor(std::size_t j) const noexcept { return links.empty() ? floors[j] : links[j].floor; }
  std::size_t candidate_count() const noexcept;
  std::size_t bytes() const noexcept;
};

/// Most intervals an index searched whole may have: the keys' padding covers the rounding up.
inline constexpr std::uint32_t kWholeSearchMax = 128;

/// Sets every index's floors for the lookup order `isets`, then the remainder, whose rules are
/// `remainder` (TupleSpace::rows or BitVectors::rows).
void link_floors(std::span<ISetIndex> isets, std::span<const detail::RuleRow> remainder);

/// The final rules of the lookup order `isets`, then the remainder (whose rules are
/// `remainder`), a bit per rule id: rule r of index k is final when no rule of a later index
/// or of the remainder with a smaller id meets it on every field, so that a key whose best
/// match so far is r is finished. Proved, not guessed: a rule whose proof would take too long
/// is left out (detail::final_rules). The bit past the largest id is always clear; empty
/// without indexes.
std::vector<std::uint64_t> final_rules(std::span<const ISetIndex> isets,
                                       std::span<const detail::RuleRow> remainder);

class Classifier {
 public:
  Classifier() = default;

  /// Compiles `rules`. Fails only on resource exhaustion or an internal invariant violation,
  /// never on a valid RuleSet.
  static Result<Classifier> compile(const RuleSet& rules, const CompileOptions& options = {});

  /// For each key, writes the id of the highest-priority matching rule, or kNoMatch.
  /// `out.size()` must be at least `keys.size()`. Never fails; thread-safe.
  void classify(std::span<const PacketKey> keys, std::span<RuleId> out) const noexcept;
  /// Single-key convenience wrapper around the batch call.
  RuleId classify(const PacketKey& key) const noexcept;

  std::size_t rule_count() const noexcept { return rule_count_; }
  Action default_action() const noexcept { return default_action_; }
  /// The action of rule `id` (id < rule_count()).
  Action action(RuleId id) const noexcept { return actions_[id]; }
  const CompileReport& report() const noexcept { return report_; }
  std::span<const ISetIndex> isets() const noexcept { return isets_; }
  /// The remainder when it is a tuple space (empty when it is bit vectors).
  const TupleSpace& remainder() const noexcept { return remainder_; }
  /// The remainder when it is bit vectors (empty otherwise).
  const BitVectors& bit_vectors() const noexcept { return bits_; }
  /// The remainder when it is a cut tree (empty otherwise).
  const CutTree& cut_tree() const noexcept { return tree_; }
  /// The remainder's rules as rows, whichever structure holds them.
  std::vector<detail::RuleRow> remainder_rows() const;
  std::uint32_t batch() const noexcept { return batch_; }
  /// Whether the lookup stops at final rules (CompileOptions::final_rules).
  bool final_rules() const noexcept { return final_rules_; }
  /// The ISA variant of the lookup pipeline this classifier runs.
  Isa isa() const noexcept { return isa_; }
  std::size_t bytes() const noexcept;

  /// Assembles a classifier from loaded parts (the artifact loader validated each). The
  /// structural half of `report` (rules, iSets, remainder, coverage, bytes, batch) is recomputed
  /// from the parts; the rest (knobs, tuning, times) is kept. The lookup ISA is select_isa()'s;
  /// the loader checks select_isa() first so a bad LACL_ISA is an error.
  static Classifier assemble(std::size_t rule_count, Action default_action,
                             std::vector<Action> actions, std::vector<ISetIndex> isets,
                             TupleSpace remainder, BitVectors bits, CutTree tree,
                             std::uint32_t batch, bool stop_at_final, CompileReport report);

 private:
  /// Fills the structural half of report_ from the built parts.
  void describe_structure();

  std::size_t rule_count_ = 0;
  Action default_action_ = Action::accept();
  std::vector<Action> actions_;
  std::vector<ISetIndex> isets_;
  TupleSpace remainder_;
  BitVectors bits_;  ///< the remainder instead of remainder_ when not empty
  CutTree tree_;     ///< the remainder instead of remainder_ when not empty
  bool final_rules_ = false;
  std::vector<std::uint64_t> finals_;  ///< lacl::final_rules' bits, when final_rules_
  std::uint32_t batch_ = 32;
  Isa isa_ = Isa::kScalar;
  CompileReport report_;
};

}  // namespace lacl
