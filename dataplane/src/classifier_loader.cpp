#include "lacl/dataplane/classifier_loader.hpp"

#include <chrono>
#include <vector>

#include "lacl/artifact.hpp"
#include "lacl/generator.hpp"
#include "lacl/linear_scan.hpp"
#include "lacl/rule_file.hpp"

namespace lacl::dataplane {
namespace {

constexpr std::size_t kVerifyKeys = 2048;
constexpr std::uint64_t kVerifySeed = 0x1ac1;

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The compiler promises LinearScan's answers; a disagreement means a bug, and a classifier with
// a bug must not replace one that works.
Status verify_against_reference(const Classifier& c, const RuleSet& rules) {
  const std::vector<TraceEntry> trace = generate_trace(rules.rules(), kVerifyKeys, kVerifySeed);
  std::vector<PacketKey> keys;
  keys.reserve(trace.size());
  for (const TraceEntry& e : trace)
    keys.push_back(e.key);
  std::vector<RuleId> got(keys.size()), want(keys.size());
  c.classify(keys, got);
  LinearScan(rules).classify(keys, want);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (got[i] != want[i]) {
      return Error{"compiled classifier disagrees with the reference on a sampled header (rule " +
                   std::to_string(static_cast<std::int64_t>(got[i] == kNoMatch ? -1 : got[i])) +
                   " instead of " +
                   std::to_string(static_cast<std::int64_t>(want[i] == kNoMatch ? -1 : want[i])) +
                   ")"};
    }
  }
  return Ok{};
}

}  // namespace

Result<LoadedClassifier> load_classifier(SourceKind kind, const std::string& path,
                                         const Options& o) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadedClassifier out;
  out.source = path;
  if (kind == SourceKind::kArtifact) {
    auto c = load_artifact_file(path);
    if (!c) return Error{c.error().message};
    out.classifier = std::move(*c);
    out.kind = "artifact";
    out.format = "artifact";
    out.load_ms = ms_since(t0);
    return out;
  }

  auto loaded = load_rule_file(path, o.rule_file);
  if (!loaded) return Error{loaded.error().message};
  CompileOptions co;
  co.tuning_budget_ms = o.tuning_budget_ms;
  auto c = Classifier::compile(loaded->rules, co);
  if (!c) return Error{path + ": " + c.error().message};
  if (o.verify) {
    const Status s = verify_against_reference(*c, loaded->rules);
    if (!s) return Error{path + ": " + s.error().message};
  }
  out.classifier = std::move(*c);
  out.kind = "rules";
  out.format = format_name(loaded->format);
  out.warnings = std::move(loaded->warnings);
  out.load_ms = ms_since(t0);
  return out;
}

}  // namespace lacl::dataplane
