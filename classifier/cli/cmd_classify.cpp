// `lacl classify RULES TRACE`: one output line per trace line, the 0-based index of the first
// matching rule or -1. This output is lacl's interoperability contract.
#include <memory>
#include <string>

#include "backends.hpp"
#include "commands.hpp"
#include "lacl/classbench.hpp"

namespace lacl::cli {
namespace {

struct ClassifyOptions {
  std::string rules;
  std::string trace;
  std::string backend = std::string(kDefaultBackend);
  std::string out;
  RuleInput input;
};

void run_classify(const ClassifyOptions& o) {
  auto loaded = load_rules(o.rules, o.input);
  if (!loaded) return;
  const RuleSet* set = &loaded->rules;
  auto trace = read_trace(o.trace);
  if (!trace) return fail(trace.error().message);
  auto backend = make_backend(o.backend, *set);
  if (!backend) return fail(backend.error().message);

  std::vector<PacketKey> keys;
  keys.reserve(trace->size());
  for (const TraceEntry& e : *trace) keys.push_back(e.key);
  std::vector<RuleId> ids(keys.size());
  (*backend)->classify(keys, ids);

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
  cmd->add_option("RULES", o->rules, "Rule file")->required();
  add_rule_input_options(cmd, o->input);
  cmd->add_option("TRACE", o->trace, "Trace file")->required();
  cmd->add_option("--backend", o->backend, "Classifier: " + backend_names())->capture_default_str();
  cmd->add_option("-o,--output", o->out, "Output file (default: stdout)");
  cmd->callback([o] { run_classify(*o); });
}

}  // namespace lacl::cli
