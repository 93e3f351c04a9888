// The l3fwd-acl and iptables-save readers, the l3fwd writer, format detection and the rule-file
// front end: exact rules from real files, one test per error kind, round trips.
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include "rules.hpp"

#include "lacl/classbench.hpp"
#include "lacl/generator.hpp"
#include "lacl/iptables.hpp"
#include "lacl/l3fwd_acl.hpp"
#include "lacl/rule_file.hpp"

using namespace lacl;
using test::make_rule;

namespace {

constexpr std::uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

constexpr Range kAnyPort{0, 65535};

const Range kAnyIp = prefix_range(0, 0);
Range pfx(std::uint32_t addr, unsigned len) {
  return prefix_range(addr, len);
}

std::string samples_dir() {
  return LACL_SAMPLES_DIR;
}

std::string read_text(const std::string& path) {
  auto text = read_file(path);
  REQUIRE(text);
  return *text;
}

std::string l3_error(const std::string& text) {
  auto r = parse_l3fwd_acl_rules(text, "a.rules");
  REQUIRE_FALSE(r);
  return r.error().message;
}

std::string ipt_error(const std::string& text, const IptablesOptions& o = {}) {
  auto r = parse_iptables_save(text, "f.save", o);
  REQUIRE_FALSE(r);
  return r.error().message;
}

// The first rule matching `k`, or kNoMatch: the semantics every format maps to.
RuleId first_match(const std::vector<Rule>& rules, const PacketKey& k) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (matches(rules[i], k)) return static_cast<RuleId>(i);
  }
  return kNoMatch;
}

// The FORWARD chain of rulesets/samples/iptables-forward*.save, which iptables-restore made from
// kForwardRestoreInput below (iptables-save prints /32 hosts, N:M ranges, protocol names).
std::vector<Rule> expected_forward_rules() {
  const Action a = Action::accept(), d = Action::drop();
  return {
      make_rule(pfx(ip(10, 0, 0, 1), 32), kAnyIp, kAnyPort, kAnyPort, -1, a),
      make_rule(pfx(ip(10, 1, 0, 0), 16), pfx(ip(192, 168, 0, 0), 16), kAnyPort, {80, 80}, 6, a),
      make_rule(pfx(ip(10, 1, 0, 0), 16), kAnyIp, {1024, 65535}, {0, 1023}, 6, d),
      make_rule(kAnyIp, pfx(ip(192, 168, 1, 0), 24), kAnyPort, {8000, 8080}, 6, a),
      make_rule(kAnyIp, kAnyIp, {53, 53}, {1024, 65535}, 17, a),
      make_rule(kAnyIp, pfx(ip(8, 8, 8, 8), 32), kAnyPort, {53, 53}, 17, a),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 1, a),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 47, a),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 50, a),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 4, d),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 132, d),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 200, d),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 143, d),
      make_rule(pfx(ip(172, 16, 0, 0), 12), kAnyIp, kAnyPort, kAnyPort, -1, d),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 6, a),
      make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 17, a),
      make_rule(kAnyIp, pfx(ip(10, 9, 9, 8), 31), kAnyPort, {65535, 65535}, 17, d),
      make_rule(kAnyIp, pfx(ip(203, 0, 113, 7), 32), kAnyPort, kAnyPort, -1, d),
  };
}

constexpr const char* kForwardRestoreInput = R"(*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp --dport 22 -j ACCEPT
-A FORWARD -s 10.0.0.1 -j ACCEPT
-A FORWARD -s 10.1.0.0/16 -d 192.168.0.0/16 -p tcp --dport 80 -j ACCEPT
-A FORWARD -s 10.1.0.0/255.255.0.0 -p tcp --sport 1024: --dport :1023 -j DROP
-A FORWARD -d 192.168.1.0/24 -p tcp -m tcp --dport 8000:8080 -j ACCEPT
-A FORWARD -p udp --sport 53 --dport 1024:65535 -j ACCEPT
-A FORWARD -d 8.8.8.8 -p udp -m comment --comment "dns: \"google\"" --dport 53 -j ACCEPT
-A FORWARD -p icmp -j ACCEPT
-A FORWARD -p gre -j ACCEPT
-A FORWARD -p esp -j ACCEPT
-A FORWARD -p 4 -j DROP
-A FORWARD -p sctp -j DROP
-A FORWARD -p 200 -j DROP
-A FORWARD -p 143 -j DROP
-A FORWARD -s 172.16.0.0/12 -p all -j DROP
-A FORWARD -p tcp -j ACCEPT
-A FORWARD -p udp --sport 0:65535 -j ACCEPT
-A FORWARD -d 10.9.9.9/31 -p udp --dport 65535 -j DROP
-A FORWARD -s 0.0.0.0/0 -d 203.0.113.7 -j DROP
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 10.0.0.0/8 -o eth0 -j MASQUERADE
COMMIT
)";

