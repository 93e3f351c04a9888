#include "lacl/dataplane/classifier_loader.hpp"

#include <chrono>
#include <vector>

#include "lacl/artifact.hpp"
#include "lacl/classbench.hpp"
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

std::string rule_text(RuleId id) {
  return std::to_string(static_cast<std::int64_t>(id == kNoMatch ? -1 : id));
}

// Every backend promises the reference's answers; a disagreement means a bug, and a classifier
// with a bug must not replace one that works. `reference` classifies a batch the trusted way.
template <class Reference>
Status verify(const Backend& b, const RuleSet& rules, const Reference& reference) {
  const std::vector<TraceEntry> trace = generate_trace(rules.rules(), kVerifyKeys, kVerifySeed);
  const std::vector<PacketKey> keys = trace_keys(trace);
  std::vector<RuleId> got(keys.size()), want(keys.size());
  b.classify(keys, got);
  reference(std::span<const PacketKey>(keys), std::span<RuleId>(want));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (got[i] != want[i]) {
      return Error{std::string(b.info().name) +
                   " disagrees with the reference on a sampled header (rule " + rule_text(got[i]) +
                   " instead of " + rule_text(want[i]) + ")"};
    }
  }
  return Ok{};
}

Result<std::unique_ptr<const Backend>> build_other(const BackendBuilder& build,
                                                   const RuleSet& rules, const Options& o) {
  if (!build) {
    return Error{std::string("the ") + backend_name(o.backend) +
                 " backend cannot be built here (it needs DPDK)"};
  }
  return build(rules);
}

}  // namespace

Result<LoadedClassifier> load_classifier(SourceKind kind, const std::string& path, const Options& o,
                                         const BackendBuilder& build) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadedClassifier out;
  out.source = path;
  if (kind == SourceKind::kArtifact) {
    auto c = load_artifact_file(path);
    if (!c) return Error{c.error().message};
    out.kind = "artifact";
    out.format = "artifact";
    if (o.backend == BackendKind::kLacl) {
      out.backend = make_lacl_backend(std::move(*c));
    } else {
      auto rules = rules_of(*c);
      if (!rules) return Error{path + ": " + rules.error().message};
      auto b = build_other(build, *rules, o);
      if (!b) return Error{path + ": " + b.error().message};
      if (o.verify) {
        const Status s =
            verify(**b, *rules, [&](std::span<const PacketKey> keys, std::span<RuleId> want) {
              c->classify(keys, want);
            });
        if (!s) return Error{path + ": " + s.error().message};
      }
      out.backend = std::move(*b);
    }
    out.load_ms = ms_since(t0);
    return out;
  }

  auto loaded = load_rule_file(path, o.rule_file);
  if (!loaded) return Error{loaded.error().message};
  if (o.backend == BackendKind::kLacl) {
    CompileOptions co;
    co.tuning_budget_ms = o.tuning_budget_ms;
    auto c = Classifier::compile(loaded->rules, co);
    if (!c) return Error{path + ": " + c.error().message};
    out.backend = make_lacl_backend(std::move(*c));
  } else {
    auto b = build_other(build, loaded->rules, o);
    if (!b) return Error{path + ": " + b.error().message};
    out.backend = std::move(*b);
  }
  if (o.verify) {
    const LinearScan reference(loaded->rules);
    const Status s = verify(*out.backend, loaded->rules,
                            [&](std::span<const PacketKey> keys, std::span<RuleId> want) {
                              reference.classify(keys, want);
                            });
    if (!s) return Error{path + ": " + s.error().message};
  }
  out.kind = "rules";
  out.format = format_name(loaded->format);
  out.warnings = std::move(loaded->warnings);
  out.load_ms = ms_since(t0);
  return out;
}

}  // namespace lacl::dataplane
