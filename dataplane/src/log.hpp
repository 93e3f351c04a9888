// Log lines of lacl-dataplane on stderr, one write per line so threads do not interleave.
#pragma once

#include <cstdarg>
#include <cstdio>

namespace lacl::dataplane {

namespace detail {
inline void vlog(const char* level, const char* format, std::va_list args) {
  char line[1024];
  const int n = std::snprintf(line, sizeof line, "lacl-dataplane: %s", level);
  std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n), format, args);
  std::fprintf(stderr, "%s\n", line);
}
}  // namespace detail

__attribute__((format(printf, 1, 2))) inline void log_info(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  detail::vlog("", format, args);
  va_end(args);
}

__attribute__((format(printf, 1, 2))) inline void log_warning(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  detail::vlog("warning: ", format, args);
  va_end(args);
}

__attribute__((format(printf, 1, 2))) inline void log_error(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  detail::vlog("error: ", format, args);
  va_end(args);
}

}  // namespace lacl::dataplane
