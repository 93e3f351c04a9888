// ClassBench rule and trace files: parsing, writing, round trips, and one test per error kind.
#include <catch2/catch.hpp>
#include <sstream>

#include "lacl/classbench.hpp"
#include "lacl/generator.hpp"
#include "lacl/rule_set.hpp"

using namespace lacl;

namespace {

constexpr const char* kLine =
    "@210.234.173.62/32\t44.210.187.87/32\t0 : 65535\t14753 : 14753\t0x06/0xFF\t0x1000/0x1000\t";

std::string parse_error(const std::string& text) {
  auto r = parse_classbench_rules(text, "r.rules");
  REQUIRE_FALSE(r);
  return r.error().message;
}

std::string trace_error(const std::string& text) {
  auto r = parse_trace(text, "t.trace");
  REQUIRE_FALSE(r);
  return r.error().message;
}

}  // namespace

TEST_CASE("a ClassBench line parses into host-order ranges", "[classbench]") {
  auto rules = parse_classbench_rules(kLine, "x");
  REQUIRE(rules);
  REQUIRE(rules->size() == 1);
  const Rule& r = rules->front();
  CHECK(r[Field::kSrcIp] == Range{0xD2EAAD3Eu, 0xD2EAAD3Eu});
  CHECK(r[Field::kDstIp] == Range{0x2CD2BB57u, 0x2CD2BB57u});
  CHECK(r[Field::kSrcPort] == Range{0, 65535});
  CHECK(r[Field::kDstPort] == Range{14753, 14753});
  CHECK(r[Field::kProto] == Range{6, 6});
  CHECK(r.flags_value == 0x1000);
  CHECK(r.flags_mask == 0x1000);
  CHECK(r.action == Action::accept());
  CHECK(RuleSet::check(r).empty());
}

TEST_CASE("separators, CRLF, comments and blank lines are tolerated", "[classbench]") {
  const std::string text =
      "# a comment\r\n"
      "\r\n"
      "@0.0.0.0/0 128.0.0.0/1 1024:65535 80 : 80 0x00/0x00 0x0000/0x0000\r\n"
      "   \t\n"
      "@10.0.0.0/8\t10.1.0.0/16\t0 : 0\t0 : 65535\t0x11/0xff\t0x0000/0x0000\t\n";
  auto rules = parse_classbench_rules(text, "x");
  REQUIRE(rules);
  REQUIRE(rules->size() == 2);
  CHECK((*rules)[0][Field::kSrcIp] == Range{0, 0xFFFFFFFFu});
  CHECK((*rules)[0][Field::kDstIp] == Range{0x80000000u, 0xFFFFFFFFu});
  CHECK((*rules)[0][Field::kProto] == Range{0, 255});
  CHECK((*rules)[1][Field::kProto] == Range{17, 17});
}

TEST_CASE("actions and explicit address ranges", "[classbench]") {
  auto rules = parse_classbench_rules(
      std::string(kLine) + "drop\n" + kLine + "accept:3\n" + kLine + "accept\n" +
          "@1.2.3.4-1.2.3.9\t0.0.0.0/0\t0 : 65535\t0 : 65535\t0x00/0x00\t0x0000/0x0000\t\n",
      "x", Action::drop());
  REQUIRE(rules);
  CHECK((*rules)[0].action == Action::drop());
  CHECK((*rules)[1].action == Action::accept(3));
  CHECK((*rules)[2].action == Action::accept());
  CHECK((*rules)[3].action == Action::drop());  // the default rule action
  CHECK((*rules)[3][Field::kSrcIp] == Range{0x01020304u, 0x01020309u});
}

TEST_CASE("rules round-trip through the writer", "[classbench]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    CAPTURE(profile_name(p));
    auto rules = generate_rules(p, 500, 7);
    rules[3][Field::kSrcIp] = {5, 1000};  // not a prefix: written as an explicit range
    rules[4].action = Action::drop();
    rules[5].action = Action::accept(2);
    for (bool with_action : {false, true}) {
      std::ostringstream out;
      write_classbench_rules(out, rules, with_action);
      auto back = parse_classbench_rules(out.str(), "rt");
      REQUIRE(back);
      REQUIRE(back->size() == rules.size());
      for (std::size_t i = 0; i < rules.size(); ++i) {
        Rule expect = rules[i];
        if (!with_action) expect.action = Action::accept();
        CAPTURE(i, with_action);
        CHECK((*back)[i] == expect);
      }
    }
  }
}

