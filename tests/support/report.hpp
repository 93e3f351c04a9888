// What tests read of a compile report.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "lacl/classifier.hpp"

namespace lacl::test {

/// How many of c's tuning lines (CompileReport::tuning) contain `what`.
inline std::size_t tuning_lines_with(const Classifier& c, std::string_view what) {
  const auto& lines = c.report().tuning;
  return static_cast<std::size_t>(
      std::count_if(lines.begin(), lines.end(),
                    [&](const std::string& l) { return l.find(what) != std::string::npos; }));
}

}  // namespace lacl::test
