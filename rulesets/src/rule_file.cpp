#include "lacl/rule_file.hpp"

#include "lacl/classbench.hpp"
#include "lacl/line_scanner.hpp"

namespace lacl {

const char* format_name(RuleFormat f) noexcept {
  switch (f) {
    case RuleFormat::kClassBench:
      return "classbench";
    case RuleFormat::kL3fwdAcl:
      return "l3fwd-acl";
    case RuleFormat::kIptables:
      return "iptables";
  }
  return "?";
}

std::optional<RuleFormat> parse_format(std::string_view name) noexcept {
  if (name == "classbench") return RuleFormat::kClassBench;
  if (name == "l3fwd-acl") return RuleFormat::kL3fwdAcl;
  if (name == "iptables") return RuleFormat::kIptables;
  return std::nullopt;
}

std::optional<RuleFormat> detect_format(std::string_view text) noexcept {
  std::optional<RuleFormat> found;
  (void)for_each_line(text, [&](std::string_view line, std::size_t) -> Status {
    if (is_blank_or_comment(line)) return Ok{};
    std::size_t i = line.find_first_not_of(" \t");
    if (line[i] == '@') found = RuleFormat::kClassBench;
    return Error{};  // the first meaningful line decides
  });
  return found;
}

Result<LoadedRules> parse_rule_file(std::string_view text, std::string_view file,
                                    const RuleFileOptions& options) {
  std::optional<RuleFormat> format = options.format ? options.format : detect_format(text);
  if (!format) {
    return Error{std::string(file) + ": cannot tell the rule format; pass --format"};
  }
  LoadedRules out;
  out.format = *format;
  switch (*format) {
    case RuleFormat::kClassBench: {
      auto rules = parse_classbench_rules(text, file, options.rule_action);
      if (!rules) return rules.error();
      auto set = RuleSet::make(std::move(*rules), options.default_action);
      if (!set) return Error{std::string(file) + ": " + set.error().message};
      out.rules = std::move(*set);
      return out;
    }
    case RuleFormat::kL3fwdAcl:
    case RuleFormat::kIptables:
      break;
  }
  return Error{std::string(file) + ": format " + format_name(*format) + " is not supported yet"};
}

Result<LoadedRules> load_rule_file(const std::string& path, const RuleFileOptions& options) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_rule_file(*text, path, options);
}

}  // namespace lacl
