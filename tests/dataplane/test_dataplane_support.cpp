// The DPDK-free parts of lacl-dataplane around the fast path: frame building and the pcap
// writer, command-line parsing, generations and their hit history, and the report contract.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lacl/dataplane/backend.hpp"
#include "lacl/dataplane/frame_builder.hpp"
#include "lacl/dataplane/generation.hpp"
#include "lacl/dataplane/options.hpp"
#include "lacl/dataplane/packet_parser.hpp"
#include "lacl/dataplane/pcap_reader.hpp"
#include "lacl/dataplane/pcap_writer.hpp"
#include "lacl/dataplane/report.hpp"
#include "lacl/generator.hpp"

using namespace lacl;
using namespace lacl::dataplane;

namespace {

Result<Options> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "lacl-dataplane");
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  return parse_options(argv);
}

std::uint32_t le32(const std::vector<char>& b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}

LoadedClassifier compiled(std::size_t rules, std::uint64_t seed) {
  auto set = RuleSet::make(generate_rules(Profile::kAcl, rules, seed));
  REQUIRE(set.ok());
  CompileOptions co;
  co.tuning_budget_ms = 1;
  auto c = Classifier::compile(*set, co);
  REQUIRE(c.ok());
  LoadedClassifier l;
  l.backend = make_lacl_backend(std::move(*c));
  l.source = "set" + std::to_string(seed);
  l.kind = "rules";
  return l;
}

}  // namespace

TEST_CASE("frames carry the sequence number and a valid IPv4 header checksum", "[frame]") {
  FrameSpec s;
  s.key = {1, 2, 3, 4, kProtoUdp};
  s.sequence = 0x01020304;
  s.ip_option_words = 2;
  const auto f = build_frame(s);
  REQUIRE(f.size() == 64);
  // One's-complement sum over a header with its checksum is 0xFFFF.
  std::uint32_t sum = 0;
  for (std::size_t i = 14; i < 14 + 28; i += 2)
    sum += static_cast<std::uint32_t>((f[i] << 8) | f[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xFFFF) + (sum >> 16);
  CHECK(sum == 0xFFFF);
  CHECK(f[18] == 0x03);  // IP id = low 16 bits of the sequence
  CHECK(f[19] == 0x04);
  const std::size_t payload = 14 + 28 + 8;
  CHECK(f[payload] == 0x01);
  CHECK(f[payload + 3] == 0x04);
}

TEST_CASE("PcapWriter writes the classic microsecond format", "[pcap]") {
  const std::string path = "test_dataplane_support.pcap";
  auto w = PcapWriter::open(path);
  REQUIRE(w.ok());
  const std::vector<std::uint8_t> a(64, 0xAB), b(100, 0xCD);
  w->write(a, 1);
  w->write(b, 2'000'003);
  CHECK(w->frames() == 2);
  REQUIRE(w->close().ok());

  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  REQUIRE(bytes.size() == 24 + 16 + 64 + 16 + 100);
  CHECK(le32(bytes, 0) == 0xa1b2c3d4u);
  CHECK(le32(bytes, 20) == 1u);  // LINKTYPE_ETHERNET
  CHECK(le32(bytes, 24) == 0u);  // seconds
  CHECK(le32(bytes, 28) == 1u);  // microseconds
  CHECK(le32(bytes, 32) == 64u);
  CHECK(le32(bytes, 36) == 64u);
  const std::size_t second = 24 + 16 + 64;
  CHECK(le32(bytes, second) == 2u);
  CHECK(le32(bytes, second + 4) == 3u);
  CHECK(le32(bytes, second + 8) == 100u);
  CHECK(static_cast<unsigned char>(bytes[second + 16]) == 0xCD);
}

TEST_CASE("read_pcap reads what PcapWriter writes and refuses what it cannot read", "[pcap]") {
  const std::string path = "test_dataplane_support_read.pcap";
  auto w = PcapWriter::open(path);
  REQUIRE(w.ok());
  const std::vector<std::uint8_t> a(64, 0x11), b(90, 0x22);
  w->write(a, 1);
  w->write(b, 2);
  REQUIRE(w->close().ok());
  auto frames = read_pcap(path);
  REQUIRE(frames.ok());
  CHECK(*frames == std::vector<std::vector<std::uint8_t>>{a, b});
  auto first = read_pcap(path, 1);
  REQUIRE(first.ok());
  CHECK(first->size() == 1);

  // Cut in the middle of the second frame: refused, naming the file and the offset.
  std::filesystem::resize_file(path, 24 + 16 + 64 + 16 + 10);
  auto cut = read_pcap(path);
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.error().message.find(path + ": truncated record at byte 104") == 0);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << std::string(24, 'x');
  }
  REQUIRE_FALSE(read_pcap(path).ok());
  std::remove(path.c_str());
  REQUIRE_FALSE(read_pcap(path).ok());
}