// Runs a shell command with its error output muted; true when it exits 0.
bool run(const std::string& cmd) {
  return std::system((cmd + " 2>/dev/null").c_str()) == 0;
}

// The live test names its namespaces lacl-fmt-<pid>-<backend>. A run killed before its cleanup
// (a test timeout) leaves one behind; delete those whose process is gone.
void delete_stale_namespaces() {
  FILE* p = popen("ip netns list 2>/dev/null", "r");
  if (!p) return;
  std::vector<std::string> stale;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) {
    std::string name(buf);
    name = name.substr(0, name.find_first_of(" \n"));
    constexpr std::string_view kPrefix = "lacl-fmt-";
    if (!name.starts_with(kPrefix)) continue;
    const long pid = std::strtol(name.c_str() + kPrefix.size(), nullptr, 10);
    if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) stale.push_back(name);
  }
  pclose(p);
  for (const std::string& name : stale)
    run("ip netns delete " + name);
}

void check_rules(const std::vector<Rule>& got, const std::vector<Rule>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i, format_classbench_rule(got[i], true), format_classbench_rule(want[i], true));
    CHECK(got[i] == want[i]);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// l3fwd-acl

TEST_CASE("l3fwd: ACL and route lines keep file order as priority", "[l3fwd]") {
  // The DPDK guide's example, with exact protocol masks.
  const std::string text =
      "# ACL then routes\n"
      "@1.2.3.0/24 192.168.0.36/32 0 : 65535 0 : 65535 0x06/0xff\n"
      "\n"
      "R0.0.0.0/0 192.168.0.36/32 0 : 65535 0 : 65535 0x06/0xff 1\n"
      "R0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0x00/0x00 0\n";
  auto rules = parse_l3fwd_acl_rules(text, "x");
  REQUIRE(rules);
  check_rules(*rules, {
                          make_rule(pfx(ip(1, 2, 3, 0), 24), pfx(ip(192, 168, 0, 36), 32), kAnyPort,
                                    kAnyPort, 6, Action::drop()),
                          make_rule(kAnyIp, pfx(ip(192, 168, 0, 36), 32), kAnyPort, kAnyPort, 6,
                                    Action::accept(1)),
                          make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, -1, Action::accept(0)),
                      });
  // The guide's three packets: the first matching line decides, whatever its kind.
  CHECK(first_match(*rules, {ip(1, 2, 3, 4), ip(192, 168, 0, 36), 1, 2, 6}) == 0);
  CHECK(first_match(*rules, {ip(1, 2, 4, 4), ip(192, 168, 0, 36), 1, 2, 6}) == 1);
  CHECK(first_match(*rules, {ip(1, 2, 3, 4), ip(192, 168, 0, 36), 1, 2, 8}) == 2);
}

TEST_CASE("l3fwd: numbers read as strtoul base 0, blanks, TABs and CRLF", "[l3fwd]") {
  const std::string text =
      "@ 10.0.0.0/0x8\t0.0.0.0/0   0x50 : 0x50\t010 : 0x1F 6/255\r\n"
      "R0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0x11/0377 65534\r\n"
      "@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0x06/0x00\n"
      "   \t\n";
  auto rules = parse_l3fwd_acl_rules(text, "x");
  REQUIRE(rules);
  check_rules(*rules,
              {
                  make_rule(pfx(ip(10, 0, 0, 0), 8), kAnyIp, {80, 80}, {8, 31}, 6, Action::drop()),
                  make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 17, Action::accept(65534)),
                  // mask 0x00: any protocol whatever the value, stored as 0x00/0x00
                  make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, -1, Action::drop()),
              });
  CHECK(RuleSet::make(*rules).ok());
}