TEST_CASE("traces parse and round-trip", "[classbench][trace]") {
  auto t = parse_trace("787769226\t3538595839\t0\t30210\t6\t512\t559\n1 2 3 4 5 6\r\n", "t");
  REQUIRE(t);
  REQUIRE(t->size() == 2);
  CHECK((*t)[0].key == PacketKey{787769226u, 3538595839u, 0, 30210, 6});
  CHECK((*t)[0].flags == 512);
  CHECK((*t)[0].rule == 559);
  CHECK((*t)[1].rule == -1);
  auto rules = generate_rules(Profile::kIpc, 200, 3);
  auto trace = generate_trace(rules, 1000, 9);
  std::ostringstream out;
  write_trace(out, trace);
  auto back = parse_trace(out.str(), "t");
  REQUIRE(back);
  CHECK(*back == trace);
  auto max = parse_trace("4294967295 4294967295 65535 65535 255 4294967295 0\n", "t");
  REQUIRE(max);
  CHECK((*max)[0].key == PacketKey{0xFFFFFFFFu, 0xFFFFFFFFu, 65535, 65535, 255});
}

TEST_CASE("each malformed rule element names file:line:column and the problem",
          "[classbench][errors]") {
  const std::string ok = std::string(kLine) + "\n";
  // Line 2 carries the error in every case.
  CHECK_THAT(parse_error(ok + "@210.234.300.62/32\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:2: bad source address"));
  CHECK_THAT(parse_error(ok + "@1.2.3/8\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:2: bad source address"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/33\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:10: source prefix length 33 > 32"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8\t1.1.1.1/32\t0 : 65536\t0 : 1\t0x06/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:27: source port > 65535"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8\t1.1.1.1/32\t0 : 1\t9 : 1\t0x06/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:29: destination port range has lo > hi (9 > 1)"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8\t1.1.1.1/32\t0 : 1\t0 : 1\t0xG6/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:35: bad hex in protocol"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xF0\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:35: protocol mask must be 0x00 or 0xFF"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xFF\n"),
             Catch::StartsWith("r.rules:2:44: missing field: TCP flags"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8\t1.1.1.1/32\t0 : 1\n"),
             Catch::StartsWith("r.rules:2:28: missing field: destination port range"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0\tfoo\n"),
             Catch::StartsWith("r.rules:2:53: trailing garbage 'foo'"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0\tdrop x\n"),
             Catch::StartsWith("r.rules:2:58: trailing garbage 'x'"));
  CHECK_THAT(parse_error(ok + "1.2.3.4/8\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:1: rule must start with '@'"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8\t1.1.1.1/32\t0 - 1\t0 : 1\t0x06/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:25: expected ':' in source port range"));
  CHECK_THAT(parse_error(ok + "@1.2.3.4/8x\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:11: trailing characters after source prefix"));
  CHECK_THAT(parse_error(ok + "@1.2.3.9-1.2.3.4\t1.1.1.1/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0\n"),
             Catch::StartsWith("r.rules:2:2: source address range has lo > hi"));
}

TEST_CASE("each malformed trace element names file:line:column and the problem",
          "[trace][errors]") {
  CHECK_THAT(trace_error("1 2 3 4 5 6 7\n1 2 70000 4 5 6 7\n"),
             Catch::StartsWith("t.trace:2:5: source port 70000 > 65535"));
  CHECK_THAT(trace_error("1 2 3 4 256 6 7\n"),
             Catch::StartsWith("t.trace:1:9: protocol 256 > 255"));
  CHECK_THAT(trace_error("4294967296 2 3 4 5 6 7\n"),
             Catch::StartsWith("t.trace:1:1: source address 4294967296 > 4294967295"));
  CHECK_THAT(trace_error("1 2 x 4 5 6 7\n"), Catch::StartsWith("t.trace:1:5: bad source port 'x'"));
  CHECK_THAT(trace_error("1 2 3 4\n"), Catch::StartsWith("t.trace:1:8: missing field: protocol"));
  CHECK_THAT(trace_error("1 2 3 4 5 6 7 8\n"),
             Catch::StartsWith("t.trace:1:15: trailing garbage '8'"));
  CHECK_THAT(trace_error("1 2 3 4 5 6 -7\n"),
             Catch::StartsWith("t.trace:1:13: bad rule index '-7'"));
  CHECK_THAT(trace_error("1 2 3a 4 5 6 7\n"),
             Catch::StartsWith("t.trace:1:6: trailing characters after source port"));
}

TEST_CASE("reading a missing file says which file and why", "[classbench][errors]") {
  auto r = read_classbench_rules("/nonexistent/x.rules");
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::StartsWith("/nonexistent/x.rules: cannot open"));
}
