#include "lacl/line_scanner.hpp"

namespace lacl {

bool LineScanner::skip_blanks() noexcept {
  const std::size_t start = pos_;
  while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t'))
    ++pos_;
  return pos_ != start;
}

bool LineScanner::consume(char c) noexcept {
  if (peek() != c || at_end()) return false;
  ++pos_;
  return true;
}

std::string_view LineScanner::word() noexcept {
  const std::size_t start = pos_;
  while (pos_ < line_.size() && line_[pos_] != ' ' && line_[pos_] != '\t')
    ++pos_;
  return line_.substr(start, pos_ - start);
}

std::optional<std::uint64_t> LineScanner::decimal(std::uint64_t max) noexcept {
  const std::size_t start = pos_;
  std::uint64_t v = 0;
  while (pos_ < line_.size() && line_[pos_] >= '0' && line_[pos_] <= '9') {
    v = v * 10 + static_cast<std::uint64_t>(line_[pos_] - '0');
    ++pos_;
    if (v > max) {
      pos_ = start;
      return std::nullopt;
    }
  }
  if (pos_ == start) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> LineScanner::hex(std::uint64_t max) noexcept {
  const std::size_t start = pos_;
  if (pos_ + 1 < line_.size() && line_[pos_] == '0' &&
      (line_[pos_ + 1] == 'x' || line_[pos_ + 1] == 'X')) {
    pos_ += 2;
  }
  const std::size_t digits = pos_;
  std::uint64_t v = 0;
  while (pos_ < line_.size()) {
    const char c = line_[pos_];
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      break;
    }
    v = v * 16 + static_cast<std::uint64_t>(d);
    ++pos_;
    if (v > max) {
      pos_ = start;
      return std::nullopt;
    }
  }
  if (pos_ == digits) {
    pos_ = start;
    return std::nullopt;
  }
  return v;
}

Error LineScanner::error_at(std::size_t column, std::string_view what) const {
  std::string msg;
  msg.append(file_).append(":").append(std::to_string(line_no_)).append(":");
  msg.append(std::to_string(column)).append(": ").append(what);
  return Error{std::move(msg)};
}

std::optional<std::uint32_t> parse_ipv4(std::string_view s) noexcept {
  std::uint32_t addr = 0;
  std::size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
    const std::size_t start = i;
    unsigned v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
    }
    const std::size_t digits = i - start;
    if (digits == 0 || v > 255 || (digits > 1 && s[start] == '0')) return std::nullopt;
    addr = (addr << 8) | v;
  }
  if (i != s.size()) return std::nullopt;
  return addr;
}

bool is_blank_or_comment(std::string_view line) noexcept {
  for (char c : line) {
    if (c == '#') return true;
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

}  // namespace lacl