TEST_CASE("l3fwd: each malformed element names file:line:column and the problem",
          "[l3fwd][errors]") {
  const std::string ok = "R0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0x00/0x00 0\n";
  auto err = [&](const std::string& line2) { return l3_error(ok + line2 + "\n"); };
  // Columns: '@' 1, source 2..11, destination 13..22, source ports from 24.
  const std::string addrs = "@1.2.3.4/32 5.6.7.8/32 ";
  const std::string ports = "0 : 65535 0 : 65535 ";
  CHECK(err("@1.2.3/24 5.6.7.8/32 " + ports + "0x06/0xff") ==
        "a.rules:2:2: bad source address '1.2.3'");
  CHECK(err("@01.2.3.4/32 5.6.7.8/32 " + ports + "0x06/0xff") ==
        "a.rules:2:2: bad source address '01.2.3.4'");
  CHECK(err("@1.2.3.4/32 5.6.7.256/32 " + ports + "0x06/0xff") ==
        "a.rules:2:13: bad destination address '5.6.7.256'");
  CHECK(err("@1.2.3.4 5.6.7.8/32 " + ports + "0x06/0xff") ==
        "a.rules:2:9: missing '/<length>' after source address '1.2.3.4'");
  CHECK(err("@1.2.3.4/33 5.6.7.8/32 " + ports + "0x06/0xff") ==
        "a.rules:2:10: source prefix length 33 > 32");
  CHECK(err("@1.2.3.4/32 5.6.7.8/0x21 " + ports + "0x06/0xff") ==
        "a.rules:2:21: destination prefix length 0x21 > 32");
  CHECK(err("@1.2.3.0/24/7 5.6.7.8/32 " + ports + "0x06/0xff") ==
        "a.rules:2:10: bad source prefix length '24/7'");
  CHECK(err(addrs + "0 : 65536 0 : 65535 0x06/0xff") == "a.rules:2:28: source port 65536 > 65535");
  CHECK(err(addrs + "0 : 65535 70000 : 70000 0x06/0xff") ==
        "a.rules:2:34: destination port 70000 > 65535");
  CHECK(err(addrs + "9 : 1 0 : 65535 0x06/0xff") ==
        "a.rules:2:24: source port range has lo > hi (9 > 1)");
  CHECK(err(addrs + "0 : 65535 080 : 90 0x06/0xff") == "a.rules:2:34: bad destination port '080'");
  CHECK(err(addrs + "0:65535 0 : 65535 0x06/0xff") ==
        "a.rules:2:24: source port range '0:65535' needs blanks around ':' (lo : hi)");
  CHECK(err(addrs + "0 - 65535 0 : 65535 0x06/0xff") ==
        "a.rules:2:26: expected ':' in source port range, found '-'");
  CHECK(err(addrs + ports + "0xZZ/0xff") == "a.rules:2:44: bad protocol value '0xZZ'");
  CHECK(err(addrs + ports + "0x06/0xfg") == "a.rules:2:49: bad protocol mask '0xfg'");
  CHECK(err(addrs + ports + "0x100/0xff") == "a.rules:2:44: protocol value 0x100 > 255");
  CHECK(err(addrs + ports + "0x06/0xfe") ==
        "a.rules:2:49: protocol mask 0xfe not supported: lacl matches one protocol (mask 0xff) or "
        "any (0x00)");
  CHECK(err(addrs + ports + "0x06") == "a.rules:2:48: missing '/<mask>' after protocol '0x06'");
  CHECK(err(addrs + "0 : 65535") == "a.rules:2:33: missing field: destination port range");
  CHECK(err(addrs + "0") == "a.rules:2:25: missing field: ':' of source port range");
  CHECK(err(addrs + "0 :") == "a.rules:2:27: missing field: source port range end");
  CHECK(err(addrs + ports) == "a.rules:2:44: missing field: protocol");
  CHECK(err("@") == "a.rules:2:2: missing field: source address");
  // A ClassBench line (TCP flags column) is not an l3fwd line.
  CHECK(err(addrs + ports + "0x06/0xff 0x0000/0x0000") ==
        "a.rules:2:54: trailing garbage '0x0000/0x0000'");
  CHECK(err("R1.2.3.4/32 5.6.7.8/32 " + ports + "0x06/0xff") ==
        "a.rules:2:53: missing field: output port");
  CHECK(err("R1.2.3.4/32 5.6.7.8/32 " + ports + "0x06/0xff x") ==
        "a.rules:2:54: bad output port 'x'");
  CHECK(err("R1.2.3.4/32 5.6.7.8/32 " + ports + "0x06/0xff 65535") ==
        "a.rules:2:54: output port 65535 > 65534");
  CHECK(err("R1.2.3.4/32 5.6.7.8/32 " + ports + "0x06/0xff 1 2") ==
        "a.rules:2:56: trailing garbage '2'");
  CHECK(err(" @1.2.3.4/32 5.6.7.8/32 " + ports + "0x06/0xff") ==
        "a.rules:2:1: line must start with '@' (ACL rule), 'R' (route rule) or '#' (comment)");
  CHECK(err(" # indented comment") ==
        "a.rules:2:1: line must start with '@' (ACL rule), 'R' (route rule) or '#' (comment)");
}

TEST_CASE("l3fwd: the writer prints DPDK's layout and refuses what l3fwd cannot hold",
          "[l3fwd][writer]") {
  Rule r = make_rule(pfx(ip(10, 0, 0, 0), 8), pfx(ip(192, 168, 1, 0), 24), kAnyPort, {80, 80}, 6,
                     Action::drop());
  r.flags_value = 0x1000;  // ClassBench's flags have no l3fwd column
  r.flags_mask = 0x1000;
  auto line = format_l3fwd_acl_rule(r);
  REQUIRE(line);
  CHECK(*line == "@10.0.0.0/8 192.168.1.0/24 0 : 65535 80 : 80 0x06/0xff");
  r.action = Action::accept(3);
  r.proto_value = 0;
  r.proto_mask = 0;
  r[Field::kProto] = {0, 255};
  line = format_l3fwd_acl_rule(r);
  REQUIRE(line);
  CHECK(*line == "R10.0.0.0/8 192.168.1.0/24 0 : 65535 80 : 80 0x00/0x00 3");

  r.action = Action::accept();
  auto bad = format_l3fwd_acl_rule(r);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        "action 'accept' has no output port; an l3fwd route rule needs accept:<port>");
  r.action = Action::drop();
  r[Field::kSrcIp] = {5, 1000};
  bad = format_l3fwd_acl_rule(r);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        "source address range 0.0.0.5-0.0.3.232 is not a prefix; l3fwd needs addr/len");

  std::vector<Rule> rules(3, make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, -1, Action::drop()));
  rules[2].action = Action::accept();
  std::ostringstream out;
  Status st = write_l3fwd_acl_rules(out, rules);
  REQUIRE_FALSE(st);
  CHECK(st.error().message ==
        "rule 2: action 'accept' has no output port; an l3fwd route rule needs accept:<port>");
  CHECK(out.str().empty());
}

