// `lacl compile RULES`: compiles a rule file and reports what the compiler built.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "lacl/classbench.hpp"
#include "lacl/classifier.hpp"

namespace lacl::cli {
namespace {

struct CompileCmdOptions {
  std::string rules;
  bool report = false;
  bool json = false;
  CompileOptions compile;
  RuleInput input;
};

void run_compile(const CompileCmdOptions& o) {
  auto loaded = load_rules(o.rules, o.input);
  if (!loaded) return;
  auto c = Classifier::compile(loaded->rules, o.compile);
  if (!c) return fail(o.rules + ": " + c.error().message);
  if (o.json) {
    std::cout << c->report().to_json() << '\n';
  } else if (o.report) {
    std::cout << c->report().to_text();
  }
}

}  // namespace

void add_compile_command(CLI::App& app) {
  auto o = std::make_shared<CompileCmdOptions>();
  CLI::App* cmd = app.add_subcommand("compile", "Compile a rule file into lacl's learned classifier");
  cmd->add_option("RULES", o->rules, "Rule file")->required();
  add_rule_input_options(cmd, o->input);
  cmd->add_flag("--report", o->report, "Print the compile report");
  cmd->add_flag("--json", o->json, "Print the compile report as JSON");
  cmd->add_option("--max-isets", o->compile.max_isets, "Most iSets to build (0: tuned)");
  cmd->add_option("--epsilon", o->compile.epsilon, "Learned-index error target (0: tuned)");
  cmd->add_option("--slot-cap", o->compile.max_collisions, "Remainder slot cap (0: tuned)");
  cmd->add_option("--batch", o->compile.batch, "Lookup chunk size (0: tuned)");
  cmd->add_option("--tuning-budget-ms", o->compile.tuning_budget_ms, "Time the tuner may spend")
      ->capture_default_str();
  cmd->callback([o] { run_compile(*o); });
}

}  // namespace lacl::cli
