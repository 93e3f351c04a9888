// Loading the classifier the dataplane serves, from a rule file (compiled here) or a compiled
// artifact. Runs on the control side only (start-up, SIGHUP, telemetry /lacl/swap): never on a
// worker lcore. No DPDK dependency.
#pragma once

#include <string>
#include <vector>

#include "lacl/classifier.hpp"
#include "lacl/dataplane/options.hpp"
#include "lacl/result.hpp"

namespace lacl::dataplane {

struct LoadedClassifier {
  Classifier classifier;
  std::string source;                 ///< the path it was loaded from
  std::string kind;                   ///< "rules" or "artifact"
  std::string format;                 ///< rule file format, or "artifact"
  double load_ms = 0;                 ///< read + parse + compile (or load + validate), wall clock
  std::vector<std::string> warnings;  ///< `file:line: ...` per rule the reader skipped
};

/// Loads `path` as `kind` with the rule-file and compile options of `o`. Rules are compiled and,
/// unless o.verify is off, the compiled classifier is cross-checked against LinearScan on a
/// seeded sample of headers drawn from the rules; any disagreement refuses the set. An artifact
/// is trusted only after load_artifact_file's own checks. The error says which file and why.
Result<LoadedClassifier> load_classifier(SourceKind kind, const std::string& path,
                                         const Options& o);

}  // namespace lacl::dataplane