TEST_CASE("l3fwd: ClassBench -> l3fwd -> ClassBench round trips", "[l3fwd][roundtrip]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    CAPTURE(profile_name(p));
    std::vector<Rule> rules = generate_rules(p, 500, 11);
    for (std::size_t i = 0; i < rules.size(); ++i) {
      rules[i].action =
          i % 3 == 0 ? Action::drop() : Action::accept(static_cast<std::uint16_t>(i % 4));
    }
    // Through ClassBench text first, so the flags column is real.
    std::ostringstream cb;
    write_classbench_rules(cb, rules, true);
    auto from_cb = parse_classbench_rules(cb.str(), "cb");
    REQUIRE(from_cb);

    std::ostringstream l3;
    REQUIRE(write_l3fwd_acl_rules(l3, *from_cb).ok());
    CHECK(detect_format(l3.str()) == RuleFormat::kL3fwdAcl);
    auto from_l3 = parse_l3fwd_acl_rules(l3.str(), "l3");
    REQUIRE(from_l3);

    std::ostringstream cb2;
    write_classbench_rules(cb2, *from_l3, true);
    auto back = parse_classbench_rules(cb2.str(), "cb2");
    REQUIRE(back);
    std::vector<Rule> want = *from_cb;
    for (Rule& r : want)
      r.flags_value = r.flags_mask = 0;  // l3fwd has no TCP flags
    check_rules(*back, want);

    // And l3fwd -> ClassBench -> l3fwd gives the same text.
    std::ostringstream l3again;
    REQUIRE(write_l3fwd_acl_rules(l3again, *back).ok());
    CHECK(l3again.str() == l3.str());
  }
}

// ---------------------------------------------------------------------------------------------
// iptables-save

TEST_CASE("iptables: protocol names as iptables prints them", "[iptables]") {
  CHECK(protocol_number("tcp") == 6);
  CHECK(protocol_number("TCP") == 6);
  CHECK(protocol_number("udp") == 17);
  CHECK(protocol_number("icmp") == 1);
  CHECK(protocol_number("ipencap") == 4);
  CHECK(protocol_number("st") == 5);
  CHECK(protocol_number("gre") == 47);
  CHECK(protocol_number("esp") == 50);
  CHECK(protocol_number("ah") == 51);
  CHECK(protocol_number("ospf") == 89);
  CHECK(protocol_number("sctp") == 132);
  CHECK(protocol_number("udplite") == 136);
  CHECK(protocol_number("ethernet") == 143);
  CHECK(protocol_number("all") == 0);
  CHECK(protocol_number("icmpv6") == 58);
  CHECK(protocol_number("mh") == 135);
  CHECK_FALSE(protocol_number("foo"));
  CHECK_FALSE(protocol_number(""));
  // Every name of this machine's /etc/protocols that fits a byte, as iptables-save would print
  // it, is in the embedded table with the same number.
  std::ifstream in("/etc/protocols");
  if (!in) {
    WARN("/etc/protocols absent: cross-check skipped");
    return;
  }
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string name;
    unsigned number = 0;
    if (!(words >> name >> number) || number > 255) continue;
    CAPTURE(name, number);
    CHECK(protocol_number(name) == static_cast<std::uint8_t>(number));
    ++checked;
  }
  CHECK(checked > 10);
}

TEST_CASE("iptables: real iptables-save output (nft and legacy) gives the exact FORWARD rules",
          "[iptables][samples]") {
  for (const char* name : {"iptables-forward.save", "iptables-forward-legacy.save"}) {
    CAPTURE(name);
    const std::string text = read_text(samples_dir() + "/" + name);
    CHECK(detect_format(text) == RuleFormat::kIptables);
    auto chain = parse_iptables_save(text, name);
    REQUIRE(chain);
    check_rules(chain->rules, expected_forward_rules());
    CHECK(chain->policy == Action::drop());
    CHECK(chain->warnings.empty());
  }
}