TEST_CASE("PcapWriter refuses an unwritable path", "[pcap]") {
  auto w = PcapWriter::open("/nonexistent-dir/x.pcap");
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().message.find("/nonexistent-dir/x.pcap") != std::string::npos);
}

TEST_CASE("options: defaults and every option", "[options]") {
  auto o = parse({"--rules", "r.txt"});
  REQUIRE(o.ok());
  CHECK(o->source_kind == SourceKind::kRules);
  CHECK(o->source_path == "r.txt");
  CHECK(o->burst == 32);
  CHECK(o->stats_interval_s == 0);
  CHECK_FALSE(o->flush_rx);
  CHECK(o->verify);
  CHECK_FALSE(o->portmask.has_value());
  CHECK(o->ports.empty());

  o = parse({"--artifact",
             "a.lacl",
             "--portmask",
             "0x5",
             "--burst",
             "64",
             "--stats-interval",
             "0.5",
             "--report",
             "r.json",
             "--mbufs",
             "4096",
             "--packets",
             "1000",
             "--duration",
             "2",
             "--no-flush-rx",
             "--drain-us",
             "50",
             "--generation-hits",
             "-q"});
  REQUIRE(o.ok());
  CHECK(o->source_kind == SourceKind::kArtifact);
  CHECK(o->source_path == "a.lacl");
  CHECK(*o->portmask == 5);
  CHECK(o->burst == 64);
  CHECK(o->stats_interval_s == 0.5);
  CHECK(o->report_path == "r.json");
  CHECK(o->mbufs == 4096);
  CHECK(o->packets == 1000);
  CHECK(o->duration_s == 2);
  CHECK(o->drain_us == 50);
  CHECK(o->generation_hits);
  CHECK(o->quiet);

  o = parse({"--rules", "r", "--format", "classbench", "--rule-action", "drop", "--default-action",
             "accept:3", "--ports", "0,2", "--flush-rx", "--no-verify"});
  REQUIRE(o.ok());
  CHECK(o->rule_file.format == RuleFormat::kClassBench);
  CHECK(o->rule_file.rule_action == Action::drop());
  CHECK(o->rule_file.default_action == Action::accept(3));
  CHECK(o->ports == std::vector<std::uint16_t>{0, 2});
  CHECK(o->flush_rx);
  CHECK_FALSE(o->verify);
}

TEST_CASE("options: --backend, --inject and the run limits", "[options]") {
  auto o = parse({"--rules", "r"});
  REQUIRE(o.ok());
  CHECK(o->backend == BackendKind::kLacl);
  CHECK(o->inject_path.empty());
  CHECK(o->warmup_s == 0);
  CHECK(o->idle_timeout_s == 10);

  o = parse({"--rules", "r", "--backend", "rte_acl", "--inject", "f.pcap", "--inject-per-queue",
             "500", "--warmup", "2", "--idle-timeout", "0.5"});
  REQUIRE(o.ok());
  CHECK(o->backend == BackendKind::kRteAcl);
  CHECK(o->inject_path == "f.pcap");
  CHECK(o->inject_per_queue == 500);
  CHECK(o->warmup_s == 2);
  CHECK(o->idle_timeout_s == 0.5);

  o = parse({"--rules", "r", "--backend", "nope"});
  REQUIRE_FALSE(o.ok());
  CHECK(o.error().message == "--backend: unknown backend 'nope' (expected lacl or rte_acl)");
  CHECK_FALSE(parse({"--rules", "r", "--inject-per-queue", "0"}).ok());
  CHECK(std::string(backend_name(BackendKind::kRteAcl)) == "rte_acl");
  CHECK(parse_backend("lacl") == BackendKind::kLacl);
  CHECK_FALSE(parse_backend("LACL").has_value());
}

