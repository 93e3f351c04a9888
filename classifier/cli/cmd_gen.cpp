// `lacl gen rules` and `lacl gen trace`.
#include <memory>

#include "commands.hpp"
#include "lacl/classbench.hpp"
#include "lacl/generator.hpp"

namespace lacl::cli {
namespace {

struct GenRulesOptions {
  std::string profile = "acl";
  std::size_t count = 1000;
  std::uint64_t seed = 1;
  std::string out;
};

struct GenTraceOptions {
  std::string rules;
  std::size_t count = 10000;
  std::uint64_t seed = 1;
  double zipf = 0.0;
  std::string out;
};

void run_gen_rules(const GenRulesOptions& o) {
  auto profile = parse_profile(o.profile);
  if (!profile) return fail("unknown profile '" + o.profile + "' (expected acl, fw or ipc)");
  Output out(o.out);
  if (!out.ok()) return;
  write_classbench_rules(out.stream(), generate_rules(*profile, o.count, o.seed));
  out.close();
}

void run_gen_trace(const GenTraceOptions& o) {
  auto rules = read_classbench_rules(o.rules);
  if (!rules) return fail(rules.error().message);
  if (o.zipf < 0) return fail("--zipf must be >= 0");
  Output out(o.out);
  if (!out.ok()) return;
  write_trace(out.stream(), generate_trace(*rules, o.count, o.seed, o.zipf));
  out.close();
}

}  // namespace

void add_gen_command(CLI::App& app) {
  CLI::App* gen = app.add_subcommand("gen", "Generate ClassBench-like rule sets and traces");
  gen->require_subcommand(1);

  auto ro = std::make_shared<GenRulesOptions>();
  CLI::App* rules = gen->add_subcommand("rules", "Generate a seeded rule set (ClassBench format)");
  rules->add_option("--profile", ro->profile, "Rule family: acl, fw or ipc")
      ->check(CLI::IsMember({"acl", "fw", "ipc"}))
      ->capture_default_str();
  rules->add_option("--count", ro->count, "Number of rules")->capture_default_str();
  rules
      ->add_option("--seed", ro->seed, "Seed: the same (profile, count, seed) gives the same rules")
      ->capture_default_str();
  rules->add_option("-o,--output", ro->out, "Output file (default: stdout)");
  rules->callback([ro] { run_gen_rules(*ro); });

  auto to = std::make_shared<GenTraceOptions>();
  CLI::App* trace =
      gen->add_subcommand("trace", "Generate a seeded trace of headers drawn from a rule set");
  trace->add_option("RULES", to->rules, "ClassBench rule file")->required();
  trace->add_option("--count", to->count, "Number of headers")->capture_default_str();
  trace->add_option("--seed", to->seed, "Seed")->capture_default_str();
  trace->add_option("--zipf", to->zipf, "Zipf exponent of rule popularity (0: uniform)")
      ->capture_default_str();
  trace->add_option("-o,--output", to->out, "Output file (default: stdout)");
  trace->callback([to] { run_gen_trace(*to); });
}

}  // namespace lacl::cli