TEST_CASE("iptables: chain and table selection", "[iptables][samples]") {
  const std::string text = read_text(samples_dir() + "/iptables-forward.save");
  IptablesOptions o;
  o.chain = "INPUT";
  CHECK(ipt_error(text, o) == "f.save:6:10: unsupported option '-i'");
  o.skip_unsupported = true;
  auto input = parse_iptables_save(text, "f.save", o);
  REQUIRE(input);
  check_rules(input->rules, {make_rule(kAnyIp, kAnyIp, kAnyPort, {22, 22}, 6, Action::accept())});
  CHECK(input->policy == Action::accept());
  CHECK(input->warnings ==
        std::vector<std::string>{"f.save:6: skipped: unsupported option '-i'",
                                 "f.save:7: skipped: unsupported option '-m conntrack'"});

  o.chain = "OUTPUT";
  auto output = parse_iptables_save(text, "f.save", o);
  REQUIRE(output);
  CHECK(output->rules.empty());
  CHECK(output->policy == Action::accept());

  o.table = "nat";
  o.chain = "POSTROUTING";
  o.skip_unsupported = false;
  CHECK(ipt_error(text, o) == "f.save:35:30: unsupported option '-o'");
  o.chain = "NOPE";
  CHECK(ipt_error(text, o) == "f.save: table 'nat' has no chain 'NOPE'");
  o.table = "raw";
  CHECK(ipt_error(text, o) == "f.save: no table 'raw'");
}

TEST_CASE("iptables: unsupported rules are errors, or warnings that take no rule id",
          "[iptables][samples]") {
  const std::string text = read_text(samples_dir() + "/iptables-mixed-counters.save");
  CHECK(ipt_error(text) == "f.save:7:18: unsupported option '-m state'");

  IptablesOptions o;
  o.skip_unsupported = true;
  auto chain = parse_iptables_save(text, "f.save", o);
  REQUIRE(chain);
  check_rules(chain->rules, {
                                make_rule(pfx(ip(10, 0, 0, 0), 8), kAnyIp, kAnyPort, {22, 22}, 6,
                                          Action::accept()),
                                make_rule(kAnyIp, pfx(ip(203, 0, 113, 0), 24), kAnyPort,
                                          {500, 4500}, 17, Action::accept()),
                                make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 1, Action::drop()),
                            });
  CHECK(chain->policy == Action::accept());
  CHECK(chain->warnings ==
        std::vector<std::string>{
            "f.save:7: skipped: unsupported option '-m state'",
            "f.save:9: skipped: unsupported option '! -s'",
            "f.save:10: skipped: unsupported option '-i'",
            "f.save:11: skipped: unsupported option '-j REJECT'",
            "f.save:12: skipped: unsupported option '-j LOG'",
            "f.save:13: skipped: unsupported option '-j BLOCKED'",
            "f.save:14: skipped: unsupported option '-f'",
            "f.save:15: skipped: unsupported option '--tcp-flags'",
            "f.save:16: skipped: unsupported option '-m multiport'",
            "f.save:17: skipped: unsupported option '-s 10.0.0.0/255.0.255.0' "
            "(non-contiguous netmask)",
            "f.save:18: skipped: rule has no target (-j), it only counts packets",
            "f.save:20: skipped: unsupported option '! --dport'",
        });

  // A user chain has no policy: the caller's default applies.
  o.chain = "BLOCKED";
  auto blocked = parse_iptables_save(text, "f.save", o);
  REQUIRE(blocked);
  check_rules(blocked->rules, {make_rule(kAnyIp, kAnyIp, kAnyPort, kAnyPort, 6, Action::drop())});
  CHECK_FALSE(blocked->policy);
  CHECK(blocked->warnings ==
        std::vector<std::string>{"f.save:22: skipped: unsupported option '-j LOG'",
                                 "f.save:24: skipped: unsupported option '-j RETURN'"});
}

TEST_CASE("iptables: accepted spellings beyond what iptables-save prints", "[iptables]") {
  const std::string text =
      "*filter\r\n"
      ":FORWARD ACCEPT [12:3456]\r\n"
      "-A FORWARD -p TCP --sport 1024: --dport :1023 -j DROP\r\n"
      "-A FORWARD --source 10.0.0.0/255.255.255.0 --protocol 17 --match udp --destination-port 53 "
      "--jump ACCEPT\r\n"
      "-A FORWARD -p 0 -d 1.2.3.4 -m comment --comment plain -j DROP\r\n"
      "  # an indented comment\r\n"
      "COMMIT\r\n";
  auto chain = parse_iptables_save(text, "x");
  REQUIRE(chain);
  check_rules(
      chain->rules,
      {
          make_rule(kAnyIp, kAnyIp, {1024, 65535}, {0, 1023}, 6, Action::drop()),
          make_rule(pfx(ip(10, 0, 0, 0), 24), kAnyIp, kAnyPort, {53, 53}, 17, Action::accept()),
          make_rule(kAnyIp, pfx(ip(1, 2, 3, 4), 32), kAnyPort, kAnyPort, -1, Action::drop()),
      });
}

