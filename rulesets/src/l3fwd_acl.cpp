#include "lacl/l3fwd_acl.hpp"

#include <cstdint>
#include <optional>
#include <ostream>

#include "lacl/classbench.hpp"
#include "lacl/line_scanner.hpp"

namespace lacl {
namespace {

// A whole token read as strtoul(s, &end, 0) with *end == '\0' reads it: `0x` hex, a leading `0`
// octal, otherwise decimal. kTooLarge for a well-formed number above `max`.
Number parse_c_number(std::string_view s, std::uint64_t max) noexcept {
  unsigned base = 10;
  std::size_t i = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    i = 1;
  }
  if (i >= s.size()) return {};
  bool too_large = false;
  std::uint64_t v = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a') + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A') + 10;
    } else {
      return {};
    }
    if (d >= base) return {};
    if (!too_large) {
      v = v * base + d;
      too_large = v > max;  // max < 2^32, so v * base cannot wrap before this stops it
    }
  }
  if (too_large) return {NumStatus::kTooLarge, 0};
  return {NumStatus::kOk, v};
}

// The next blank-separated token and its column; empty at the end of the line.
struct Token {
  std::string_view text;
  std::size_t column;
};

Token next_token(LineScanner& s) {
  s.skip_blanks();
  const std::size_t col = s.column();
  return {s.word(), col};
}

// `a.b.c.d/len`.
Result<Range> scan_prefix(LineScanner& s, const std::string& which) {
  const Token t = next_token(s);
  if (t.text.empty()) return s.error("missing field: " + which + " address");
  const std::size_t slash = t.text.find('/');
  const std::string_view addr_text = t.text.substr(0, slash);
  const auto addr = parse_ipv4(addr_text);
  if (!addr)
    return s.error_at(t.column, "bad " + which + " address '" + std::string(addr_text) + "'");
  if (slash == std::string_view::npos) {
    return s.error_at(t.column + t.text.size(), "missing '/<length>' after " + which +
                                                    " address '" + std::string(t.text) + "'");
  }
  const std::string_view len_text = t.text.substr(slash + 1);
  const std::size_t len_col = t.column + slash + 1;
  const Number len = parse_c_number(len_text, 32);
  if (len.status == NumStatus::kTooLarge) {
    return s.error_at(len_col, which + " prefix length " + std::string(len_text) + " > 32");
  }
  if (len.status == NumStatus::kBad) {
    return s.error_at(len_col, "bad " + which + " prefix length '" + std::string(len_text) + "'");
  }
  return prefix_range(*addr, static_cast<unsigned>(len.value));
}

Result<std::uint32_t> scan_port(LineScanner& s, const std::string& which, const char* what) {
  const Token t = next_token(s);
  if (t.text.empty()) return s.error(std::string("missing field: ") + what);
  const Number n = parse_c_number(t.text, 65535);
  if (n.status == NumStatus::kTooLarge) {
    return s.error_at(t.column, which + " port " + std::string(t.text) + " > 65535");
  }
  if (n.status == NumStatus::kBad) {
    if (t.text.find(':') != std::string_view::npos) {
      return s.error_at(t.column, which + " port range '" + std::string(t.text) +
                                      "' needs blanks around ':' (lo : hi)");
    }
    return s.error_at(t.column, "bad " + which + " port '" + std::string(t.text) + "'");
  }
  return static_cast<std::uint32_t>(n.value);
}

// `lo : hi`, three fields.
Result<Range> scan_ports(LineScanner& s, const std::string& which) {
  s.skip_blanks();
  const std::size_t col = s.column();
  const std::string range = which + " port range";
  auto lo = scan_port(s, which, range.c_str());
  if (!lo) return lo.error();
  const Token colon = next_token(s);
  if (colon.text.empty()) return s.error("missing field: ':' of " + range);
  if (colon.text != ":") {
    return s.error_at(colon.column,
                      "expected ':' in " + range + ", found '" + std::string(colon.text) + "'");
  }
  const std::string end = range + " end";
  auto hi = scan_port(s, which, end.c_str());
  if (!hi) return hi.error();
  if (*lo > *hi) {
    return s.error_at(
        col, range + " has lo > hi (" + std::to_string(*lo) + " > " + std::to_string(*hi) + ")");
  }
  return Range{*lo, *hi};
}

// `value/mask`; only masks 0xff (one protocol) and 0x00 (any) are representable.
Status scan_protocol(LineScanner& s, Rule& r) {
  const Token t = next_token(s);
  if (t.text.empty()) return s.error("missing field: protocol");
  const std::size_t slash = t.text.find('/');
  const std::string_view value_text = t.text.substr(0, slash);
  const Number value = parse_c_number(value_text, 0xFF);
  if (value.status == NumStatus::kTooLarge) {
    return s.error_at(t.column, "protocol value " + std::string(value_text) + " > 255");
  }
  if (value.status == NumStatus::kBad) {
    return s.error_at(t.column, "bad protocol value '" + std::string(value_text) + "'");
  }
  if (slash == std::string_view::npos) {
    return s.error_at(t.column + t.text.size(),
                      "missing '/<mask>' after protocol '" + std::string(t.text) + "'");
  }
  const std::string_view mask_text = t.text.substr(slash + 1);
  const std::size_t mask_col = t.column + slash + 1;
  const Number mask = parse_c_number(mask_text, 0xFF);
  if (mask.status == NumStatus::kTooLarge) {
    return s.error_at(mask_col, "protocol mask " + std::string(mask_text) + " > 255");
  }
  if (mask.status == NumStatus::kBad) {
    return s.error_at(mask_col, "bad protocol mask '" + std::string(mask_text) + "'");
  }
  if (mask.value == 0xFF) {
    r.proto_value = static_cast<std::uint8_t>(value.value);
    r.proto_mask = 0xFF;
    r[Field::kProto] = {r.proto_value, r.proto_value};
  } else if (mask.value == 0) {
    r.proto_value = 0;  // rte_acl ignores the value bits outside the mask
    r.proto_mask = 0;
    r[Field::kProto] = {0, 0xFF};
  } else {
    return s.error_at(mask_col,
                      "protocol mask " + std::string(mask_text) +
                          " not supported: lacl matches one protocol (mask 0xff) or any (0x00)");
  }
  return Ok{};
}