TEST_CASE("options: bad command lines are errors, never exits", "[options]") {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"--burst", "64"},
      {"--rules", "r", "--artifact", "a"},
      {"--rules", "r", "--burst", "0"},
      {"--rules", "r", "--burst", "100000"},
      {"--rules", "r", "--portmask", "xyz"},
      {"--rules", "r", "--portmask", "0"},
      {"--rules", "r", "--portmask", "1", "--ports", "0"},
      {"--rules", "r", "--ports", "0,,1"},
      {"--rules", "r", "--ports", "a"},
      {"--rules", "r", "--default-action", "reject"},
      {"--rules", "r", "--rule-action", "accept:70000"},
      {"--rules", "r", "--format", "pf"},
      {"--artifact", "a", "--format", "classbench"},
      {"--rules", "r", "--stats-interval", "-1"},
      {"--rules", "r", "--no-such-option"},
      {"--rules"},
  };
  for (const auto& args : bad) {
    std::string line;
    for (const auto& a : args)
      line += a + " ";
    CAPTURE(line);
    auto o = parse(args);
    CHECK_FALSE(o.ok());
    if (!o.ok()) CHECK_FALSE(o.error().message.empty());
  }
}

TEST_CASE("options: --help returns the help text", "[options]") {
  auto o = parse({"--help"});
  REQUIRE(o.ok());
  CHECK(o->help_text.find("--rules") != std::string::npos);
  CHECK(o->help_text.find("--artifact") != std::string::npos);
}

TEST_CASE("parse_action", "[options]") {
  CHECK(parse_action("accept") == Action::accept());
  CHECK(parse_action("drop") == Action::drop());
  CHECK(parse_action("accept:0") == Action::accept(0));
  CHECK_FALSE(parse_action("accept:").has_value());
  CHECK_FALSE(parse_action("accept:65535").has_value());
  CHECK_FALSE(parse_action("Accept").has_value());
}

TEST_CASE("generation counters occupy whole cache lines", "[generation]") {
  for (std::size_t rules : {0, 1, 5, 6, 100}) {
    GenerationCounters c(rules);
    CHECK(reinterpret_cast<std::uintptr_t>(c.words()) % 64 == 0);
    CHECK(c.rules() == rules);
  }
  static_assert(sizeof(WorkerCounters) % 64 == 0);
  static_assert(alignof(WorkerCounters) == 64);
  static_assert(sizeof(PortCounters) == 64);
}

TEST_CASE("retired generations keep their hits per rule index", "[generation]") {
  Generation g1(1, compiled(50, 1), 2);
  Generation g2(2, compiled(30, 2), 2);
  g1.counters[0].hits()[3] = 5;
  g1.counters[1].hits()[3] = 2;
  g1.counters[1].hits()[40] = 7;
  g1.counters[0].classified() = 14;
  g1.counters[0].no_match() = 0;
  g1.counters[1].malformed() = 4;
  g2.counters[1].hits()[3] = 1;
  g2.counters[0].no_match() = 9;
  g2.counters[0].classified() = 10;

  SECTION("with per-generation hits") {
    HitHistory h(true);
    h.retire(g1);
    h.retire(g2);
    REQUIRE(h.hits().size() == 50);
    CHECK(h.hits()[3] == 8);
    CHECK(h.hits()[40] == 7);
    CHECK(h.no_match() == 9);
    CHECK(h.classified() == 24);
    REQUIRE(h.retired().size() == 2);
    CHECK(h.retired()[0].number == 1);
    CHECK(h.retired()[0].malformed == 4);
    CHECK(h.retired()[0].hits[3] == 7);
    CHECK(h.retired()[1].hits.size() == 30);
  }
  SECTION("totals only") {
    HitHistory h(false);
    h.retire(g1);
    CHECK(h.hits()[3] == 7);
    CHECK(h.retired()[0].hits.empty());
  }
}