TEST_CASE("iptables: each malformed element names file:line:column and the problem",
          "[iptables][errors]") {
  const std::string head = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:MINE - [0:0]\n";
  // The rule is line 5; after "-A FORWARD " options start at column 12.
  auto err = [&](const std::string& rule) { return ipt_error(head + rule + "\nCOMMIT\n"); };
  CHECK(err("-A FORWARD -s 10.0.0.300 -j ACCEPT") ==
        "f.save:5:15: bad source address '10.0.0.300'");
  CHECK(err("-A FORWARD -d 10.0.0.0/33 -j ACCEPT") ==
        "f.save:5:24: destination prefix length 33 > 32");
  CHECK(err("-A FORWARD -s 10.0.0.0/x -j ACCEPT") == "f.save:5:24: bad source prefix length 'x'");
  CHECK(err("-A FORWARD -s 10.0.0.0/255.255.0.256 -j ACCEPT") ==
        "f.save:5:24: bad source netmask '255.255.0.256'");
  CHECK(err("-A FORWARD -p tcp -m tcp --dport 70000 -j ACCEPT") ==
        "f.save:5:34: destination port 70000 > 65535");
  CHECK(err("-A FORWARD -p tcp -m tcp --sport 1:70000 -j ACCEPT") ==
        "f.save:5:36: source port 70000 > 65535");
  CHECK(err("-A FORWARD -p tcp -m tcp --dport 2000:1000 -j ACCEPT") ==
        "f.save:5:34: destination port range has lo > hi (2000 > 1000)");
  CHECK(err("-A FORWARD -p tcp -m tcp --dport http -j ACCEPT") ==
        "f.save:5:34: bad destination port 'http'");
  CHECK(err("-A FORWARD -p tcp -m tcp --dport 1:2:3 -j ACCEPT") ==
        "f.save:5:34: bad destination port '1:2:3'");
  CHECK(err("-A FORWARD -p foo -j ACCEPT") == "f.save:5:15: unknown protocol name 'foo'");
  CHECK(err("-A FORWARD -p 256 -j ACCEPT") == "f.save:5:15: protocol 256 > 255");
  CHECK(err("-A FORWARD -j ACCEPT -s") == "f.save:5:24: missing address after '-s'");
  CHECK(err("-A FORWARD -j") == "f.save:5:14: missing target after '-j'");
  CHECK(err("-A FORWARD -j accept") ==
        "f.save:5:15: bad target 'accept' (not ACCEPT, DROP, another built-in target or a chain of "
        "table 'filter')");
  CHECK(err("-A FORWARD -j ACCEPT -j DROP") == "f.save:5:22: duplicate option '-j'");
  CHECK(err("-A FORWARD -s 1.2.3.4 -s 1.2.3.5 -j ACCEPT") == "f.save:5:23: duplicate option '-s'");
  CHECK(err("-A FORWARD foo -j ACCEPT") == "f.save:5:12: unexpected 'foo' (expected an option)");
  CHECK(err("-A FORWARD --dport 80 -j ACCEPT") ==
        "f.save:5:12: '--dport' needs '-p tcp' or '-p udp'");
  CHECK(err("-A FORWARD -p udp -m tcp -j ACCEPT") == "f.save:5:19: '-m tcp' needs '-p tcp'");
  CHECK(err("-A FORWARD --comment x -j ACCEPT") == "f.save:5:12: '--comment' needs '-m comment'");
  CHECK(err("-A FORWARD -m comment --comment \"abc -j ACCEPT") ==
        "f.save:5:33: unterminated quoted string");
  CHECK(err("-A FORWARD -j ACCEPT !") == "f.save:5:22: '!' at the end of the rule");
  CHECK(err("-A NOPE -j ACCEPT") == "f.save:5:4: chain 'NOPE' is not declared in table 'filter'");
  CHECK(err("-A") == "f.save:5:3: missing chain name after '-A'");
  CHECK(err("-I FORWARD 1 -j ACCEPT") ==
        "f.save:5:1: unsupported command '-I' (iptables-save writes rules as '-A chain ...')");
  CHECK(err("[0:x] -A FORWARD -j DROP") ==
        "f.save:5:1: bad counters '[0:x]' (expected [packets:bytes])");
  CHECK(err("FORWARD -j DROP") ==
        "f.save:5:1: unexpected line (expected '*table', ':chain policy', '-A chain ...', 'COMMIT' "
        "or a "
        "'#' comment)");
  CHECK(err(":MINE - [0:0]") == "f.save:5:1: chain 'MINE' declared twice");
  CHECK(err(":OTHER REJECT [0:0]") ==
        "f.save:5:8: bad policy 'REJECT' of chain 'OTHER' (expected ACCEPT, DROP or '-')");
  CHECK(err(":OTHER") == "f.save:5:7: missing policy of chain 'OTHER'");
  CHECK(err(":OTHER DROP [0:0] x") == "f.save:5:19: trailing garbage 'x'");
  // Unsupported options are errors unless skipped; they name the option.
  CHECK(err("-A FORWARD -m state --state NEW -j ACCEPT") ==
        "f.save:5:12: unsupported option '-m state'");
  CHECK(err("-A FORWARD -o eth0 -j ACCEPT") == "f.save:5:12: unsupported option '-o'");
  CHECK(err("-A FORWARD -p tcp -j REJECT --reject-with tcp-reset") ==
        "f.save:5:19: unsupported option '-j REJECT'");
  CHECK(err("-A FORWARD -j MINE") == "f.save:5:12: unsupported option '-j MINE'");
  CHECK(err("-A FORWARD -g MINE") == "f.save:5:12: unsupported option '-g'");
  CHECK(err("-A FORWARD -s 10.0.0.0/255.0.255.0 -j DROP") ==
        "f.save:5:12: unsupported option '-s 10.0.0.0/255.0.255.0' (non-contiguous netmask)");
  CHECK(err("-A FORWARD -p tcp -m tcp -m tcp -j DROP") ==
        "f.save:5:26: unsupported option '-m tcp' (second port match)");
  // Only the chosen chain's rules are read: a bad rule elsewhere is ignored.
  CHECK(parse_iptables_save(head + "-A INPUT -p foo -j ACCEPT\nCOMMIT\n", "f.save").ok());
}

