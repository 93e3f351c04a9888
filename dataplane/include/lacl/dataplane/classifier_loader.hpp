// Loading the classifier the dataplane serves, from a rule file (compiled here) or a compiled
// artifact, as the backend the options name. Runs on the control side only (start-up, SIGHUP,
// telemetry /lacl/swap): never on a worker lcore. No DPDK dependency: a backend that needs DPDK
// (rte_acl) is built by a BackendBuilder the application passes in.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lacl/dataplane/backend.hpp"
#include "lacl/dataplane/options.hpp"
#include "lacl/result.hpp"

namespace lacl::dataplane {

struct LoadedClassifier {
  std::unique_ptr<const Backend> backend;
  std::string source;                 ///< the path it was loaded from
  std::string kind;                   ///< "rules" or "artifact"
  std::string format;                 ///< rule file format, or "artifact"
  double load_ms = 0;                 ///< read + parse + compile/build (or load + validate)
  std::vector<std::string> warnings;  ///< `file:line: ...` per rule the reader skipped
};

/// Builds a backend other than lacl over `rules` (their actions and default action included).
using BackendBuilder = std::function<Result<std::unique_ptr<const Backend>>(const RuleSet& rules)>;

/// Loads `path` as `kind` with the rule-file, compile and backend options of `o`.
///  - lacl: rules are compiled; an artifact is trusted only after load_artifact_file's checks.
///  - any other backend: `build` is called with the rule file's rules, or with the rules
///    recovered from the artifact's classifier (rules_of); without `build` the load fails.
/// Unless o.verify is off, the result is cross-checked on a seeded sample of headers drawn from
/// the rules against the reference (LinearScan over a rule file's rules; the artifact's own
/// classifier for an artifact); any disagreement refuses the set. The error says which file and
/// why.
Result<LoadedClassifier> load_classifier(SourceKind kind, const std::string& path, const Options& o,
                                         const BackendBuilder& build = {});

}  // namespace lacl::dataplane
