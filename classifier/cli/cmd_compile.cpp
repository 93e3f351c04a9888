// `lacl compile RULES [-o FILE.lacl]`: compiles a rule file, reports what the compiler built
// and writes the artifact that `lacl inspect`, `lacl classify --artifact` and the dataplane load.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "lacl/artifact.hpp"
#include "lacl/classbench.hpp"
#include "lacl/classifier.hpp"

namespace lacl::cli {
namespace {

struct CompileCmdOptions {
  std::string rules;
  std::string out;
  bool report = false;
  bool json = false;
  CompileOptions compile;
  RuleInput input;
  std::string traffic;
};

// The options that shaped the artifact, as `key=value` words (stored in the artifact's meta).
std::string options_text(const CompileCmdOptions& o, RuleFormat format) {
  std::ostringstream s;
  const CompileOptions& c = o.compile;
  s << "max_isets=" << c.max_isets << " min_iset_size=" << c.min_iset_size
    << " epsilon=" << c.epsilon << " max_collisions=" << c.max_collisions
    << " max_pieces=" << c.max_pieces << " max_bytes_per_rule=" << c.max_bytes_per_rule
    << " max_bytes_floor=" << c.max_bytes_floor << " batch=" << c.batch
    << " tuning_budget_ms=" << c.tuning_budget_ms << " tuning_ratio=" << c.tuning_ratio
    << " seed=" << c.seed << " lists=" << (c.lanes ? (*c.lanes ? "lanes" : "rows") : "tuned")
    << " whole_search=" << (c.whole_search ? std::to_string(*c.whole_search) : std::string("tuned"))
    << " remainder="
    << (c.cut_tree.value_or(false)      ? "cut-tree"
        : c.bit_vectors.value_or(false) ? "bit-vectors"
        : c.bit_vectors || c.cut_tree   ? "tuple-space"
                                        : "tuned")
    << " tree_leaf=" << c.tree_leaf
    << " final_rules=" << (c.final_rules ? (*c.final_rules ? "on" : "off") : "tuned");
  s << " rule_action=" << o.input.rule_action << " default_action=" << o.input.default_action;
  if (format == RuleFormat::kIptables) {
    s << " table=" << o.input.table << " chain=" << o.input.chain
      << " skip_unsupported=" << (o.input.skip_unsupported ? 1 : 0);
  }
  return s.str();
}

// Phase messages on stderr, only when a person is watching it.
class Progress {
 public:
  Progress() : on_(::isatty(STDERR_FILENO) == 1) {}
  void say(const std::string& message) const {
    if (on_) std::cerr << "lacl: " << message << std::endl;
  }
  double ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_)
        .count();
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

void run_compile(const CompileCmdOptions& o) {
  const Progress progress;
  progress.say("reading " + o.rules + "...");
  auto loaded = load_rules(o.rules, o.input);
  if (!loaded) return;
  std::vector<PacketKey> traffic;
  CompileOptions copts = o.compile;
  if (!o.traffic.empty()) {
    auto trace = read_trace(o.traffic);
    if (!trace) return fail(trace.error().message);
    traffic = trace_keys(*trace);
    copts.traffic = traffic;
  }
  progress.say("compiling " + std::to_string(loaded->rules.size()) + " rules...");
  auto c = Classifier::compile(loaded->rules, copts);
  if (!c) return fail(o.rules + ": " + c.error().message);
  if (!o.out.empty()) {
    // The digest is over the file's bytes as they are now; load_rules read the same file.
    auto text = read_file(o.rules);
    if (!text) return fail(text.error().message);
    ArtifactMeta meta;
    meta.options = options_text(o, loaded->format);
    meta.source_name = o.rules;
    meta.source_format = format_name(loaded->format);
    meta.source_digest = digest_bytes(std::as_bytes(std::span(text->data(), text->size())));
    progress.say("writing " + o.out + "...");
    if (!check(write_artifact(o.out, *c, meta))) return;
    char done[160];
    std::snprintf(done, sizeof done, "wrote %s in %.0f ms", o.out.c_str(), progress.ms());
    progress.say(done);
  }
  if (o.json) {
    std::cout << c->report().to_json() << '\n';
  } else if (o.report) {
    std::cout << c->report().to_text();
  }
}

}  // namespace

void add_compile_command(CLI::App& app) {
  auto o = std::make_shared<CompileCmdOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compile", "Compile a rule file into lacl's learned classifier and write it as an artifact");
  cmd->add_option("RULES", o->rules, "Rule file")->required();
  cmd->add_option("-o,--output", o->out,
                  "Artifact to write (FILE.lacl; written to a temp file and renamed)");
  add_rule_input_options(cmd, o->input);
  cmd->add_flag("--report", o->report, "Print the compile report");
  cmd->add_option(
      "--traffic", o->traffic,
      "A trace of real traffic to tune on (default: traffic synthesised from the rules)");
  cmd->add_flag("--json", o->json, "Print the compile report as JSON");
  cmd->add_option("--max-isets", o->compile.max_isets, "Most iSets to build (0: tuned)");
  cmd->add_option("--epsilon", o->compile.epsilon, "Learned-index error target (0: tuned)");
  cmd->add_option("--slot-cap", o->compile.max_collisions, "Remainder slot cap (0: tuned)");
  cmd->add_option("--batch", o->compile.batch, "Lookup chunk size (0: tuned)");
  cmd->add_option("--candidates-per-rule", o->compile.max_pieces,
                  "iSets of a field share one index while its candidate lists hold at most this "
                  "many entries per rule (0: tuned)")
      ->check(CLI::Range(0.0, 1e6));
  add_list_layout_option(cmd, o->compile.lanes);
  add_final_rules_option(cmd, o->compile.final_rules);
  cmd->add_option_function<std::uint32_t>(
         "--whole-search", [o](std::uint32_t n) { o->compile.whole_search = n; },
         "Search indexes of at most N intervals whole, one vector search without their model "
         "(0 for none; default: tuned)")
      ->check(CLI::Range(0u, kWholeSearchMax));
  cmd->add_option_function<std::string>(
         "--remainder",
         [o](const std::string& v) {
           if (v == "tuned") {
             o->compile.bit_vectors.reset();
             o->compile.cut_tree.reset();
           } else {
             o->compile.bit_vectors = v == "bit-vectors";
             o->compile.cut_tree = v == "cut-tree";
           }
         },
         "Remainder algorithm: tuple-space (hashed tuples), bit-vectors (per-field bit vectors), "
         "cut-tree (a tree of 16-way cuts with short leaves; either of these two whatever its "
         "size, and with --min-iset-size above the rule count, for every rule) or tuned "
         "(default: measured, within --max-bytes-per-rule)")
      ->check(CLI::IsMember({"tuned", "tuple-space", "bit-vectors", "cut-tree"}));
  cmd->add_option("--tree-leaf", o->compile.tree_leaf, "Most rules of a cut tree's leaf (0: tuned)")
      ->check(CLI::Range(0u, CutTree::kMaxLeaf));
  cmd->add_option("--min-iset-size", o->compile.min_iset_size,
                  "Smallest iSet worth indexing (0: tuned)");
  cmd->add_option("--tuning-budget-ms", o->compile.tuning_budget_ms, "Time the tuner may spend")
      ->capture_default_str();
  cmd->add_option("--tuning-ratio", o->compile.tuning_ratio,
                  "The tuner also stops after this many times the untuned compile's time (0: the "
                  "budget alone)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--max-bytes-per-rule", o->compile.max_bytes_per_rule,
                  "Memory the tuner may not take the classifier over, in bytes per rule")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cmd->add_option("--max-bytes-floor", o->compile.max_bytes_floor,
                  "The memory cap is never below this many bytes, whatever the rule count (0: "
                  "--max-bytes-per-rule alone)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 40));
  cmd->callback([o] { run_compile(*o); });
}

}  // namespace lacl::cli
