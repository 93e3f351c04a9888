// libFuzzer target: every rule-file parser and the trace parser on arbitrary text. Each must
// return rules or an error; a parsed rule set must be valid (RuleSet::check on every rule).
// Built and run by run.sh.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "lacl/classbench.hpp"
#include "lacl/rule_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<lacl::RuleFormat> formats[] = {std::nullopt, lacl::RuleFormat::kClassBench,
                                                     lacl::RuleFormat::kL3fwdAcl,
                                                     lacl::RuleFormat::kIptables};
  for (const auto& format : formats) {
    for (bool skip : {false, true}) {
      lacl::RuleFileOptions o;
      o.format = format;
      o.skip_unsupported = skip;
      auto loaded = lacl::parse_rule_file(text, "fuzz", o);
      if (!loaded) continue;
      for (const lacl::Rule& r : loaded->rules.rules()) {
        if (!lacl::RuleSet::check(r).empty()) __builtin_trap();
      }
    }
  }
  (void)lacl::detect_format(text);
  (void)lacl::parse_trace(text, "fuzz");
  (void)lacl::parse_classbench_rules(text, "fuzz");
  return 0;
}
