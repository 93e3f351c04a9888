// Reading rule files in every format lacl understands, behind one call that every command and
// the dataplane use: `lacl ... --format classbench|l3fwd-acl|iptables` (detected when omitted).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lacl/result.hpp"
#include "lacl/rule_set.hpp"

namespace lacl {

enum class RuleFormat : std::uint8_t { kClassBench, kL3fwdAcl, kIptables };

/// "classbench", "l3fwd-acl" or "iptables".
const char* format_name(RuleFormat f) noexcept;
std::optional<RuleFormat> parse_format(std::string_view name) noexcept;

struct RuleFileOptions {
  std::optional<RuleFormat> format;       ///< nullopt: detect from the content
  Action rule_action = Action::accept();  ///< ClassBench rules without an action column
  Action default_action = Action::accept();  ///< when nothing matches (iptables: chain policy)
  std::string iptables_table = "filter";
  std::string iptables_chain = "FORWARD";
  bool skip_unsupported = false;          ///< iptables: unsupported rules become warnings
};

struct LoadedRules {
  RuleSet rules;
  RuleFormat format = RuleFormat::kClassBench;
  std::vector<std::string> warnings;  ///< `file:line: ...` for each skipped rule
};

/// Guesses the format from the first meaningful lines; nullopt when it cannot tell.
std::optional<RuleFormat> detect_format(std::string_view text) noexcept;

/// Parses rule text. Errors are `file:line:column: problem`.
Result<LoadedRules> parse_rule_file(std::string_view text, std::string_view file,
                                    const RuleFileOptions& options);
/// Reads and parses a rule file.
Result<LoadedRules> load_rule_file(const std::string& path, const RuleFileOptions& options);

}  // namespace lacl