TEST_CASE("iptables: the block structure is checked", "[iptables][errors]") {
  CHECK(ipt_error("*filter\n:FORWARD DROP [0:0]\nCOMMIT\n-A FORWARD -j ACCEPT\n") ==
        "f.save:4:1: rule outside a table ('-A' before '*table' or after COMMIT)");
  CHECK(ipt_error("-A FORWARD -j ACCEPT\n") ==
        "f.save:1:1: rule outside a table ('-A' before '*table' or after COMMIT)");
  CHECK(ipt_error("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j DROP\n") ==
        "f.save:1:1: table 'filter' has no COMMIT");
  CHECK(ipt_error("*filter\n*nat\n") == "f.save:2:1: '*nat' before COMMIT of table 'filter'");
  CHECK(ipt_error("*filter\nCOMMIT\n*filter\nCOMMIT\n") ==
        "f.save:3:1: table 'filter' appears twice");
  CHECK(ipt_error("COMMIT\n") == "f.save:1:1: COMMIT outside a table");
  CHECK(ipt_error("*filter\nCOMMIT x\n") == "f.save:2:8: trailing garbage 'x'");
  CHECK(ipt_error(":FORWARD DROP [0:0]\n") == "f.save:1:1: chain line outside a table");
  CHECK(ipt_error("*\n") == "f.save:1:2: missing table name after '*'");
  CHECK(ipt_error("*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n") == "f.save: no table 'filter'");
  CHECK(ipt_error("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n") ==
        "f.save: table 'filter' has no chain 'FORWARD'");
  CHECK(ipt_error("") == "f.save: no table 'filter'");
}

