#include "lacl/iptables.hpp"

#include <algorithm>
#include <bit>
#include <utility>

#include "lacl/classbench.hpp"
#include "lacl/line_scanner.hpp"

namespace lacl {
namespace {

struct ProtocolName {
  std::string_view name;
  std::uint8_t number;
};

// IANA "Assigned Internet Protocol Numbers" keywords, lower-cased as /etc/protocols writes them,
// then the different names Debian's netbase and the BSDs use for some numbers, then iptables'
// own names (xtables_chain_protos). Several names may share a number; names are unique.
// clang-format off
constexpr ProtocolName kProtocols[] = {
    {"hopopt", 0},       {"icmp", 1},          {"igmp", 2},          {"ggp", 3},
    {"ipv4", 4},         {"st", 5},            {"tcp", 6},           {"cbt", 7},
    {"egp", 8},          {"igp", 9},           {"bbn-rcc-mon", 10},  {"nvp-ii", 11},
    {"pup", 12},         {"argus", 13},        {"emcon", 14},        {"xnet", 15},
    {"chaos", 16},       {"udp", 17},          {"mux", 18},          {"dcn-meas", 19},
    {"hmp", 20},         {"prm", 21},          {"xns-idp", 22},      {"trunk-1", 23},
    {"trunk-2", 24},     {"leaf-1", 25},       {"leaf-2", 26},       {"rdp", 27},
    {"irtp", 28},        {"iso-tp4", 29},      {"netblt", 30},       {"mfe-nsp", 31},
    {"merit-inp", 32},   {"dccp", 33},         {"3pc", 34},          {"idpr", 35},
    {"xtp", 36},         {"ddp", 37},          {"idpr-cmtp", 38},    {"tp++", 39},
    {"il", 40},          {"ipv6", 41},         {"sdrp", 42},         {"ipv6-route", 43},
    {"ipv6-frag", 44},   {"idrp", 45},         {"rsvp", 46},         {"gre", 47},
    {"dsr", 48},         {"bna", 49},          {"esp", 50},          {"ah", 51},
    {"i-nlsp", 52},      {"swipe", 53},        {"narp", 54},         {"min-ipv4", 55},
    {"tlsp", 56},        {"skip", 57},         {"ipv6-icmp", 58},    {"ipv6-nonxt", 59},
    {"ipv6-opts", 60},   {"cftp", 62},         {"sat-expak", 64},    {"kryptolan", 65},
    {"rvd", 66},         {"ippc", 67},         {"sat-mon", 69},      {"visa", 70},
    {"ipcv", 71},        {"cpnx", 72},         {"cphb", 73},         {"wsn", 74},
    {"pvp", 75},         {"br-sat-mon", 76},   {"sun-nd", 77},       {"wb-mon", 78},
    {"wb-expak", 79},    {"iso-ip", 80},       {"vmtp", 81},         {"secure-vmtp", 82},
    {"vines", 83},       {"ttp", 84},          {"iptm", 84},         {"nsfnet-igp", 85},
    {"dgp", 86},         {"tcf", 87},          {"eigrp", 88},        {"ospfigp", 89},
    {"sprite-rpc", 90},  {"larp", 91},         {"mtp", 92},          {"ax.25", 93},
    {"ipip", 94},        {"micp", 95},         {"scc-sp", 96},       {"etherip", 97},
    {"encap", 98},       {"gmtp", 100},        {"ifmp", 101},        {"pnni", 102},
    {"pim", 103},        {"aris", 104},        {"scps", 105},        {"qnx", 106},
    {"a/n", 107},        {"ipcomp", 108},      {"snp", 109},         {"compaq-peer", 110},
    {"ipx-in-ip", 111},  {"vrrp", 112},        {"pgm", 113},         {"l2tp", 115},
    {"ddx", 116},        {"iatp", 117},        {"stp", 118},         {"srp", 119},
    {"uti", 120},        {"smp", 121},         {"sm", 122},          {"ptp", 123},
    {"isis", 124},       {"fire", 125},        {"crtp", 126},        {"crudp", 127},
    {"sscopmce", 128},   {"iplt", 129},        {"sps", 130},         {"pipe", 131},
    {"sctp", 132},       {"fc", 133},          {"rsvp-e2e-ignore", 134}, {"mobility-header", 135},
    {"udplite", 136},    {"mpls-in-ip", 137},  {"manet", 138},       {"hip", 139},
    {"shim6", 140},      {"wesp", 141},        {"rohc", 142},        {"ethernet", 143},
    {"aggfrag", 144},    {"nsh", 145},
    // Debian netbase and BSD names.
    {"ip", 0},           {"ipencap", 4},       {"st2", 5},           {"bbn-rcc", 10},
    {"nvp", 11},         {"dcn", 19},          {"mhrp", 48},         {"ipv6-crypt", 50},
    {"ipv6-auth", 51},   {"mobile", 55},       {"icmp6", 58},        {"rspf", 73},
    {"ospf", 89},        {"carp", 112},
    // iptables.
    {"all", 0},          {"icmpv6", 58},       {"mh", 135},
};
// clang-format on

bool iequal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// A whole token of decimal digits; kTooLarge for one above `max` (< 2^32).
Number parse_decimal(std::string_view s, std::uint64_t max) noexcept {
  if (s.empty()) return {};
  std::uint64_t v = 0;
  bool too_large = false;
  for (char c : s) {
    if (c < '0' || c > '9') return {};
    if (!too_large) {
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
      too_large = v > max;
    }
  }
  if (too_large) return {NumStatus::kTooLarge, 0};
  return {NumStatus::kOk, v};
}

// One word of a rule: blank-separated, or a double-quoted string (iptables-save quotes comment
// and log-prefix texts, escaping `"` and `\` with a backslash).
struct Token {
  std::string text;
  std::size_t column;
  bool quoted = false;
};

Result<std::vector<Token>> tokenize(LineScanner& s) {
  std::vector<Token> tokens;
  for (;;) {
    s.skip_blanks();
    if (s.at_end()) return tokens;
    Token t{{}, s.column(), false};
    if (s.consume('"')) {
      t.quoted = true;
      for (;;) {
        if (s.at_end()) return s.error_at(t.column, "unterminated quoted string");
        const char c = s.peek();
        s.seek(s.pos() + 1);
        if (c == '"') break;
        if (c == '\\' && !s.at_end()) {
          t.text += s.peek();
          s.seek(s.pos() + 1);
        } else {
          t.text += c;
        }
      }
      if (!s.at_end() && s.peek() != ' ' && s.peek() != '\t') {
        return s.error("expected a blank after the quoted string");
      }
    } else {
      t.text = std::string(s.word());
    }
    tokens.push_back(std::move(t));
  }
}

// What one `-A` line of the chosen chain comes to.
struct RuleOutcome {
  enum class Kind : std::uint8_t { kRule, kUnsupported, kNoTarget };
  Kind kind = Kind::kRule;
  Rule rule;
  std::string unsupported;  ///< kUnsupported: "unsupported option '-m state'"
  std::size_t column = 0;
};

RuleOutcome unsupported(std::size_t column, const std::string& option, const char* note = nullptr) {
  RuleOutcome o;
  o.kind = RuleOutcome::Kind::kUnsupported;
  o.unsupported = "unsupported option '" + option + "'";
  if (note) o.unsupported += std::string(" (") + note + ")";
  o.column = column;
  return o;
}

// Targets of iptables extensions and the built-in RETURN/QUEUE are upper case by convention.
bool looks_like_builtin_target(std::string_view t) noexcept {
  if (t.empty() || t[0] < 'A' || t[0] > 'Z') return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

class RuleParser {
 public:
  RuleParser(const LineScanner& s, const std::vector<Token>& tokens,
             const std::vector<std::string>& chains, const std::string& table)
      : s_(s), tokens_(tokens), chains_(chains), table_(table) {}

  Result<RuleOutcome> parse() {
    for (i_ = 0; i_ < tokens_.size(); ++i_) {
      const Token& t = tokens_[i_];
      if (t.text == "!" && !t.quoted) {
        if (i_ + 1 == tokens_.size()) return s_.error_at(t.column, "'!' at the end of the rule");
        return unsupported(t.column, "! " + tokens_[i_ + 1].text);
      }
      if (t.quoted || t.text.size() < 2 || t.text[0] != '-') {
        return s_.error_at(t.column, "unexpected '" + t.text + "' (expected an option)");
      }
      const std::string& o = t.text;
      std::optional<RuleOutcome> stop;
      Status st = Ok{};
      if (o == "-s" || o == "--source" || o == "--src") {
        st = address(Field::kSrcIp, "source", stop);
      } else if (o == "-d" || o == "--destination" || o == "--dst") {
        st = address(Field::kDstIp, "destination", stop);
      } else if (o == "-p" || o == "--protocol") {
        st = protocol();
      } else if (o == "-m" || o == "--match") {
        st = match(stop);
      } else if (o == "--sport" || o == "--source-port") {
        st = ports(Field::kSrcPort, "source");
      } else if (o == "--dport" || o == "--destination-port") {
        st = ports(Field::kDstPort, "destination");
      } else if (o == "--comment") {
        st = comment();
      } else if (o == "-j" || o == "--jump") {
        st = jump(stop);
      } else {
        return unsupported(t.column, o);
      }
      if (!st) return st.error();
      if (stop) return *stop;
    }
    if (l4_match_ && proto_ != static_cast<int>(*l4_match_)) {
      const char* name = *l4_match_ == 6 ? "tcp" : "udp";
      return s_.error_at(l4_match_column_,
                         std::string("'-m ") + name + "' needs '-p " + name + "'");
    }
    RuleOutcome out;
    if (!target_) {
      out.kind = RuleOutcome::Kind::kNoTarget;
      return out;
    }
    if (proto_ >= 0) {
      rule_.proto_value = static_cast<std::uint8_t>(proto_);
      rule_.proto_mask = 0xFF;
      rule_[Field::kProto] = {rule_.proto_value, rule_.proto_value};
    }
    rule_.action = *target_;
    out.rule = rule_;
    return out;
  }

 private:
  const Token& option() const { return tokens_[i_]; }

  // The option's argument; an error when the rule ends first.
  Result<const Token*> argument(const char* what) {
    if (i_ + 1 >= tokens_.size()) {
      return s_.error_at(option().column + option().text.size(),
                         "missing " + std::string(what) + " after '" + option().text + "'");
    }
    ++i_;
    return &tokens_[i_];
  }

  Status once(bool& seen) {
    if (seen) return s_.error_at(option().column, "duplicate option '" + option().text + "'");
    seen = true;
    return Ok{};
  }

  // addr, addr/len or addr/dotted-mask.
  Status address(Field f, const std::string& which, std::optional<RuleOutcome>& stop) {
    const std::size_t opt_col = option().column;
    const std::string opt = option().text;
    if (Status st = once(f == Field::kSrcIp ? seen_src_ : seen_dst_); !st) return st;
    auto arg = argument("address");
    if (!arg) return arg.error();
    const Token& t = **arg;
    const std::size_t slash = t.text.find('/');
    const std::string_view text = t.text;
    const std::string_view addr_text = text.substr(0, slash);
    const auto addr = parse_ipv4(addr_text);
    if (!addr)
      return s_.error_at(t.column, "bad " + which + " address '" + std::string(addr_text) + "'");
    unsigned len = 32;
    if (slash != std::string_view::npos) {
      const std::string_view mask_text = text.substr(slash + 1);
      const std::size_t mask_col = t.column + slash + 1;
      if (mask_text.find('.') != std::string_view::npos) {
        const auto mask = parse_ipv4(mask_text);
        if (!mask)
          return s_.error_at(mask_col,
                             "bad " + which + " netmask '" + std::string(mask_text) + "'");
        const std::uint32_t host = ~*mask;
        if ((host & (host + 1)) != 0) {  // the host bits are not one run at the bottom
          stop = unsupported(opt_col, opt + " " + t.text, "non-contiguous netmask");
          return Ok{};
        }
        len = 32 - static_cast<unsigned>(std::popcount(host));
      } else {
        const Number n = parse_decimal(mask_text, 32);
        if (n.status == NumStatus::kTooLarge) {
          return s_.error_at(mask_col,
                             which + " prefix length " + std::string(mask_text) + " > 32");
        }
        if (n.status == NumStatus::kBad) {
          return s_.error_at(mask_col,
                             "bad " + which + " prefix length '" + std::string(mask_text) + "'");
        }
        len = static_cast<unsigned>(n.value);
      }
    }
    rule_[f] = prefix_range(*addr, len);
    return Ok{};
  }

  Status protocol() {
    if (Status st = once(seen_proto_); !st) return st;
    auto arg = argument("protocol");
    if (!arg) return arg.error();
    const Token& t = **arg;
    const Number n = parse_decimal(t.text, 0xFF);
    if (n.status == NumStatus::kTooLarge)
      return s_.error_at(t.column, "protocol " + t.text + " > 255");
    std::uint8_t number;
    if (n.status == NumStatus::kOk) {
      number = static_cast<std::uint8_t>(n.value);
    } else if (auto named = protocol_number(t.text)) {
      number = *named;
    } else {
      return s_.error_at(t.column, "unknown protocol name '" + t.text + "'");
    }
    proto_ = number == 0 ? -1 : number;  // iptables: protocol 0 is "all"
    return Ok{};
  }

  Status match(std::optional<RuleOutcome>& stop) {
    const std::size_t col = option().column;
    auto arg = argument("match name");
    if (!arg) return arg.error();
    const std::string& name = (*arg)->text;
    if (name == "comment") {
      comment_loaded_ = true;
      return Ok{};
    }
    if (name == "tcp" || name == "udp") {
      if (l4_match_) {
        stop = unsupported(col, "-m " + name, "second port match");
        return Ok{};
      }
      l4_match_ = name == "tcp" ? 6 : 17;
      l4_match_column_ = col;
      return Ok{};
    }
    stop = unsupported(col, "-m " + name);
    return Ok{};
  }

  // N, N:M, N: or :M.
  Status ports(Field f, const std::string& which) {
    const std::string opt = option().text;
    if (!l4_match_ && proto_ != 6 && proto_ != 17) {
      return s_.error_at(option().column, "'" + opt + "' needs '-p tcp' or '-p udp'");
    }
    if (Status st = once(f == Field::kSrcPort ? seen_sport_ : seen_dport_); !st) return st;
    auto arg = argument("port");
    if (!arg) return arg.error();
    const Token& t = **arg;
    const std::string_view text = t.text;
    const std::size_t colon = text.find(':');
    auto one = [&](std::string_view part, std::size_t col,
                   std::uint32_t dflt) -> Result<std::uint32_t> {
      if (part.empty() && colon != std::string_view::npos) return dflt;
      const Number n = parse_decimal(part, 65535);
      if (n.status == NumStatus::kTooLarge) {
        return s_.error_at(col, which + " port " + std::string(part) + " > 65535");
      }
      if (n.status == NumStatus::kBad)
        return s_.error_at(t.column, "bad " + which + " port '" + t.text + "'");
      return static_cast<std::uint32_t>(n.value);
    };
    auto lo = one(text.substr(0, colon), t.column, 0);
    if (!lo) return lo.error();
    std::uint32_t hi = *lo;
    if (colon != std::string_view::npos) {
      auto h = one(text.substr(colon + 1), t.column + colon + 1, 65535);
      if (!h) return h.error();
      hi = *h;
    }
    if (*lo > hi) {
      return s_.error_at(t.column, which + " port range has lo > hi (" + std::to_string(*lo) +
                                       " > " + std::to_string(hi) + ")");
    }
    rule_[f] = Range{*lo, hi};
    return Ok{};
  }

  Status comment() {
    if (!comment_loaded_) return s_.error_at(option().column, "'--comment' needs '-m comment'");
    auto arg = argument("text");
    if (!arg) return arg.error();
    return Ok{};
  }

  Status jump(std::optional<RuleOutcome>& stop) {
    const std::size_t col = option().column;
    if (Status st = once(seen_target_); !st) return st;
    auto arg = argument("target");
    if (!arg) return arg.error();
    const Token& t = **arg;
    if (t.text == "ACCEPT") {
      target_ = Action::accept();
    } else if (t.text == "DROP") {
      target_ = Action::drop();
    } else if (std::find(chains_.begin(), chains_.end(), t.text) != chains_.end() ||
               looks_like_builtin_target(t.text)) {
      stop = unsupported(col, "-j " + t.text);
    } else {
      return s_.error_at(t.column,
                         "bad target '" + t.text +
                             "' (not ACCEPT, DROP, another built-in target or a chain of table '" +
                             table_ + "')");
    }
    return Ok{};
  }

  const LineScanner& s_;
  const std::vector<Token>& tokens_;
  const std::vector<std::string>& chains_;
  const std::string& table_;
  std::size_t i_ = 0;
  Rule rule_ = wildcard_rule();
  int proto_ = -1;  ///< -1: any protocol
  std::optional<std::uint8_t> l4_match_;
  std::size_t l4_match_column_ = 0;
  std::optional<Action> target_;
  bool comment_loaded_ = false;
  bool seen_src_ = false, seen_dst_ = false, seen_proto_ = false, seen_sport_ = false,
       seen_dport_ = false, seen_target_ = false;
};

// Walks the lines of an iptables-save file, checking the block structure of every table and
// collecting the chosen chain.
class SaveParser {
 public:
  SaveParser(std::string_view file, const IptablesOptions& options)
      : file_(file), options_(options) {}

  Status line(std::string_view line, std::size_t no) {
    LineScanner s(line, file_, no);
    line_no_ = no;
    s.skip_blanks();
    if (s.at_end() || s.peek() == '#') return Ok{};
    switch (s.peek()) {
      case '*':
        return table_line(s, no);
      case ':':
        return chain_line(s);
      case '[': {
        if (Status st = counters(s); !st) return st;
        s.skip_blanks();
        return command(s);
      }
      case '-':
        return command(s);
      default:
        break;
    }
    const std::size_t col = s.column();
    if (s.word() == "COMMIT") {
      s.skip_blanks();
      if (!s.at_end()) return s.error("trailing garbage '" + std::string(s.rest()) + "'");
      if (!table_) return s.error_at(col, "COMMIT outside a table");
      table_.reset();
      return Ok{};
    }
    return s.error_at(col,
                      "unexpected line (expected '*table', ':chain policy', '-A chain ...', "
                      "'COMMIT' or a '#' comment)");
  }

  Result<IptablesChain> finish() {
    if (table_) {
      return LineScanner("", file_, table_->line)
          .error_at(1, "table '" + table_->name + "' has no COMMIT");
    }
    if (!table_seen_) return Error{std::string(file_) + ": no table '" + options_.table + "'"};
    if (!chain_seen_) {
      return Error{std::string(file_) + ": table '" + options_.table + "' has no chain '" +
                   options_.chain + "'"};
    }
    return std::move(out_);
  }

 private:
  struct OpenTable {
    std::string name;
    std::size_t line = 0;
    std::vector<std::string> chains;
  };

  bool chosen_table() const { return table_ && table_->name == options_.table; }

  Status table_line(LineScanner& s, std::size_t no) {
    const std::size_t col = s.column();
    s.consume('*');
    const std::string name(s.word());
    if (name.empty()) return s.error("missing table name after '*'");
    s.skip_blanks();
    if (!s.at_end()) return s.error("trailing garbage '" + std::string(s.rest()) + "'");
    if (table_) {
      return s.error_at(col, "'*" + name + "' before COMMIT of table '" + table_->name + "'");
    }
    if (std::find(tables_.begin(), tables_.end(), name) != tables_.end()) {
      return s.error_at(col, "table '" + name + "' appears twice");
    }
    tables_.push_back(name);
    table_ = OpenTable{name, no, {}};
    if (chosen_table()) table_seen_ = true;
    return Ok{};
  }

  // `:NAME POLICY [packets:bytes]`
  Status chain_line(LineScanner& s) {
    const std::size_t col = s.column();
    if (!table_) return s.error_at(col, "chain line outside a table");
    s.consume(':');
    const std::string name(s.word());
    if (name.empty()) return s.error("missing chain name after ':'");
    if (std::find(table_->chains.begin(), table_->chains.end(), name) != table_->chains.end()) {
      return s.error_at(col, "chain '" + name + "' declared twice");
    }
    s.skip_blanks();
    const std::size_t policy_col = s.column();
    const std::string_view policy = s.word();
    if (policy.empty()) return s.error("missing policy of chain '" + name + "'");
    std::optional<Action> action;
    if (policy == "ACCEPT") {
      action = Action::accept();
    } else if (policy == "DROP") {
      action = Action::drop();
    } else if (policy != "-") {
      return s.error_at(policy_col, "bad policy '" + std::string(policy) + "' of chain '" + name +
                                        "' (expected ACCEPT, DROP or '-')");
    }
    s.skip_blanks();
    if (!s.at_end()) {
      if (Status st = counters(s); !st) return st;
      s.skip_blanks();
      if (!s.at_end()) return s.error("trailing garbage '" + std::string(s.rest()) + "'");
    }
    table_->chains.push_back(name);
    if (chosen_table() && name == options_.chain) {
      chain_seen_ = true;
      out_.policy = action;
    }
    return Ok{};
  }

  // `[packets:bytes]`
  Status counters(LineScanner& s) {
    const std::size_t col = s.column();
    const std::string_view w = s.word();
    const std::size_t colon = w.find(':');
    auto digits = [](std::string_view d) {
      return !d.empty() && d.find_first_not_of("0123456789") == std::string_view::npos;
    };
    if (w.size() < 5 || w.front() != '[' || w.back() != ']' || colon == std::string_view::npos ||
        !digits(w.substr(1, colon - 1)) || !digits(w.substr(colon + 1, w.size() - colon - 2))) {
      return s.error_at(col, "bad counters '" + std::string(w) + "' (expected [packets:bytes])");
    }
    return Ok{};
  }

  Status command(LineScanner& s) {
    const std::size_t col = s.column();
    const std::string cmd(s.word());
    if (cmd != "-A" && cmd != "--append") {
      return s.error_at(
          col, "unsupported command '" + cmd + "' (iptables-save writes rules as '-A chain ...')");
    }
    if (!table_)
      return s.error_at(col, "rule outside a table ('-A' before '*table' or after COMMIT)");
    s.skip_blanks();
    const std::size_t chain_col = s.column();
    const std::string chain(s.word());
    if (chain.empty()) return s.error("missing chain name after '" + cmd + "'");
    if (std::find(table_->chains.begin(), table_->chains.end(), chain) == table_->chains.end()) {
      return s.error_at(chain_col,
                        "chain '" + chain + "' is not declared in table '" + table_->name + "'");
    }
    if (!chosen_table() || chain != options_.chain) return Ok{};

    auto tokens = tokenize(s);
    if (!tokens) return tokens.error();
    auto outcome = RuleParser(s, *tokens, table_->chains, table_->name).parse();
    if (!outcome) return outcome.error();
    switch (outcome->kind) {
      case RuleOutcome::Kind::kRule:
        out_.rules.push_back(outcome->rule);
        return Ok{};
      case RuleOutcome::Kind::kNoTarget:
        out_.warnings.push_back(line_prefix() +
                                "skipped: rule has no target (-j), it only counts packets");
        return Ok{};
      case RuleOutcome::Kind::kUnsupported:
        if (!options_.skip_unsupported) return s.error_at(outcome->column, outcome->unsupported);
        out_.warnings.push_back(line_prefix() + "skipped: " + outcome->unsupported);
        return Ok{};
    }
    return Ok{};
  }

  // "file:line: " of the line being read.
  std::string line_prefix() const {
    return std::string(file_) + ":" + std::to_string(line_no_) + ": ";
  }

  std::string_view file_;
  const IptablesOptions& options_;
  std::size_t line_no_ = 0;
  std::optional<OpenTable> table_;
  std::vector<std::string> tables_;
  bool table_seen_ = false;
  bool chain_seen_ = false;
  IptablesChain out_;
};

}  // namespace

std::optional<std::uint8_t> protocol_number(std::string_view name) noexcept {
  for (const ProtocolName& p : kProtocols) {
    if (iequal(p.name, name)) return p.number;
  }
  return std::nullopt;
}

Result<IptablesChain> parse_iptables_save(std::string_view text, std::string_view file,
                                          const IptablesOptions& options) {
  SaveParser parser(file, options);
  Status st = for_each_line(
      text, [&](std::string_view line, std::size_t no) { return parser.line(line, no); });
  if (!st) return st.error();
  return parser.finish();
}

Result<IptablesChain> read_iptables_save(const std::string& path, const IptablesOptions& options) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_iptables_save(*text, path, options);
}

}  // namespace lacl
