#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "commands.hpp"

namespace lacl::cli {
namespace {
int g_exit_code = 0;
}

void fail(const std::string& message, int code) {
  std::cerr << "lacl: " << message << '\n';
  if (g_exit_code == 0) g_exit_code = code;
}

bool check(const Status& s) {
  if (!s) fail(s.error().message);
  return s.ok();
}

int exit_code() {
  return g_exit_code;
}

std::optional<Action> parse_action(std::string_view text) {
  if (text == "accept") return Action::accept();
  if (text == "drop") return Action::drop();
  if (text.starts_with("accept:")) {
    const std::string port(text.substr(7));
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    const unsigned long p = std::stoul(port);
    if (p >= Action::kSamePort) return std::nullopt;
    return Action::accept(static_cast<std::uint16_t>(p));
  }
  return std::nullopt;
}

namespace {

// A knob the compiler tunes unless told: "tuned" (nullopt), `yes` (true) or `no` (false).
void add_tuned_option(CLI::App* cmd, const std::string& name, std::optional<bool>& value,
                      const std::string& yes, const std::string& no, const std::string& help) {
  cmd->add_option_function<std::string>(
         name,
         [&value, yes](const std::string& v) {
           if (v == "tuned") {
             value.reset();
           } else {
             value = v == yes;
           }
         },
         help)
      ->check(CLI::IsMember({std::string("tuned"), yes, no}));
}

}  // namespace

void add_list_layout_option(CLI::App* cmd, std::optional<bool>& lanes) {
  add_tuned_option(cmd, "--lists", lanes, "lanes", "rows",
                   "Layout of the candidate lists: rows (validated one at a time) or lanes (a "
                   "list at a time, with vector compares); default: tuned, the faster on the "
                   "tuning traffic");
}

void add_final_rules_option(CLI::App* cmd, std::optional<bool>& final_rules) {
  add_tuned_option(cmd, "--final-rules", final_rules, "on", "off",
                   "Whether a lookup stops at a final rule, one that nothing it would visit "
                   "later can beat: on, off or tuned (default: measured on the tuning traffic "
                   "while the tuning budget lasts, else on)");
}

void add_rule_input_options(CLI::App* cmd, RuleInput& in) {
  cmd->add_option("--format", in.format,
                  "Rule file format: classbench, l3fwd-acl or iptables (default: detect)")
      ->check(CLI::IsMember({"classbench", "l3fwd-acl", "iptables"}));
  cmd->add_option(
         "--rule-action", in.rule_action,
         "Action of ClassBench rules without an action column: accept, accept:<port> or drop")
      ->capture_default_str();
  cmd->add_option("--default-action", in.default_action,
                  "Action when no rule matches (iptables: the chain policy wins)")
      ->capture_default_str();
  cmd->add_option("--table", in.table, "iptables: table to read")->capture_default_str();
  cmd->add_option("--chain", in.chain, "iptables: chain to read")->capture_default_str();
  cmd->add_flag(
      "--skip-unsupported", in.skip_unsupported,
      "iptables: skip rules outside the supported subset with a warning instead of failing");
}

std::optional<LoadedRules> load_rules(const std::string& path, const RuleInput& in) {
  RuleFileOptions o;
  if (!in.format.empty()) o.format = parse_format(in.format);
  auto rule_action = parse_action(in.rule_action);
  if (!rule_action) {
    fail("bad --rule-action '" + in.rule_action + "' (expected accept, accept:<port> or drop)");
    return std::nullopt;
  }
  auto default_action = parse_action(in.default_action);
  if (!default_action) {
    fail("bad --default-action '" + in.default_action +
         "' (expected accept, accept:<port> or drop)");
    return std::nullopt;
  }
  o.rule_action = *rule_action;
  o.default_action = *default_action;
  o.iptables_table = in.table;
  o.iptables_chain = in.chain;
  o.skip_unsupported = in.skip_unsupported;
  auto loaded = load_rule_file(path, o);
  if (!loaded) {
    fail(loaded.error().message);
    return std::nullopt;
  }
  for (const std::string& w : loaded->warnings)
    std::cerr << "lacl: warning: " << w << '\n';
  return std::move(*loaded);
}

Output::Output(const std::string& path) : path_(path) {
  if (path.empty() || path == "-") return;
  file_.open(path, std::ios::binary | std::ios::trunc);
  if (!file_) {
    fail(path + ": cannot open for writing: " + std::strerror(errno));
    ok_ = false;
  }
}

bool Output::close() {
  stream().flush();
  if (!stream()) {
    fail((path_.empty() || path_ == "-" ? std::string("stdout") : path_) + ": write error");
    return false;
  }
  if (file_.is_open()) file_.close();
  return true;
}

}  // namespace lacl::cli
