#include "lacl/classbench.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "lacl/line_scanner.hpp"

namespace lacl {
namespace {

// A dotted quad: four decimal octets 0..255.
std::optional<std::uint32_t> scan_ipv4(LineScanner& s) {
  std::uint32_t addr = 0;
  for (int i = 0; i < 4; ++i) {
    if (i > 0 && !s.consume('.')) return std::nullopt;
    auto octet = s.decimal(255);
    if (!octet) return std::nullopt;
    addr = (addr << 8) | static_cast<std::uint32_t>(*octet);
  }
  return addr;
}

bool ends_field(const LineScanner& s) {
  return s.at_end() || s.peek() == ' ' || s.peek() == '\t';
}

// `a.b.c.d/len` or `a.b.c.d-e.f.g.h`.
Result<Range> scan_address(LineScanner& s, const char* which) {
  if (s.at_end()) return s.error(std::string("missing field: ") + which + " address");
  const std::size_t col = s.column();
  auto addr = scan_ipv4(s);
  if (!addr)
    return s.error_at(col,
                      std::string("bad ") + which + " address '" + std::string(s.word()) + "'");
  if (s.consume('/')) {
    const std::size_t len_col = s.column();
    auto len = s.decimal(99);
    if (!len) return s.error_at(len_col, std::string("bad ") + which + " prefix length");
    if (*len > 32) {
      return s.error_at(len_col,
                        std::string(which) + " prefix length " + std::to_string(*len) + " > 32");
    }
    if (!ends_field(s))
      return s.error(std::string("trailing characters after ") + which + " prefix");
    return prefix_range(*addr, static_cast<unsigned>(*len));
  }
  if (s.consume('-')) {
    const std::size_t hi_col = s.column();
    auto hi = scan_ipv4(s);
    if (!hi) return s.error_at(hi_col, std::string("bad ") + which + " range end address");
    if (*addr > *hi) return s.error_at(col, std::string(which) + " address range has lo > hi");
    if (!ends_field(s))
      return s.error(std::string("trailing characters after ") + which + " range");
    return Range{*addr, *hi};
  }
  return s.error(std::string("expected '/<len>' or '-<addr>' after ") + which + " address");
}

// `lo : hi` (blanks around the colon optional).
Result<Range> scan_ports(LineScanner& s, const char* which) {
  if (s.at_end()) return s.error(std::string("missing field: ") + which + " port range");
  const std::size_t col = s.column();
  auto lo = s.decimal(65535);
  if (!lo) {
    if (s.peek() >= '0' && s.peek() <= '9') return s.error(std::string(which) + " port > 65535");
    return s.error(std::string("bad ") + which + " port range");
  }
  s.skip_blanks();
  if (!s.consume(':')) return s.error(std::string("expected ':' in ") + which + " port range");
  s.skip_blanks();
  if (s.at_end()) return s.error(std::string("missing ") + which + " port range end");
  auto hi = s.decimal(65535);
  if (!hi) {
    if (s.peek() >= '0' && s.peek() <= '9') return s.error(std::string(which) + " port > 65535");
    return s.error(std::string("bad ") + which + " port range end");
  }
  if (!ends_field(s))
    return s.error(std::string("trailing characters after ") + which + " port range");
  if (*lo > *hi) {
    return s.error_at(col, std::string(which) + " port range has lo > hi (" + std::to_string(*lo) +
                               " > " + std::to_string(*hi) + ")");
  }
  return Range{static_cast<std::uint32_t>(*lo), static_cast<std::uint32_t>(*hi)};
}

struct ValueMask {
  std::uint64_t value;
  std::uint64_t mask;
};

// `0xVV/0xMM`.
Result<ValueMask> scan_value_mask(LineScanner& s, const char* which, std::uint64_t max) {
  if (s.at_end()) return s.error(std::string("missing field: ") + which);
  auto bad = [&] { return s.error(std::string("bad hex in ") + which + " value/mask"); };
  auto value = s.hex(max);
  if (!value) return bad();
  if (!s.consume('/')) return s.error(std::string("expected '/' in ") + which + " value/mask");
  auto mask = s.hex(max);
  if (!mask) return bad();
  if (!ends_field(s)) return s.error(std::string("trailing characters after ") + which);
  return ValueMask{*value, *mask};
}

Result<Action> scan_action(LineScanner& s) {
  const std::size_t col = s.column();
  std::string_view w = s.word();
  if (w == "drop") return Action::drop();
  if (w == "accept") return Action::accept();
  if (w.starts_with("accept:")) {
    LineScanner port(w.substr(7), "", 0);
    auto p = port.decimal(Action::kSamePort - 1);
    if (p && port.at_end()) return Action::accept(static_cast<std::uint16_t>(*p));
    return s.error_at(col + 7, "bad output port in action '" + std::string(w) + "'");
  }
  return s.error_at(
      col, "trailing garbage '" + std::string(w) + "' (expected accept, accept:<port> or drop)");
}

Result<Rule> parse_rule_line(LineScanner& s, Action rule_action) {
  Rule r;
  s.skip_blanks();
  if (!s.consume('@')) return s.error("rule must start with '@'");
  auto src = scan_address(s, "source");
  if (!src) return src.error();
  s.skip_blanks();
  auto dst = scan_address(s, "destination");
  if (!dst) return dst.error();
  s.skip_blanks();
  auto sp = scan_ports(s, "source");
  if (!sp) return sp.error();
  s.skip_blanks();
  auto dp = scan_ports(s, "destination");
  if (!dp) return dp.error();
  s.skip_blanks();
  const std::size_t proto_col = s.column();
  auto proto = scan_value_mask(s, "protocol", 0xFF);
  if (!proto) return proto.error();
  if (proto->mask != 0xFF && proto->mask != 0x00) {
    return s.error_at(proto_col, "protocol mask must be 0x00 or 0xFF");
  }
  if (proto->mask == 0x00 && proto->value != 0) {
    return s.error_at(proto_col, "wildcard protocol (mask 0x00) must have value 0x00");
  }
  s.skip_blanks();
  auto flags = scan_value_mask(s, "TCP flags", 0xFFFF);
  if (!flags) return flags.error();
  s.skip_blanks();
  r.action = rule_action;
  if (!s.at_end()) {
    auto action = scan_action(s);
    if (!action) return action.error();
    r.action = *action;
    s.skip_blanks();
    if (!s.at_end()) return s.error("trailing garbage '" + std::string(s.rest()) + "'");
  }
  r[Field::kSrcIp] = *src;
  r[Field::kDstIp] = *dst;
  r[Field::kSrcPort] = *sp;
  r[Field::kDstPort] = *dp;
  r.proto_value = static_cast<std::uint8_t>(proto->value);
  r.proto_mask = static_cast<std::uint8_t>(proto->mask);
  r[Field::kProto] = proto->mask == 0xFF ? Range{r.proto_value, r.proto_value} : Range{0, 0xFF};
  r.flags_value = static_cast<std::uint16_t>(flags->value);
  r.flags_mask = static_cast<std::uint16_t>(flags->mask);
  return r;
}

std::string format_ipv4(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xFF) + "." +
         std::to_string((a >> 8) & 0xFF) + "." + std::to_string(a & 0xFF);
}

std::string format_address(const Range& r) {
  const int len = prefix_length(r);
  if (len >= 0) return format_ipv4(r.lo) + "/" + std::to_string(len);
  return format_ipv4(r.lo) + "-" + format_ipv4(r.hi);
}

std::string hex(unsigned v, int width) {
  static const char* digits = "0123456789ABCDEF";
  std::string s = "0x";
  for (int i = width - 1; i >= 0; --i)
    s += digits[(v >> (4 * i)) & 0xF];
  return s;
}

}  // namespace

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error{path + ": read error"};
  return ss.str();
}

