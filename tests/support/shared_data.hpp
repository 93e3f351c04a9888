// Access to the ClassBench rule sets in ../shared/rulesets, when present. Tests that need them
// call `require_shared_sets()` first, which ends the process with meson's "skipped" code (77) and
// a message when the data is absent.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lacl::test {

/// The directory holding the *.rules.xz / *.trace.xz files, or nullopt when absent.
std::optional<std::string> shared_rulesets_dir();

/// Names of the sets present (e.g. "acl1_1k"), sorted; `max_rules_k` filters by the size tag
/// (1, 10, 100, 500 for 1k/10k/100k/500k).
std::vector<std::string> shared_set_names(unsigned max_rules_k);

/// Decompresses `<name>.rules` / `<name>.trace` into a per-process temp dir (once) and returns
/// the path of the plain file.
std::string shared_file(const std::string& name, const std::string& kind);

/// Exits with 77 (meson: skipped) when there are no shared sets.
void require_shared_sets();

}  // namespace lacl::test