TEST_CASE("iptables: live iptables-save output from a private network namespace",
          "[iptables][live]") {
  for (const char* backend : {"nft", "legacy"}) {
    DYNAMIC_SECTION("iptables-" << backend) {
      if (geteuid() != 0) {
        WARN("skipped: needs root to create a network namespace");
        continue;
      }
      const std::string restore = std::string("iptables-") + backend + "-restore";
      const std::string save = std::string("iptables-") + backend + "-save";
      if (!run("command -v ip >/dev/null") || !run("command -v " + restore + " >/dev/null") ||
          !run("command -v " + save + " >/dev/null")) {
        WARN("skipped: 'ip', '" << restore << "' or '" << save << "' is not installed");
        continue;
      }
      delete_stale_namespaces();
      const std::string ns = "lacl-fmt-" + std::to_string(getpid()) + "-" + backend;
      if (!run("ip netns add " + ns)) {
        WARN("skipped: 'ip netns add " << ns << "' failed (no network namespaces here)");
        continue;
      }
      struct NetnsGuard {
        std::string ns;
        ~NetnsGuard() { run("ip netns delete " + ns); }
      } guard{ns};
      const auto dir = std::filesystem::temp_directory_path();
      const std::string in = (dir / (ns + ".v4")).string();
      const std::string out = (dir / (ns + ".save")).string();
      std::ofstream(in) << kForwardRestoreInput;
      const bool restored = run("ip netns exec " + ns + " " + restore + " < " + in);
      const bool saved = restored && run("ip netns exec " + ns + " " + save + " > " + out);
      std::string text;
      if (saved) text = read_text(out);
      std::filesystem::remove(in);
      std::filesystem::remove(out);
      if (!restored) {
        WARN("skipped: " << restore << " failed inside the namespace (kernel support missing?)");
        continue;
      }
      REQUIRE(saved);
      INFO(text);
      CHECK(detect_format(text) == RuleFormat::kIptables);
      auto chain = parse_iptables_save(text, save);
      REQUIRE(chain);
      check_rules(chain->rules, expected_forward_rules());
      CHECK(chain->policy == Action::drop());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Detection and the rule-file front end

TEST_CASE("detect_format tells the formats apart", "[detect]") {
  const std::string cb = "@10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000\t\n";
  const std::string l3_acl = "@10.0.0.0/8 0.0.0.0/0 0 : 65535 80 : 80 0x06/0xff\n";
  const std::string l3_route = "R0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0x00/0x00 1\n";
  CHECK(detect_format(cb) == RuleFormat::kClassBench);
  CHECK(detect_format("# c\n\n" + cb + cb) == RuleFormat::kClassBench);
  CHECK(detect_format("@1.2.3.4-1.2.3.9 0.0.0.0/0 1024:65535 0:0 0x11/0xff 0x0/0x0 accept:3\n") ==
        RuleFormat::kClassBench);
  CHECK(detect_format(l3_acl) == RuleFormat::kL3fwdAcl);
  CHECK(detect_format(l3_route) == RuleFormat::kL3fwdAcl);
  CHECK(detect_format("# l3fwd\n" + l3_acl + l3_route + "\r\n") == RuleFormat::kL3fwdAcl);
  CHECK(detect_format("*filter\n") == RuleFormat::kIptables);
  CHECK(detect_format(":FORWARD DROP [0:0]\n") == RuleFormat::kIptables);
  CHECK(detect_format("-A FORWARD -j DROP\n") == RuleFormat::kIptables);
  CHECK(detect_format("[0:0] -A FORWARD -j DROP\n") == RuleFormat::kIptables);
  CHECK(detect_format("# Generated by iptables-save v1.8.9 (nf_tables) on Mon Jan  1\n") ==
        RuleFormat::kIptables);
  CHECK(detect_format(read_text(samples_dir() + "/iptables-mixed-counters.save")) ==
        RuleFormat::kIptables);
  // Ambiguous or empty.
  CHECK_FALSE(detect_format(""));
  CHECK_FALSE(detect_format("# only a comment\n\n"));
  CHECK_FALSE(detect_format("hello world\n"));
  CHECK_FALSE(detect_format("@10.0.0.0/8\n"));
  CHECK_FALSE(detect_format(cb + l3_route));
  CHECK_FALSE(detect_format(cb + l3_acl));
  CHECK_FALSE(detect_format(l3_acl + "*filter\n"));
}

TEST_CASE("parse_rule_file dispatches, applies policies and passes warnings on", "[rule_file]") {
  RuleFileOptions o;
  auto fwd = parse_rule_file(read_text(samples_dir() + "/iptables-forward.save"), "fwd", o);
  REQUIRE(fwd);
  CHECK(fwd->format == RuleFormat::kIptables);
  CHECK(fwd->rules.size() == expected_forward_rules().size());
  CHECK(fwd->rules.default_action() == Action::drop());  // the FORWARD policy beats the option

  const std::string mixed = read_text(samples_dir() + "/iptables-mixed-counters.save");
  auto err = parse_rule_file(mixed, "m", o);
  REQUIRE_FALSE(err);
  CHECK(err.error().message == "m:7:18: unsupported option '-m state'");
  o.skip_unsupported = true;
  auto skipped = parse_rule_file(mixed, "m", o);
  REQUIRE(skipped);
  CHECK(skipped->rules.size() == 3);
  CHECK(skipped->warnings.size() == 12);
  CHECK(skipped->rules.default_action() == Action::accept());
  o.iptables_chain = "BLOCKED";
  o.default_action = Action::accept(2);
  auto user = parse_rule_file(mixed, "m", o);
  REQUIRE(user);
  CHECK(user->rules.default_action() == Action::accept(2));  // a user chain has no policy

  RuleFileOptions l3;
  l3.default_action = Action::drop();  // what l3fwd does with unmatched packets
  auto routes = parse_rule_file("R0.0.0.0/0 10.0.0.0/8 0 : 65535 0 : 65535 0x00/0x00 1\n", "r", l3);
  REQUIRE(routes);
  CHECK(routes->format == RuleFormat::kL3fwdAcl);
  CHECK(routes->rules.size() == 1);
  CHECK(routes->rules[0].action == Action::accept(1));
  CHECK(routes->rules.default_action() == Action::drop());

  l3.format = RuleFormat::kL3fwdAcl;
  auto forced =
      parse_rule_file("@10.0.0.0/8 0.0.0.0/0 0 : 65535 0 : 65535 0x06/0xff 0x0/0x0\n", "c", l3);
  REQUIRE_FALSE(forced);
  CHECK(forced.error().message == "c:1:53: trailing garbage '0x0/0x0'");

  auto unknown = parse_rule_file("hello\n", "u", RuleFileOptions{});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "u: cannot tell the rule format; pass --format");
}
