// LineScanner: a cursor over one line of a text format that knows its file, line and column, so
// every parser reports errors as `file:line:column: problem` the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lacl/result.hpp"

namespace lacl {

class LineScanner {
 public:
  LineScanner(std::string_view line, std::string_view file, std::size_t line_no)
      : line_(line), file_(file), line_no_(line_no) {}

  /// Skips spaces and TABs; true when at least one was skipped.
  bool skip_blanks() noexcept;
  bool at_end() const noexcept { return pos_ >= line_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : line_[pos_]; }
  std::size_t column() const noexcept { return pos_ + 1; }
  std::size_t pos() const noexcept { return pos_; }
  void seek(std::size_t pos) noexcept { pos_ = pos; }
  std::string_view rest() const noexcept { return line_.substr(pos_); }

  /// Consumes `c` when it is next.
  bool consume(char c) noexcept;
  /// Consumes a run of characters that are not blanks; empty at the end of the line.
  std::string_view word() noexcept;
  /// Consumes a run of decimal digits as a number no larger than `max`.
  std::optional<std::uint64_t> decimal(std::uint64_t max) noexcept;
  /// Consumes a run of hex digits (after an optional 0x) no larger than `max`.
  std::optional<std::uint64_t> hex(std::uint64_t max) noexcept;

  /// An error at the current column.
  Error error(std::string_view what) const { return error_at(column(), what); }
  /// An error at a given 1-based column.
  Error error_at(std::size_t column, std::string_view what) const;

 private:
  std::string_view line_;
  std::string_view file_;
  std::size_t line_no_;
  std::size_t pos_ = 0;
};

/// Calls `fn(line, line_no)` for each line of `text`, with the line end (LF or CRLF) removed.
/// Stops at the first error `fn` returns.
template <class Fn>
Status for_each_line(std::string_view text, Fn&& fn) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Status s = fn(line, line_no); !s) return s;
  }
  return Ok{};
}

/// A whole token as a number: kBad when malformed, kTooLarge when well formed but too large.
enum class NumStatus : std::uint8_t { kOk, kBad, kTooLarge };
struct Number {
  NumStatus status = NumStatus::kBad;
  std::uint64_t value = 0;
};

/// A whole token as a dotted quad the way inet_pton(AF_INET) and iptables-save write it: four
/// decimal octets 0..255, no leading zeros. Host byte order.
std::optional<std::uint32_t> parse_ipv4(std::string_view s) noexcept;

/// True for lines a rule or trace reader skips: empty, only blanks, or a '#' comment.
bool is_blank_or_comment(std::string_view line) noexcept;

}  // namespace lacl