Result<Rule> parse_rule_line(LineScanner& s, bool route) {
  Rule r;
  s.seek(1);  // the lead character
  auto src = scan_prefix(s, "source");
  if (!src) return src.error();
  auto dst = scan_prefix(s, "destination");
  if (!dst) return dst.error();
  auto sp = scan_ports(s, "source");
  if (!sp) return sp.error();
  auto dp = scan_ports(s, "destination");
  if (!dp) return dp.error();
  if (Status st = scan_protocol(s, r); !st) return st.error();
  r[Field::kSrcIp] = *src;
  r[Field::kDstIp] = *dst;
  r[Field::kSrcPort] = *sp;
  r[Field::kDstPort] = *dp;
  r.action = Action::drop();
  if (route) {
    const Token t = next_token(s);
    if (t.text.empty()) return s.error("missing field: output port");
    const Number port = parse_c_number(t.text, Action::kSamePort - 1);
    if (port.status == NumStatus::kTooLarge) {
      return s.error_at(t.column, "output port " + std::string(t.text) + " > " +
                                      std::to_string(Action::kSamePort - 1));
    }
    if (port.status == NumStatus::kBad) {
      return s.error_at(t.column, "bad output port '" + std::string(t.text) + "'");
    }
    r.action = Action::accept(static_cast<std::uint16_t>(port.value));
  }
  s.skip_blanks();
  if (!s.at_end()) return s.error("trailing garbage '" + std::string(s.rest()) + "'");
  return r;
}

// DPDK skips a line whose first character is '#' or whose characters are all white space.
bool is_skipped_line(std::string_view line) noexcept {
  if (!line.empty() && line.front() == '#') return true;
  return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

std::string format_ipv4(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xFF) + "." +
         std::to_string((a >> 8) & 0xFF) + "." + std::to_string(a & 0xFF);
}

std::string hex2(unsigned v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[(v >> 4) & 0xF] + kDigits[v & 0xF];
}

Result<std::string> format_prefix(const Range& r, const char* which) {
  const int len = prefix_length(r);
  if (len < 0) {
    return Error{std::string(which) + " address range " + format_ipv4(r.lo) + "-" +
                 format_ipv4(r.hi) + " is not a prefix; l3fwd needs addr/len"};
  }
  return format_ipv4(r.lo) + "/" + std::to_string(len);
}

}  // namespace

Result<std::vector<Rule>> parse_l3fwd_acl_rules(std::string_view text, std::string_view file) {
  std::vector<Rule> rules;
  Status st = for_each_line(text, [&](std::string_view line, std::size_t no) -> Status {
    if (is_skipped_line(line)) return Ok{};
    LineScanner s(line, file, no);
    if (line.front() != '@' && line.front() != 'R') {
      return s.error("line must start with '@' (ACL rule), 'R' (route rule) or '#' (comment)");
    }
    auto r = parse_rule_line(s, line.front() == 'R');
    if (!r) return r.error();
    rules.push_back(*r);
    return Ok{};
  });
  if (!st) return st.error();
  return rules;
}

Result<std::vector<Rule>> read_l3fwd_acl_rules(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_l3fwd_acl_rules(*text, path);
}

Result<std::string> format_l3fwd_acl_rule(const Rule& r) {
  const bool route = r.action.kind == Action::Kind::kAccept;
  if (route && r.action.port == Action::kSamePort) {
    return Error{"action 'accept' has no output port; an l3fwd route rule needs accept:<port>"};
  }
  if (r.proto_mask != 0xFF && r.proto_mask != 0x00) {
    return Error{"protocol mask must be 0x00 or 0xff"};
  }
  auto src = format_prefix(r[Field::kSrcIp], "source");
  if (!src) return src.error();
  auto dst = format_prefix(r[Field::kDstIp], "destination");
  if (!dst) return dst.error();
  std::string s(route ? "R" : "@");
  s += *src + " " + *dst + " ";
  s += std::to_string(r[Field::kSrcPort].lo) + " : " + std::to_string(r[Field::kSrcPort].hi) + " ";
  s += std::to_string(r[Field::kDstPort].lo) + " : " + std::to_string(r[Field::kDstPort].hi) + " ";
  s += hex2(r.proto_value) + "/" + hex2(r.proto_mask);
  if (route) s += " " + std::to_string(r.action.port);
  return s;
}

Status write_l3fwd_acl_rules(std::ostream& out, std::span<const Rule> rules) {
  std::string text;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    auto line = format_l3fwd_acl_rule(rules[i]);
    if (!line) return Error{"rule " + std::to_string(i) + ": " + line.error().message};
    text += *line;
    text += '\n';
  }
  out << text;
  return Ok{};
}

}  // namespace lacl
