// A classifier generation: one loaded classifier plus the per-worker counters of the packets it
// classified, and the history that keeps those counts after the generation is replaced.
//
// Generations are numbered from 1 in load order. Workers read the current generation once per
// burst (ClassifierSwitch), so every packet is counted in exactly one generation, by the
// classifier that decided its fate. A retired generation is folded into HitHistory only after
// every worker has passed a quiescent state, so its counters are final when folded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lacl/dataplane/classifier_loader.hpp"
#include "lacl/detail/aligned.hpp"

namespace lacl::dataplane {

/// One worker's counters for one generation: three totals, then one hit count per rule id.
/// Its own cache-aligned allocation, padded to whole lines; written by one worker only.
class GenerationCounters {
 public:
  explicit GenerationCounters(std::size_t rules);

  std::uint64_t& classified() noexcept { return words_[0]; }  ///< well-formed packets looked up
  std::uint64_t& no_match() noexcept { return words_[1]; }    ///< of those, matched no rule
  std::uint64_t& malformed() noexcept { return words_[2]; }   ///< given this default action
  std::uint64_t* hits() noexcept { return words_.data() + kHeader; }  ///< [rule id]
  const std::uint64_t* words() const noexcept { return words_.data(); }
  std::size_t rules() const noexcept { return rules_; }

  static constexpr std::size_t kHeader = 3;

 private:
  std::size_t rules_;
  detail::AlignedVector<std::uint64_t> words_;
};

struct Generation {
  Generation(std::uint64_t number, LoadedClassifier loaded, std::size_t workers);

  std::uint64_t number;
  LoadedClassifier loaded;
  /// [worker id]. The vector itself is never resized after construction: workers only index it.
  mutable std::vector<GenerationCounters> counters;
};

/// The totals of one generation, summed over workers.
struct GenerationSummary {
  std::uint64_t number = 0;
  std::string source;
  std::string kind;
  std::size_t rules = 0;
  double load_ms = 0;
  bool active = false;  ///< the generation currently serving
  std::uint64_t classified = 0;
  std::uint64_t no_match = 0;
  std::uint64_t malformed = 0;
  std::vector<std::uint64_t> hits;  ///< per rule id; empty unless per-generation hits are kept
};

/// Sums a generation's counters (exact once no worker can touch it; a recent value otherwise).
/// `with_hits`: also fill summary.hits.
GenerationSummary summarize(const Generation& g, bool with_hits);

/// The counts of retired generations, kept so that per-rule counters survive a swap.
class HitHistory {
 public:
  explicit HitHistory(bool keep_generation_hits) : keep_generation_hits_(keep_generation_hits) {}

  /// Folds a generation that no worker can reach any more.
  void retire(const Generation& g);

  /// Hits of retired generations accumulated per rule index (sized to the largest rule set seen).
  std::span<const std::uint64_t> hits() const noexcept { return hits_; }
  std::uint64_t no_match() const noexcept { return no_match_; }
  std::uint64_t classified() const noexcept { return classified_; }
  const std::vector<GenerationSummary>& retired() const noexcept { return retired_; }
  bool keep_generation_hits() const noexcept { return keep_generation_hits_; }

 private:
  bool keep_generation_hits_;
  std::vector<std::uint64_t> hits_;
  std::uint64_t no_match_ = 0;
  std::uint64_t classified_ = 0;
  std::vector<GenerationSummary> retired_;
};

}  // namespace lacl::dataplane