TEST_CASE("busiest_rules orders by hits, then id, without zeros", "[report]") {
  const std::vector<std::uint64_t> hits = {0, 5, 9, 5, 0, 1};
  const auto top = busiest_rules(hits, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0] == std::pair<RuleId, std::uint64_t>{2, 9});
  CHECK(top[1] == std::pair<RuleId, std::uint64_t>{1, 5});
  CHECK(top[2] == std::pair<RuleId, std::uint64_t>{3, 5});
  CHECK(busiest_rules(hits, 100).size() == 4);
  CHECK(busiest_rules({}, 10).empty());
}

TEST_CASE("the JSON report keeps its contract", "[report]") {
  Snapshot s;
  s.rule_hits = {3, 0, 1};
  s.default_hits = 2;
  PortReport p;
  p.port_id = 0;
  p.name = "net_pcap0";
  p.counters.rx = 10;
  p.counters.tx = 6;
  p.counters.dropped = 3;
  p.counters.malformed = 1;
  s.ports.push_back(p);
  s.total = p.counters;
  s.active_s = 2;
  GenerationSummary g;
  g.number = 1;
  g.active = true;
  g.hits = {3, 0, 1};
  s.generations.push_back(g);

  auto j = nlohmann::json::parse(report_json(s));
  REQUIRE(j["rule_hits"].is_array());
  CHECK(j["rule_hits"] == nlohmann::json({3, 0, 1}));
  REQUIRE(j["ports"].is_array());
  const auto& port = j["ports"][0];
  CHECK(port["rx"] == 10);
  CHECK(port["tx"] == 6);
  CHECK(port["dropped"] == 3);
  CHECK(port["malformed"] == 1);
  CHECK(j["default_hits"] == 2);
  CHECK(j["mpps"].get<double>() == Approx(5e-6));
  CHECK_FALSE(j["generations"][0].contains("rule_hits"));
  s.generation_hits = true;
  j = nlohmann::json::parse(report_json(s));
  CHECK(j["generations"][0]["rule_hits"] == nlohmann::json({3, 0, 1}));

  const std::string text = report_text(s, 5);
  CHECK(text.find("net_pcap0") != std::string::npos);
  CHECK(text.find("busiest rules") != std::string::npos);
}

TEST_CASE("rules_of recovers every rule, action and the default action of a classifier",
          "[backend]") {
  for (const Profile profile : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    std::vector<Rule> rules = generate_rules(profile, 400, 9);
    for (std::size_t i = 0; i < rules.size(); ++i)
      rules[i].action =
          i % 3 == 0 ? Action::drop() : Action::accept(static_cast<std::uint16_t>(i % 5));
    auto set = RuleSet::make(rules, Action::drop());
    REQUIRE(set.ok());
    CompileOptions co;
    co.tuning_budget_ms = 1;
    auto c = Classifier::compile(*set, co);
    REQUIRE(c.ok());
    auto back = rules_of(*c);
    REQUIRE(back.ok());
    REQUIRE(back->size() == set->size());
    CHECK(back->default_action() == Action::drop());
    for (std::size_t i = 0; i < set->size(); ++i) {
      const Rule& want = (*set)[static_cast<RuleId>(i)];
      const Rule& got = (*back)[static_cast<RuleId>(i)];
      CAPTURE(i);
      CHECK(got.field == want.field);
      CHECK(got.proto_value == want.proto_value);
      CHECK(got.proto_mask == want.proto_mask);
      CHECK(got.action == want.action);
    }
    // The lacl backend answers like the classifier it wraps and exposes the same actions.
    const auto backend = make_lacl_backend(std::move(*c));
    CHECK(backend->rule_count() == set->size());
    CHECK(backend->action(0) == Action::drop());
    CHECK(backend->info().name == "lacl");
  }
}
