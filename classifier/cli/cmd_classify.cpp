// `lacl classify RULES TRACE` or `lacl classify --artifact FILE.lacl TRACE`: one output line per
// trace line, the 0-based index of the first matching rule or -1. This output is lacl's
// interoperability contract.
#include <memory>
#include <string>

#include "backends.hpp"
#include "commands.hpp"
#include "lacl/artifact.hpp"
#include "lacl/classbench.hpp"

namespace lacl::cli {
namespace {

struct ClassifyOptions {
  std::string rules;
  std::string trace;
  std::string artifact;
  std::string backend = std::string(kDefaultBackend);
  std::string out;
  RuleInput input;
};

// A compiled artifact behind the Backend interface.
class ArtifactBackend final : public Backend {
 public:
  explicit ArtifactBackend(Classifier c) : c_(std::move(c)) {}
  void classify(std::span<const PacketKey> keys, std::span<RuleId> out) const override {
    c_.classify(keys, out);
  }

 private:
  Classifier c_;
};

// The classifier the options name: compiled from RULES with --backend, or loaded from --artifact.
std::unique_ptr<Backend> make_classifier(const ClassifyOptions& o) {
  if (!o.artifact.empty()) {
    auto c = load_artifact_file(o.artifact);
    if (!c) {
      fail(c.error().message);
      return nullptr;
    }
    return std::make_unique<ArtifactBackend>(std::move(*c));
  }
  auto loaded = load_rules(o.rules, o.input);
  if (!loaded) return nullptr;
  auto backend = make_backend(o.backend, loaded->rules);
  if (!backend) {
    fail(backend.error().message);
    return nullptr;
  }
  return std::move(*backend);
}

void run_classify(ClassifyOptions o) {
  // With --artifact the one positional argument CLI11 filled in first (RULES) is the trace.
  if (!o.artifact.empty() && o.trace.empty()) std::swap(o.rules, o.trace);
  if (!o.artifact.empty() && !o.rules.empty()) {
    return fail("give either RULES or --artifact, not both");
  }
  if (o.trace.empty() || (o.artifact.empty() && o.rules.empty())) {
    return fail("classify needs RULES and TRACE, or --artifact FILE.lacl and TRACE");
  }
  if (!o.artifact.empty() && o.backend != kDefaultBackend) {
    return fail("--artifact holds a compiled lacl classifier: --backend " + o.backend +
                " does not apply");
  }
  auto trace = read_trace(o.trace);
  if (!trace) return fail(trace.error().message);
  const std::unique_ptr<Backend> backend = make_classifier(o);
  if (!backend) return;

  const std::vector<PacketKey> keys = trace_keys(*trace);
  std::vector<RuleId> ids(keys.size());
  backend->classify(keys, ids);

  Output out(o.out);
  if (!out.ok()) return;
  std::string buf;
  buf.reserve(ids.size() * 6);
  for (RuleId id : ids) {
    buf += id == kNoMatch ? std::string("-1") : std::to_string(id);
    buf += '\n';
  }
  out.stream() << buf;
  out.close();
}

}  // namespace

void add_classify_command(CLI::App& app) {
  auto o = std::make_shared<ClassifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "classify",
      "Classify a trace: prints, per trace line and in order, the 0-based index of the "
      "highest-priority matching rule, or -1 when none matches");
  cmd->add_option("RULES", o->rules, "Rule file (omitted with --artifact)");
  add_rule_input_options(cmd, o->input);
  cmd->add_option("TRACE", o->trace, "Trace file (required)");
  cmd->add_option("--artifact", o->artifact,
                  "Classify with a compiled artifact (lacl compile -o) instead of compiling RULES");
  cmd->add_option("--backend", o->backend, "Classifier: " + backend_names())->capture_default_str();
  cmd->add_option("-o,--output", o->out, "Output file (default: stdout)");
  cmd->callback([o] { run_classify(*o); });
}

}  // namespace lacl::cli