Result<std::vector<Rule>> parse_classbench_rules(std::string_view text, std::string_view file,
                                                 Action rule_action) {
  std::vector<Rule> rules;
  Status st = for_each_line(text, [&](std::string_view line, std::size_t no) -> Status {
    if (is_blank_or_comment(line)) return Ok{};
    LineScanner s(line, file, no);
    auto r = parse_rule_line(s, rule_action);
    if (!r) return r.error();
    rules.push_back(*r);
    return Ok{};
  });
  if (!st) return st.error();
  return rules;
}

Result<std::vector<Rule>> read_classbench_rules(const std::string& path, Action rule_action) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_classbench_rules(*text, path, rule_action);
}

std::string format_classbench_rule(const Rule& r, bool with_action) {
  std::string s =
      "@" + format_address(r[Field::kSrcIp]) + "\t" + format_address(r[Field::kDstIp]) + "\t";
  s += std::to_string(r[Field::kSrcPort].lo) + " : " + std::to_string(r[Field::kSrcPort].hi) + "\t";
  s += std::to_string(r[Field::kDstPort].lo) + " : " + std::to_string(r[Field::kDstPort].hi) + "\t";
  s += hex(r.proto_value, 2) + "/" + hex(r.proto_mask, 2) + "\t";
  s += hex(r.flags_value, 4) + "/" + hex(r.flags_mask, 4) + "\t";
  if (with_action) s += to_string(r.action) + "\t";
  return s;
}

