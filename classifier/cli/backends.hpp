// The classifiers the lacl tool can run, chosen by name with --backend.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "lacl/result.hpp"
#include "lacl/rule_set.hpp"

namespace lacl::cli {

inline constexpr std::string_view kDefaultBackend = "lacl";

/// A built classifier behind a common batch interface.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual void classify(std::span<const PacketKey> keys, std::span<RuleId> out) const = 0;
};

/// "linear, ..." for help texts.
std::string backend_names();
/// Builds the named backend over `rules`; an unknown name is an error listing the known ones.
Result<std::unique_ptr<Backend>> make_backend(std::string_view name, const RuleSet& rules);

}  // namespace lacl::cli
