// The lacl subcommands. Each add_*_command registers a subcommand whose callback does the work;
// failures print `lacl: <message>` to stderr and set the process exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "lacl/result.hpp"
#include "lacl/rule_file.hpp"

namespace lacl::cli {

void add_gen_command(CLI::App& app);
void add_classify_command(CLI::App& app);
void add_compile_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_bench_command(CLI::App& app);

/// The rule-file options every command that reads rules takes (--format, --rule-action, ...).
struct RuleInput {
  std::string format;  ///< empty: detect
  std::string rule_action = "accept";
  std::string default_action = "accept";
  std::string table = "filter";
  std::string chain = "FORWARD";
  bool skip_unsupported = false;
};
void add_rule_input_options(CLI::App* cmd, RuleInput& in);
/// The --lists option: the layout of candidate lists, "rows" or "lanes" (default: tuned).
void add_list_layout_option(CLI::App* cmd, std::optional<bool>& lanes);
/// The --final-rules option: whether the lookup stops at final rules, "on" or "off" (default:
/// tuned).
void add_final_rules_option(CLI::App* cmd, std::optional<bool>& final_rules);
/// Loads `path` as `in` says; prints warnings; on error fails and returns nullopt.
std::optional<LoadedRules> load_rules(const std::string& path, const RuleInput& in);
/// Parses "accept", "accept:<port>" or "drop".
std::optional<Action> parse_action(std::string_view text);

/// Records a failure: prints it and makes exit_code() non-zero.
void fail(const std::string& message, int code = 1);
/// Prints an Error and fails when `s` is not ok; returns s.ok().
bool check(const Status& s);
int exit_code();

/// Opens `path` for writing, or stdout when empty or "-". Fails with the OS reason.
class Output {
 public:
  explicit Output(const std::string& path);
  bool ok() const { return ok_; }
  std::ostream& stream() { return file_.is_open() ? file_ : std::cout; }
  /// Flushes and reports a write error (full disk, closed pipe) as a failure.
  bool close();

 private:
  std::string path_;
  std::ofstream file_;
  bool ok_ = true;
};

}  // namespace lacl::cli