void write_classbench_rules(std::ostream& out, std::span<const Rule> rules, bool with_action) {
  for (const Rule& r : rules)
    out << format_classbench_rule(r, with_action) << '\n';
}

Result<std::vector<TraceEntry>> parse_trace(std::string_view text, std::string_view file) {
  std::vector<TraceEntry> trace;
  static constexpr const char* kNames[] = {
      "source address", "destination address", "source port", "destination port", "protocol",
      "flags",          "rule index"};
  static constexpr std::uint64_t kMax[] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFF,     0xFFFF,
                                           0xFF,        0xFFFFFFFFu, 0xFFFFFFFEu};
  Status st = for_each_line(text, [&](std::string_view line, std::size_t no) -> Status {
    if (is_blank_or_comment(line)) return Ok{};
    LineScanner s(line, file, no);
    std::uint64_t v[7] = {};
    int n = 0;
    s.skip_blanks();
    for (; n < 7 && !s.at_end(); ++n) {
      const std::size_t col = s.column();
      auto x = s.decimal(kMax[n]);
      if (!x) {
        std::string_view w = s.word();
        bool digits = !w.empty() && w.find_first_not_of("0123456789") == std::string_view::npos;
        if (digits) {
          return s.error_at(
              col, std::string(kNames[n]) + " " + std::string(w) + " > " + std::to_string(kMax[n]));
        }
        return s.error_at(col, "bad " + std::string(kNames[n]) + " '" + std::string(w) + "'");
      }
      if (!s.at_end() && !s.skip_blanks()) {
        return s.error("trailing characters after " + std::string(kNames[n]));
      }
      v[n] = *x;
    }
    if (n < 6) return s.error("missing field: " + std::string(kNames[n]));
    if (!s.at_end()) return s.error("trailing garbage '" + std::string(s.rest()) + "'");
    TraceEntry e;
    e.key.src_ip = static_cast<std::uint32_t>(v[0]);
    e.key.dst_ip = static_cast<std::uint32_t>(v[1]);
    e.key.src_port = static_cast<std::uint16_t>(v[2]);
    e.key.dst_port = static_cast<std::uint16_t>(v[3]);
    e.key.proto = static_cast<std::uint8_t>(v[4]);
    e.flags = static_cast<std::uint32_t>(v[5]);
    e.rule = n == 7 ? static_cast<std::int64_t>(v[6]) : -1;
    trace.push_back(e);
    return Ok{};
  });
  if (!st) return st.error();
  return trace;
}

Result<std::vector<TraceEntry>> read_trace(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_trace(*text, path);
}

std::string format_trace_entry(const TraceEntry& e) {
  std::string s = std::to_string(e.key.src_ip) + "\t" + std::to_string(e.key.dst_ip) + "\t" +
                  std::to_string(e.key.src_port) + "\t" + std::to_string(e.key.dst_port) + "\t" +
                  std::to_string(e.key.proto) + "\t" + std::to_string(e.flags);
  if (e.rule >= 0) s += "\t" + std::to_string(e.rule);
  return s;
}

std::vector<PacketKey> trace_keys(std::span<const TraceEntry> trace) {
  std::vector<PacketKey> keys;
  keys.reserve(trace.size());
  for (const TraceEntry& e : trace)
    keys.push_back(e.key);
  return keys;
}

void write_trace(std::ostream& out, std::span<const TraceEntry> trace) {
  for (const TraceEntry& e : trace)
    out << format_trace_entry(e) << '\n';
}

}  // namespace lacl
