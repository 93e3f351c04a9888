// Backend: the classifier a dataplane generation serves, behind one interface so the workers make
// one batched classify call per RX burst whichever implementation is loaded (as DPDK's l3fwd
// picks its lookup method with a flag):
//
//   lacl     lacl's learned classifier (lacl::Classifier), compiled from the rules or loaded from
//            an artifact;
//   rte_acl  DPDK's rte_acl built from the same rules (lacl::dpdk::RteAclClassifier; from an
//            artifact, from the rules recovered with rules_of). Built by lacl-dataplane itself,
//            since it needs EAL; this DPDK-free library only knows the interface.
//
// A backend is immutable once built: classify is const, noexcept and safe from every worker at
// once. Rule ids are indexes into the rule file (0 = first line, highest priority) and the
// actions of every backend come from the same rules, so counters and reports do not depend on
// the backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lacl/classifier.hpp"
#include "lacl/result.hpp"
#include "lacl/rule.hpp"
#include "lacl/rule_set.hpp"

namespace lacl::dataplane {

enum class BackendKind : std::uint8_t { kLacl, kRteAcl };

/// "lacl" or "rte_acl".
const char* backend_name(BackendKind kind) noexcept;
/// Parses "lacl" or "rte_acl"; nullopt for anything else.
std::optional<BackendKind> parse_backend(std::string_view name) noexcept;

/// What a backend reports about itself (the report's "classifier" object).
struct BackendInfo {
  std::string name;       ///< "lacl" or "rte_acl"
  std::string algorithm;  ///< lacl: the lookup ISA; rte_acl: the classify implementation
  std::size_t bytes = 0;  ///< memory the lookup reads (rte_acl: its run-time tables)
  std::size_t isets = 0;  ///< lacl only
  double coverage = 0;    ///< lacl only: share of rules in iSets
};

class Backend {
 public:
  virtual ~Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  /// out[i] = the first rule keys[i] matches, or kNoMatch. out.size() >= keys.size(); any
  /// length, 0 included. Thread-safe; never fails.
  virtual void classify(std::span<const PacketKey> keys, std::span<RuleId> out) const noexcept = 0;
  virtual BackendInfo info() const = 0;

  std::size_t rule_count() const noexcept { return actions_.size(); }
  /// The action of rule `id` (< rule_count()).
  Action action(RuleId id) const noexcept { return actions_[id]; }
  /// The action of packets that match no rule.
  Action default_action() const noexcept { return default_action_; }

 protected:
  Backend(std::vector<Action> actions, Action default_action)
      : actions_(std::move(actions)), default_action_(default_action) {}

 private:
  std::vector<Action> actions_;
  Action default_action_;
};

/// lacl's classifier as a backend.
std::unique_ptr<const Backend> make_lacl_backend(Classifier classifier);

/// The rules a compiled classifier holds, in id order, with its actions and default action,
/// recovered from its validation rows (every index row and remainder row carries the whole rule
/// and its id). This is how a backend other than lacl is built from an artifact. Fails, saying
/// why, when a rule id has no row, two rows of one id disagree, or a protocol range is neither
/// exact nor the wildcard.
Result<RuleSet> rules_of(const Classifier& classifier);

}  // namespace lacl::dataplane
