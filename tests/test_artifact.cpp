// The compiled artifact: a loaded classifier answers exactly like the one that was written;
// every kind of damage (header fields, section table, checksums, truncation, structure) is
// refused with its reason; thousands of random corruptions never crash the loader, and whatever
// it accepts is exact for the rules it holds.
//
// The [mutation] cases also run in test_artifact_sanitized (ASan + UBSan + LSan); the number of
// random corruptions is LACL_MUTATIONS (default 4000).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

#include "keys.hpp"
#include "lacl/artifact.hpp"
#include "lacl/classbench.hpp"
#include "lacl/generator.hpp"
#include "shared_data.hpp"

using namespace lacl;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

using L = detail::ArtifactLayout;
using Bytes = std::vector<std::byte>;
constexpr const char* kName = "t.lacl";

std::uint32_t get32(const Bytes& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = v << 8 | std::to_integer<std::uint32_t>(b.at(at + i));
  return v;
}
std::uint64_t get64(const Bytes& b, std::size_t at) {
  return get32(b, at) | std::uint64_t{get32(b, at + 4)} << 32;
}
void put8(Bytes& b, std::size_t at, std::uint32_t v) {
  b.at(at) = static_cast<std::byte>(v);
}
void put16(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 2; ++i)
    b.at(at + i) = static_cast<std::byte>(v >> (8 * i));
}
void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.at(at + i) = static_cast<std::byte>(v >> (8 * i));
}
void put64(Bytes& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    b.at(at + i) = static_cast<std::byte>(v >> (8 * i));
}

struct Entry {
  std::string name;
  std::size_t at;  ///< where the table entry is
  std::uint64_t offset;
  std::uint64_t length;
};

std::vector<Entry> table_of(const Bytes& b) {
  std::vector<Entry> t;
  const std::size_t table = get64(b, L::kTableOffset);
  for (std::uint32_t i = 0; i < get32(b, L::kSectionCount); ++i) {
    const std::size_t e = table + i * L::kEntryBytes;
    std::string name(reinterpret_cast<const char*>(b.data() + e), L::kEntryNameBytes);
    name.resize(std::strlen(name.c_str()));
    t.push_back({name, e, get64(b, e + L::kEntryOffset), get64(b, e + L::kEntryLength)});
  }
  return t;
}

Entry section(const Bytes& b, const std::string& name) {
  for (const Entry& e : table_of(b)) {
    if (e.name == name) return e;
  }
  FAIL("no section " << name);
  return {};
}

// Where the parts of field index `index` are, per the documented layout.
struct ISetAt {
  std::size_t header, keys, segments, radix, offsets, rows;
  std::uint64_t n, nseg, nradix, noffsets, nrows;
};
ISetAt iset_at(const Bytes& b, std::size_t index) {
  std::size_t p = section(b, "isets").offset + 8;
  ISetAt a{};
  for (std::size_t i = 0; i <= index; ++i) {
    a.header = p;
    a.n = get64(b, p + 24);
    a.nseg = get64(b, p + 32);
    a.nradix = get64(b, p + 40);
    a.noffsets = get64(b, p + 48);
    a.nrows = get64(b, p + 56);
    a.keys = p + 64;
    a.segments = a.keys + 4 * a.n;
    a.radix = a.segments + 16 * a.nseg;
    a.offsets = a.radix + 4 * a.nradix;
    a.rows = a.offsets + 4 * a.noffsets;
    p = a.rows + 32 * a.nrows;
  }
  return a;
}

struct RemainderAt {
  std::uint64_t ntuples, nslots, nrows;
  std::size_t tuples, slots, rows;
};
RemainderAt remainder_at(const Bytes& b) {
  const std::size_t s = section(b, "remainder").offset;
  RemainderAt r{get64(b, s), get64(b, s + 8), get64(b, s + 16), s + 24, 0, 0};
  r.slots = r.tuples + 32 * r.ntuples;
  r.rows = r.slots + 4 * r.nslots;
  return r;
}

std::string load_error(const Bytes& b) {
  auto c = load_artifact(b, kName);
  return c ? std::string() : c.error().message;
}

Bytes resealed(Bytes b) {
  detail::reseal_artifact(b);
  return b;
}

// Rules with varied actions, so the actions section is exercised beyond "accept".
std::vector<Rule> rules_of(Profile p, std::size_t n, std::uint64_t seed) {
  auto rules = generate_rules(p, n, seed);
  test::Rng rng(seed ^ 0xABCDEF);
  for (Rule& r : rules) {
    const auto pick = rng.below(3);
    r.action = pick == 0   ? Action::accept()
               : pick == 1 ? Action::drop()
                           : Action::accept(static_cast<std::uint16_t>(rng.below(16)));
  }
  return rules;
}

// Compiles with a short tuning budget; with `deterministic`, with no tuning at all, so that the
// same rules give the same artifact on every run (the tuner measures time).
Classifier compile(const std::vector<Rule>& rules, Action default_action = Action::accept(),
                   CompileOptions o = {}, bool deterministic = false) {
  auto set = RuleSet::make(rules, default_action);
  REQUIRE(set);
  o.tuning_budget_ms = deterministic ? 0 : 20;
  auto c = Classifier::compile(*set, o);
  if (!c) FAIL(c.error().message);
  return std::move(*c);
}

std::vector<PacketKey> probe_keys(const std::vector<Rule>& rules, std::uint64_t seed,
                                  std::size_t n = 20000) {
  auto keys = test::boundary_keys(rules, n, seed);
  auto random = test::uniform_keys(n / 10 + 10, seed + 1);
  keys.insert(keys.end(), random.begin(), random.end());
  const auto traced = trace_keys(generate_trace(rules, n / 4 + 10, seed + 2));
  keys.insert(keys.end(), traced.begin(), traced.end());
  return keys;
}

void expect_same_answers(const Classifier& want, const Classifier& got,
                         std::span<const PacketKey> keys) {
  std::vector<RuleId> a(keys.size()), b(keys.size());
  want.classify(keys, a);
  got.classify(keys, b);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (a[i] != b[i] && bad++ == 0) {
      const PacketKey& k = keys[i];
      UNSCOPED_INFO("first difference at key " << i << ": " << k.src_ip << " " << k.dst_ip << " "
                                               << k.src_port << " " << k.dst_port << " " << +k.proto
                                               << " want " << a[i] << " got " << b[i]);
    }
  }
  CHECK(bad == 0);
}

void expect_same_structure(const Classifier& a, const Classifier& b) {
  REQUIRE(a.rule_count() == b.rule_count());
  CHECK(a.default_action() == b.default_action());
  CHECK(a.batch() == b.batch());
  CHECK(a.final_rules() == b.final_rules());
  for (std::size_t id = 0; id < a.rule_count(); ++id) {
    REQUIRE(a.action(static_cast<RuleId>(id)) == b.action(static_cast<RuleId>(id)));
  }
  REQUIRE(a.isets().size() == b.isets().size());
  for (std::size_t i = 0; i < a.isets().size(); ++i) {
    CHECK(a.isets()[i].field == b.isets()[i].field);
    CHECK(a.isets()[i].whole == b.isets()[i].whole);
    CHECK(a.isets()[i].isets == b.isets()[i].isets);
    CHECK(a.isets()[i].rules == b.isets()[i].rules);
    CHECK(a.isets()[i].rows.size() == b.isets()[i].rows.size());
    CHECK(a.isets()[i].lanes.size() == b.isets()[i].lanes.size());
    CHECK(a.isets()[i].candidate_rows() == b.isets()[i].candidate_rows());
    CHECK(std::equal(a.isets()[i].offsets.begin(), a.isets()[i].offsets.end(),
                     b.isets()[i].offsets.begin(), b.isets()[i].offsets.end()));
    CHECK(b.isets()[i].index.verify_bounds());
  }
  CHECK(a.remainder().size() == b.remainder().size());
  CHECK(a.remainder().tuple_count() == b.remainder().tuple_count());
  CHECK(a.bit_vectors().size() == b.bit_vectors().size());
  CHECK(a.bit_vectors().chunk_count() == b.bit_vectors().chunk_count());
  CHECK(a.cut_tree().size() == b.cut_tree().size());
  CHECK(a.cut_tree().leaf_size() == b.cut_tree().leaf_size());
  CHECK(a.cut_tree().nodes().size() == b.cut_tree().nodes().size());
  CHECK(a.cut_tree().depth() == b.cut_tree().depth());
  CHECK(a.remainder_rows() == b.remainder_rows());
  CHECK(a.bytes() == b.bytes());
  // The structural report is measured on the loaded parts; it must agree with the compiler's.
  const CompileReport& ra = a.report();
  const CompileReport& rb = b.report();
  CHECK(ra.rules == rb.rules);
  CHECK(ra.coverage == rb.coverage);
  CHECK(ra.bytes == rb.bytes);
  CHECK(rb.bytes == b.bytes());
  CHECK(ra.remainder_rules == rb.remainder_rules);
  CHECK(ra.remainder_algorithm == rb.remainder_algorithm);
  CHECK(ra.remainder_nodes == rb.remainder_nodes);
  CHECK(ra.remainder_depth == rb.remainder_depth);
  CHECK(ra.remainder_leaf == rb.remainder_leaf);
  CHECK(ra.remainder_candidates == rb.remainder_candidates);
  CHECK(ra.epsilon == rb.epsilon);
  CHECK(ra.lanes == rb.lanes);
  CHECK(ra.tuning == rb.tuning);
  CHECK(ra.total_ms == rb.total_ms);
  REQUIRE(ra.isets.size() == rb.isets.size());
  for (std::size_t i = 0; i < ra.isets.size(); ++i) {
    CHECK(ra.isets[i].field == rb.isets[i].field);
    CHECK(ra.isets[i].rules == rb.isets[i].rules);
    CHECK(ra.isets[i].isets == rb.isets[i].isets);
    CHECK(ra.isets[i].intervals == rb.isets[i].intervals);
    CHECK(ra.isets[i].entries == rb.isets[i].entries);
    CHECK(ra.isets[i].max_list == rb.isets[i].max_list);
    CHECK(ra.isets[i].mean_list == rb.isets[i].mean_list);
    CHECK(ra.isets[i].mean_window == rb.isets[i].mean_window);
    CHECK(ra.isets[i].segments == rb.isets[i].segments);
    CHECK(ra.isets[i].radix_bits == rb.isets[i].radix_bits);
    CHECK(ra.isets[i].max_window == rb.isets[i].max_window);
    CHECK(ra.isets[i].bytes == rb.isets[i].bytes);
  }
}

// Serialises, loads and checks both answers and structure; also that writing the loaded
// classifier again gives the same sections (the report aside, whose unknown keys are dropped).
void round_trip(const Classifier& c, std::span<const PacketKey> keys) {
  ArtifactMeta meta;
  meta.source_name = "rules.txt";
  const Bytes bytes = serialize_artifact(c, meta);
  auto loaded = load_artifact(bytes, kName);
  if (!loaded) FAIL(loaded.error().message);
  expect_same_structure(c, *loaded);
  expect_same_answers(c, *loaded, keys);
  const Bytes again = serialize_artifact(*loaded, meta);
  for (const char* name : {"meta", "classifier", "actions", "isets", "remainder"}) {
    const Entry x = section(bytes, name);
    const Entry y = section(again, name);
    CAPTURE(name);
    REQUIRE(x.length == y.length);
    CHECK(std::equal(bytes.begin() + x.offset, bytes.begin() + x.offset + x.length,
                     again.begin() + y.offset));
  }
}

// A bitwise CRC32C, the definition itself, to check the sliced one against.
std::uint32_t crc32c_bitwise(std::span<const std::byte> b) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::byte x : b) {
    c ^= std::to_integer<std::uint32_t>(x);
    for (int k = 0; k < 8; ++k)
      c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
  }
  return ~c;
}

std::span<const std::byte> text_bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

// The artifacts the damage tests start from: small, with iSets and a remainder.
const Bytes& sample_artifact() {
  static const Bytes bytes = [] {
    const auto rules = rules_of(Profile::kFw, 400, 17);
    CompileOptions o;
    o.max_isets = 3;
    ArtifactMeta meta;
    meta.source_name = "fw.rules";
    meta.source_format = "classbench";
    meta.options = "max_isets=3";
    return serialize_artifact(compile(rules, Action::drop(), o, true), meta);
  }();
  return bytes;
}

}  // namespace

TEST_CASE("crc32c gives the standard check values", "[artifact][crc]") {
  CHECK(crc32c(text_bytes("123456789")) == 0xE3069283u);
  CHECK(crc32c({}) == 0u);
  // RFC 3720 (iSCSI), appendix B.4.
  Bytes b(32, std::byte{0});
  CHECK(crc32c(b) == 0x8A9136AAu);
  std::fill(b.begin(), b.end(), std::byte{0xFF});
  CHECK(crc32c(b) == 0x62A8AB43u);
  for (std::size_t i = 0; i < 32; ++i)
    b[i] = static_cast<std::byte>(i);
  CHECK(crc32c(b) == 0x46DD794Eu);

  test::Rng rng(5);
  for (int round = 0; round < 200; ++round) {
    Bytes data(rng.below(300));
    for (auto& x : data)
      x = static_cast<std::byte>(rng.next());
    CAPTURE(round, data.size());
    const std::uint32_t whole = crc32c(data);
    REQUIRE(whole == crc32c_bitwise(data));
    const std::size_t cut = data.size() ? rng.below(data.size() + 1) : 0;
    REQUIRE(crc32c(std::span(data).subspan(cut), crc32c(std::span(data).first(cut))) == whole);
  }
}

TEST_CASE("digest_bytes is stable and sensitive", "[artifact][digest]") {
  const std::string text =
      "@1.2.3.4/32\t5.6.7.8/32\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000\n";
  const std::uint64_t d = digest_bytes(text_bytes(text));
  CHECK(d == digest_bytes(text_bytes(std::string(text))));
  CHECK(digest_bytes({}) != digest_bytes(text_bytes(std::string(1, '\0'))));
  CHECK(digest_bytes(text_bytes("a")) != digest_bytes(text_bytes(std::string("a\0", 2))));
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string t = text;
    t[i] = static_cast<char>(t[i] ^ 1);
    CAPTURE(i);
    REQUIRE(digest_bytes(text_bytes(t)) != d);
  }
}

TEST_CASE("a loaded artifact answers like the compiled classifier", "[artifact][round-trip]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    for (std::size_t n : {1u, 2u, 57u, 1000u, 6000u}) {
      for (std::uint64_t seed = 1; seed <= (n <= 1000 ? 3u : 1u); ++seed) {
        CAPTURE(profile_name(p), n, seed);
        const auto rules = rules_of(p, n, seed * 131 + n);
        const Action def = seed % 2 ? Action::drop() : Action::accept(7);
        CompileOptions o;
        o.max_isets = static_cast<std::uint32_t>(seed % 3 == 0 ? 0 : seed * 2);
        o.lanes = (seed + n) % 2 == 0;  // both candidate-list layouts survive the file
        o.whole_search = seed % 2 == 0 ? 0 : kWholeSearchMax;  // and both searches
        o.final_rules = (seed + n) % 3 != 0;                   // with and without final rules
        const Classifier c = compile(rules, def, o);
        round_trip(c, probe_keys(rules, seed));
      }
    }
  }
  SECTION("no rules") {
    const Classifier c = compile({}, Action::drop());
    round_trip(c, test::uniform_keys(100, 3));
  }
}

TEST_CASE("a 100K-rule artifact round-trips", "[artifact][round-trip][large]") {
  const auto rules = rules_of(Profile::kAcl, 100000, 4);
  const Classifier c = compile(rules);
  round_trip(c, probe_keys(rules, 4, 100000));
}

TEST_CASE("ClassBench sets round-trip through the artifact", "[artifact][round-trip][shared]") {
  if (!test::shared_rulesets_dir()) {
    WARN("skipped: ../shared/rulesets is absent");
    return;
  }
  for (const std::string& name : test::shared_set_names(10)) {
    CAPTURE(name);
    auto rules = read_classbench_rules(test::shared_file(name, "rules"));
    REQUIRE(rules);
    auto trace = read_trace(test::shared_file(name, "trace"));
    REQUIRE(trace);
    round_trip(compile(*rules), trace_keys(*trace));
  }
}

TEST_CASE("write_artifact and load_artifact_file", "[artifact][file]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("lacl-artifact-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  struct RemoveAtExit {  // also when a REQUIRE ends the test early
    fs::path dir;
    ~RemoveAtExit() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } const cleanup{dir};
  const auto rules = rules_of(Profile::kIpc, 500, 9);
  const Classifier c = compile(rules);
  const std::string path = (dir / "c.lacl").string();
  ArtifactMeta meta;
  meta.source_name = "ipc.rules";
  REQUIRE(write_artifact(path, c, meta));
  REQUIRE(write_artifact(path, c, meta));  // over an existing file
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir))
    ++files;
  CHECK(files == 1);  // no temp file left behind
  auto loaded = load_artifact_file(path);
  REQUIRE(loaded);
  expect_same_answers(c, *loaded, probe_keys(rules, 2));

  auto missing = load_artifact_file((dir / "none.lacl").string());
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, StartsWith((dir / "none.lacl").string() + ": cannot open"));
  auto dir_error = write_artifact((dir / "no" / "such" / "dir.lacl").string(), c, meta);
  REQUIRE_FALSE(dir_error);
  CHECK_THAT(dir_error.error().message, Contains("dir.lacl"));
}

TEST_CASE("inspect_artifact describes the file", "[artifact][inspect]") {
  const auto rules = rules_of(Profile::kAcl, 3000, 21);
  const Classifier c = compile(rules, Action::drop());
  ArtifactMeta meta;
  meta.options = "epsilon=0 batch=0";
  meta.source_name = "acl.rules";
  meta.source_format = "classbench";
  meta.source_digest = 0x0123456789ABCDEFull;
  const Bytes bytes = serialize_artifact(c, meta);
  auto info = inspect_artifact(bytes, kName);
  REQUIRE(info);
  CHECK(info->version == kArtifactVersion);
  CHECK(info->file_bytes == bytes.size());
  CHECK(info->file_crc32c == get32(bytes, L::kFileCrc));
  CHECK(info->meta.tool_version == LACL_VERSION);
  CHECK(info->meta.options == meta.options);
  CHECK(info->meta.source_name == meta.source_name);
  CHECK(info->meta.source_format == meta.source_format);
  CHECK(info->meta.source_digest == meta.source_digest);
  CHECK(info->default_action == Action::drop());
  CHECK(info->report.rules == 3000);
  CHECK(info->report.isets.size() == c.isets().size());
  CHECK(info->report.coverage == c.report().coverage);
  REQUIRE(info->sections.size() == 6);
  const char* names[] = {"meta", "report", "classifier", "actions", "isets", "remainder"};
  std::uint64_t end = L::kHeaderBytes + 6 * L::kEntryBytes;
  for (std::size_t i = 0; i < 6; ++i) {
    const auto& s = info->sections[i];
    CAPTURE(i);
    CHECK(s.name == names[i]);
    CHECK(s.offset % 64 == 0);
    CHECK(s.offset >= end);
    CHECK(s.crc32c == crc32c(std::span(bytes).subspan(s.offset, s.length)));
    end = s.offset + s.length;
  }
  CHECK(end == bytes.size());
  CHECK(serialize_artifact(c, meta) == bytes);  // deterministic
}

TEST_CASE("version 2 artifacts still load, without final rules", "[artifact][version]") {
  const auto rules = rules_of(Profile::kAcl, 2000, 23);
  CompileOptions o;
  o.final_rules = true;
  const Classifier c = compile(rules, Action::drop(), o, true);
  REQUIRE(c.isets().size() > 1);
  REQUIRE(c.final_rules());
  const Bytes now = serialize_artifact(c, ArtifactMeta{});
  const std::size_t cls = section(now, "classifier").offset;
  CHECK(get32(now, cls + 16) == 1);  // the flags word: final rules
  const auto keys = probe_keys(rules, 23);
  // Version 2 had a zero where version 3 has its flags: such a file loads without final rules,
  // and answers the same.
  Bytes v2 = now;
  put32(v2, L::kVersion, 2);
  put32(v2, cls + 16, 0);
  auto old = load_artifact(resealed(v2), kName);
  if (!old) FAIL(old.error().message);
  CHECK_FALSE(old->final_rules());
  expect_same_answers(c, *old, keys);
  // There a set flag is a non-zero reserved field.
  put32(v2, cls + 16, 1);
  CHECK(load_error(resealed(v2)) ==
        std::string(kName) + ": section 'classifier': the reserved field is not zero");
}

TEST_CASE("damaged headers are refused with their reason", "[artifact][refuse]") {
  const Bytes& good = sample_artifact();
  REQUIRE(load_error(good).empty());
  const std::string n = std::string(kName) + ": ";
  struct Case {
    const char* what;
    void (*damage)(Bytes&);
    std::string reason;
  };
  const Case cases[] = {
      {"magic", [](Bytes& b) { put8(b, 3, 'X'); }, n + "bad magic"},
      {"magic end", [](Bytes& b) { put8(b, 7, 1); }, n + "bad magic"},
      {"newer version", [](Bytes& b) { put32(b, L::kVersion, 7); },
       n + "unsupported format version 7 (this lacl reads up to 4)"},
      {"version 0", [](Bytes& b) { put32(b, L::kVersion, 0); }, n + "unsupported format version 0"},
      {"big-endian", [](Bytes& b) { put32(b, L::kByteOrder, 0x04030201u); },
       n + "big-endian artifact"},
      {"byte order", [](Bytes& b) { put32(b, L::kByteOrder, 0x01020305u); },
       n + "bad byte-order mark"},
      {"header size", [](Bytes& b) { put32(b, L::kHeaderSize, 65); }, n + "bad header size 65"},
      {"no sections", [](Bytes& b) { put32(b, L::kSectionCount, 0); }, n + "bad section count 0"},
      {"many sections", [](Bytes& b) { put32(b, L::kSectionCount, 17); },
       n + "bad section count 17"},
      {"fewer sections", [](Bytes& b) { put32(b, L::kSectionCount, 5); },
       n + "bad section table: missing section 'remainder'"},
      {"more sections", [](Bytes& b) { put32(b, L::kSectionCount, 7); }, n + "bad section table"},
      {"file size up", [](Bytes& b) { put64(b, L::kFileSize, b.size() + 1); },
       n + "truncated: header says"},
      {"file size down", [](Bytes& b) { put64(b, L::kFileSize, b.size() - 1); },
       n + "file size mismatch"},
      {"table offset", [](Bytes& b) { put64(b, L::kTableOffset, 63); },
       n + "bad section table offset"},
      {"table far", [](Bytes& b) { put64(b, L::kTableOffset, ~std::uint64_t{0} - 7); },
       n + "bad section table offset"},
      {"reserved", [](Bytes& b) { put8(b, 50, 1); }, n + "bad header: reserved byte 50"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    Bytes b = good;
    c.damage(b);
    CHECK_THAT(load_error(b), StartsWith(c.reason));
    // The header is checked before any checksum: a resealed file gets the same reason.
    CHECK_THAT(load_error(resealed(b)), StartsWith(c.reason));
  }
  Bytes b = good;
  put32(b, L::kFileCrc, get32(b, L::kFileCrc) ^ 0x10);
  CHECK(load_error(b) == n + "whole-file checksum mismatch");
}

TEST_CASE("damaged section tables are refused with their reason", "[artifact][refuse]") {
  const Bytes& good = sample_artifact();
  const auto table = table_of(good);
  REQUIRE(table.size() == 6);
  const std::string n = std::string(kName) + ": ";
  for (const Entry& e : table) {
    CAPTURE(e.name);
    auto damaged = [&](auto damage) {
      Bytes b = good;
      damage(b);
      return load_error(resealed(b));
    };
    CHECK_THAT(damaged([&](Bytes& b) { put8(b, e.at, 'Z'); }),
               StartsWith(n + "bad section table: unknown section 'Z"));
    CHECK_THAT(damaged([&](Bytes& b) { put8(b, e.at, 0); }),
               StartsWith(n + "bad section table: entry"));
    CHECK_THAT(damaged([&](Bytes& b) { put8(b, e.at + 15, 'x'); }),
               StartsWith(n + "bad section table: entry"));
    CHECK_THAT(damaged([&](Bytes& b) { put64(b, e.at + L::kEntryOffset, e.offset + 1); }),
               StartsWith(n + "bad section table: section '" + e.name + "' offset"));
    CHECK_THAT(damaged([&](Bytes& b) { put64(b, e.at + L::kEntryOffset, 0); }),
               Contains("overlaps the header or the table"));
    CHECK_THAT(
        damaged([&](Bytes& b) { put64(b, e.at + L::kEntryOffset, (b.size() / 64 + 2) * 64); }),
        StartsWith(n + "index out of range: section '" + e.name + "'"));
    CHECK_THAT(damaged([&](Bytes& b) { put64(b, e.at + L::kEntryLength, ~std::uint64_t{0}); }),
               StartsWith(n + "index out of range: section '" + e.name + "'"));
    CHECK_THAT(damaged([&](Bytes& b) { put32(b, e.at + L::kEntryReserved, 1); }),
               Contains("non-zero reserved field"));
    Bytes b = good;
    put32(b, e.at + L::kEntryCrc, get32(b, e.at + L::kEntryCrc) ^ 1);
    CHECK(load_error(b) == n + "checksum mismatch in section '" + e.name + "'");
  }
  // Duplicates and overlaps.
  Bytes b = good;
  std::memcpy(b.data() + table[1].at, b.data() + table[0].at, L::kEntryNameBytes);
  CHECK_THAT(load_error(resealed(b)),
             StartsWith(n + "bad section table: duplicate section 'meta'"));
  b = good;
  put64(b, table[1].at + L::kEntryOffset, table[0].offset);
  CHECK_THAT(load_error(resealed(b)), Contains("overlap"));
}

TEST_CASE("truncated and extended files are refused", "[artifact][refuse]") {
  const Bytes& good = sample_artifact();
  const std::string n = std::string(kName) + ": ";
  std::vector<std::size_t> cuts = {0, 1, 7, 8, 63, 64, L::kHeaderBytes + 6 * L::kEntryBytes};
  for (const Entry& e : table_of(good)) {
    for (std::uint64_t at : {e.offset - 1, e.offset, e.offset + 1, e.offset + e.length - 1}) {
      cuts.push_back(static_cast<std::size_t>(at));
    }
  }
  test::Rng rng(77);
  for (int i = 0; i < 300; ++i)
    cuts.push_back(rng.below(good.size()));
  for (std::size_t cut : cuts) {
    CAPTURE(cut);
    const Bytes b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    CHECK_THAT(load_error(b), StartsWith(n + "truncated: "));
    CHECK_THAT(load_error(resealed(b)), StartsWith(n + "truncated: "));
  }
  for (std::size_t extra : {1u, 63u, 64u, 4096u}) {
    Bytes b = good;
    b.resize(b.size() + extra);
    CHECK_THAT(load_error(b), StartsWith(n + "file size mismatch"));
  }
}

TEST_CASE("a flipped bit is named by its section's checksum", "[artifact][refuse]") {
  const Bytes& good = sample_artifact();
  const std::string n = std::string(kName) + ": ";
  test::Rng rng(99);
  for (const Entry& e : table_of(good)) {
    REQUIRE(e.length > 0);
    for (int i = 0; i < 20; ++i) {
      Bytes b = good;
      const std::size_t at = e.offset + rng.below(e.length);
      b[at] ^= static_cast<std::byte>(1u << rng.below(8));
      CAPTURE(e.name, at);
      CHECK(load_error(b) == n + "checksum mismatch in section '" + e.name + "'");
    }
  }
  // Padding belongs to no section: the whole-file checksum catches it.
  const auto t = table_of(good);
  const std::size_t pad = t[0].offset - 1;
  REQUIRE(pad >= L::kHeaderBytes + 6 * L::kEntryBytes);
  Bytes b = good;
  b[pad] ^= std::byte{0x80};
  CHECK(load_error(b) == n + "whole-file checksum mismatch");
}

TEST_CASE("structural damage behind valid checksums is refused", "[artifact][refuse]") {
  const Bytes& good = sample_artifact();
  const std::string n = std::string(kName) + ": ";
  const std::uint64_t rules = get64(good, section(good, "classifier").offset);
  REQUIRE(rules == 400);
  const ISetAt s0 = iset_at(good, 0);
  REQUIRE(s0.noffsets == s0.n + 1);  // the damage below needs candidate lists
  REQUIRE(s0.n > kWholeSearchMax);   // and more intervals than a whole search may have
  REQUIRE(get64(good, section(good, "isets").offset) >= 1);
  const RemainderAt rem = remainder_at(good);
  REQUIRE(rem.nrows > 1);
  const std::size_t cls = section(good, "classifier").offset;
  const std::size_t act = section(good, "actions").offset;
  const std::size_t meta = section(good, "meta").offset;
  const std::size_t report = section(good, "report").offset;

  struct Case {
    const char* what;
    std::function<void(Bytes&)> damage;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"rule count", [&](Bytes& b) { put64(b, cls, rules + 1); },
       n + "truncated: section 'actions'"},
      {"rule count less", [&](Bytes& b) { put64(b, cls, rules - 1); },
       n + "section 'actions' has 4 unread bytes"},
      {"rule count huge", [&](Bytes& b) { put64(b, cls, std::uint64_t{1} << 40); },
       n + "index out of range: rule count"},
      {"default action", [&](Bytes& b) { put8(b, cls + 8, 3); }, n + "section 'classifier'"},
      {"batch 0", [&](Bytes& b) { put32(b, cls + 12, 0); }, n + "section 'classifier': batch 0"},
      {"unknown flag", [&](Bytes& b) { put32(b, cls + 16, get32(b, cls + 16) | 4); },
       n + "section 'classifier': unknown flags 0x4"},
      {"action kind", [&](Bytes& b) { put8(b, act + 4 * 5, 9); }, n + "section 'actions'"},
      {"meta length", [&](Bytes& b) { put32(b, meta + 8, 0xFFFFFF00u); },
       n + "truncated: section 'meta'"},
      {"report json", [&](Bytes& b) { put8(b, report, '}'); }, n + "malformed compile report"},
      {"index count", [&](Bytes& b) { put64(b, section(b, "isets").offset, 65); },
       n + "index out of range: 65 iSet indexes (at most 64)"},
      {"index field", [&](Bytes& b) { put8(b, s0.header, 7); },
       n + "index out of range: iSet index 0 field 7"},
      {"index reserved", [&](Bytes& b) { put8(b, s0.header + 2, 1); },
       n + "section 'isets': an index's reserved bytes is not zero"},
      {"index iSets", [&](Bytes& b) { put32(b, s0.header + 4, 0); },
       n + "bad iSet index 0: 0 iSets"},
      {"index rules", [&](Bytes& b) { put32(b, s0.header + 8, get32(b, s0.header + 8) + 1); },
       n + "bad iSet index 0: "},
      {"index list layout", [&](Bytes& b) { put32(b, s0.header + 20, 2); },
       n + "bad iSet index 0: unknown list layout 2"},
      {"index search", [&](Bytes& b) { put8(b, s0.header + 1, 2); },
       n + "bad iSet index 0: unknown search 2"},
      {"index searched whole, too big", [&](Bytes& b) { put8(b, s0.header + 1, 1); },
       n + "bad iSet index 0: searched whole, but " + std::to_string(s0.n) +
           " intervals (at most 128)"},
      {"index shift", [&](Bytes& b) { put32(b, s0.header + 12, 32); },
       n + "bad iSet index 0: radix shift 32"},
      {"index domain", [&](Bytes& b) { put32(b, s0.header + 16, 1000); },
       n + "bad iSet index 0: domain max 1000"},
      {"index keys",
       [&](Bytes& b) {
         put64(b, s0.header + 24, 1u << 30);
         put64(b, s0.header + 48, (1u << 30) + 1);
       },
       n + "truncated: section 'isets'"},
      {"index no keys", [&](Bytes& b) { put64(b, s0.header + 24, 0); },
       n + "bad iSet index 0: no keys"},
      {"index offsets", [&](Bytes& b) { put64(b, s0.header + 48, s0.n); },
       n + "bad iSet index 0: " + std::to_string(s0.n) + " offsets for"},
      {"index rows", [&](Bytes& b) { put64(b, s0.header + 56, std::uint64_t{1} << 40); },
       n + "truncated: section 'isets'"},
      {"row id", [&](Bytes& b) { put32(b, s0.rows + 28, static_cast<std::uint32_t>(rules)); },
       n + "index out of range: iSet index 0 row 0 has rule id 400 (rule count 400)"},
      {"row range",
       [&](Bytes& b) {
         put16(b, s0.rows + 16, 0xFFFF);
         put16(b, s0.rows + 18, 0);
       },
       n + "bad rule row: iSet index 0 row 0 has an empty src_port range"},
      {"offsets start", [&](Bytes& b) { put32(b, s0.offsets, 1); },
       n + "bad iSet index 0: the offsets do not span"},
      {"offsets end", [&](Bytes& b) { put32(b, s0.offsets + 4 * s0.n, 0); },
       n + "bad iSet index 0: the offsets do not span"},
      {"key order", [&](Bytes& b) { put32(b, s0.keys + 4, get32(b, s0.keys)); },
       n + "bad iSet index 0 ("},
      {"radix", [&](Bytes& b) { put32(b, s0.radix, 5); }, n + "bad iSet index 0 ("},
      {"remainder slots", [&](Bytes& b) { put32(b, rem.tuples + 20, 31); }, n + "bad remainder"},
      // The first tuple's slots start one row late: row 0 would be in no slot, never found.
      {"remainder row in no slot", [&](Bytes& b) { put32(b, rem.slots, 1); },
       n + "bad remainder: the tuple space does not verify"},
      {"remainder id", [&](Bytes& b) { put32(b, rem.rows + 28, 0xFFFFFFF0u); },
       n + "index out of range: remainder row 0"},
      {"remainder mask", [&](Bytes& b) { put32(b, rem.tuples, 0x0000FF00u); },
       n + "bad remainder: tuple 0 has a mask that is not a prefix"},
      {"rule in two places", [&](Bytes& b) { put32(b, rem.rows + 28, get32(b, s0.rows + 28)); },
       n + "bad rule cover: rule " + std::to_string(get32(good, s0.rows + 28)) +
           " is in two places"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    Bytes b = good;
    c.damage(b);
    CHECK_THAT(load_error(resealed(b)), StartsWith(c.reason));
  }
  // Candidate lists: order, and a piece that differs from its rule's other pieces.
  std::size_t listed = 0;
  for (std::size_t j = 0; j < s0.n; ++j) {
    const std::size_t first = get32(good, s0.offsets + 4 * j);
    const std::size_t end = get32(good, s0.offsets + 4 * (j + 1));
    if (end - first >= 2) {
      Bytes b = good;
      std::memcpy(b.data() + s0.rows + 32 * (first + 1), b.data() + s0.rows + 32 * first, 32);
      CAPTURE(j);
      CHECK_THAT(load_error(resealed(b)),
                 StartsWith(n + "bad iSet index 0: the candidates of interval " +
                            std::to_string(j) + " are not in priority order"));
      ++listed;
      break;
    }
  }
  CHECK(listed == 1);
  {
    // A key moved past the start of a rule's range: values just below it now look up the
    // interval before, which does not list the rule.
    const std::uint32_t field = get32(good, s0.header) & 0xFF;
    const std::size_t lo_at[] = {0, 8, 16, 20, 24};
    const std::uint32_t lo_mask[] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFF, 0xFFFF, 0xFF};
    bool moved = false;
    for (std::size_t j = 1; j + 1 < s0.n && !moved; ++j) {
      const std::uint32_t key = get32(good, s0.keys + 4 * j);
      if (get32(good, s0.keys + 4 * (j + 1)) <= key + 1) continue;
      const std::size_t first = get32(good, s0.offsets + 4 * j);
      const std::size_t end = get32(good, s0.offsets + 4 * (j + 1));
      for (std::size_t k = first; k < end && !moved; ++k) {
        if ((get32(good, s0.rows + 32 * k + lo_at[field]) & lo_mask[field]) != key) continue;
        Bytes b = good;
        put32(b, s0.keys + 4 * j, key + 1);
        const std::string rule = std::to_string(get32(good, s0.rows + 32 * k + 28));
        CAPTURE(j, k);
        CHECK_THAT(load_error(resealed(b)),
                   StartsWith(n + "bad iSet index 0: rule " + rule + " is listed in"));
        moved = true;
      }
    }
    CHECK(moved);
  }
  {
    // Drop a rule from the last interval that lists it: its range is no longer covered.
    Bytes b = good;
    const std::size_t last_row = s0.nrows - 1;
    put32(b, s0.rows + 32 * last_row + 28, static_cast<std::uint32_t>(rules - 1));
    CHECK_THAT(load_error(resealed(b)), StartsWith(n + "bad "));
  }
  // A proved error bound lowered below the measured error.
  bool lowered = false;
  for (std::size_t g = 0; g + 1 < s0.nseg && !lowered; ++g) {
    for (std::size_t field : {12u, 14u}) {  // below, above
      const std::size_t at = s0.segments + 16 * g + field;
      if (get32(good, at) & 0xFFFF) {
        Bytes b = good;
        put16(b, at, (get32(good, at) & 0xFFFF) - 1);
        CAPTURE(g, field);
        CHECK_THAT(load_error(resealed(b)),
                   StartsWith(n + "bad iSet index 0 (") && Contains("error bounds"));
        lowered = true;
        break;
      }
    }
  }
  CHECK(lowered);
}

namespace {

// `good` with its remainder's first two rows swapped.
Bytes first_rows_swapped(const Bytes& good, const RemainderAt& rem) {
  Bytes b = good;
  std::swap_ranges(b.begin() + static_cast<std::ptrdiff_t>(rem.rows),
                   b.begin() + static_cast<std::ptrdiff_t>(rem.rows + 32),
                   b.begin() + static_cast<std::ptrdiff_t>(rem.rows + 32));
  return b;
}

}  // namespace

TEST_CASE("bit-vector remainders round-trip, and bad ones are refused",
          "[artifact][bit-vectors]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    for (std::size_t n : {1u, 300u, 1200u}) {
      for (bool behind : {false, true}) {
        if (behind && n < 100) continue;  // a rule or two all fit an index
        CAPTURE(profile_name(p), n, behind);
        const auto rules = rules_of(p, n, n * 17 + 3);
        CompileOptions o;
        o.bit_vectors = true;
        if (behind) {
          o.max_isets = 2;  // the remainder behind two indexes
        } else {
          o.min_iset_size = static_cast<std::uint32_t>(n + 1);  // every rule
        }
        const Classifier c = compile(rules, Action::drop(), o, /*deterministic=*/true);
        REQUIRE(c.report().remainder_algorithm == "bit-vectors");
        round_trip(c, probe_keys(rules, n));
      }
    }
  }
  const auto rules = rules_of(Profile::kFw, 300, 5);
  CompileOptions o;
  o.bit_vectors = true;
  o.min_iset_size = 301;
  const Classifier c = compile(rules, Action::drop(), o, /*deterministic=*/true);
  const Bytes good = serialize_artifact(c, ArtifactMeta{});
  const RemainderAt rem = remainder_at(good);
  REQUIRE(rem.ntuples == 0);
  REQUIRE(rem.nslots == 0);
  REQUIRE(rem.nrows == 300);
  const std::string n = std::string(kName) + ": ";
  // The rows must be in increasing id order: bit i is the i-th rule in priority order.
  CHECK(load_error(resealed(first_rows_swapped(good, rem))) ==
        n + "bad remainder: bit-vector row 1 (rule 0) is not after rule 1");
  {
    // Version 1 has no bit vectors: such a remainder is a tuple space that does not verify.
    Bytes b = good;
    put32(b, detail::ArtifactLayout::kVersion, 1);
    CHECK_THAT(load_error(resealed(b)), StartsWith(n + "bad remainder: the tuple space"));
  }
  {
    // A rule listed in the vectors and an index both: refused by the cover check.
    Bytes b = good;
    put32(b, rem.rows + 32 * 1 + 28, 0);
    CHECK_THAT(load_error(resealed(b)), StartsWith(n + "bad rule cover"));
  }
}

TEST_CASE("cut-tree remainders round-trip, and bad ones are refused", "[artifact][cut-tree]") {
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    for (std::size_t n : {1u, 300u, 1200u}) {
      for (bool behind : {false, true}) {
        if (behind && n < 100) continue;  // a rule or two all fit an index
        CAPTURE(profile_name(p), n, behind);
        const auto rules = rules_of(p, n, n * 19 + 5);
        CompileOptions o;
        o.cut_tree = true;
        o.tree_leaf = behind ? 4 : 16;
        if (behind) {
          o.max_isets = 2;  // the remainder behind two indexes
        } else {
          o.min_iset_size = static_cast<std::uint32_t>(n + 1);  // every rule
        }
        const Classifier c = compile(rules, Action::drop(), o, /*deterministic=*/true);
        REQUIRE(c.report().remainder_algorithm == "cut-tree");
        CHECK(c.cut_tree().leaf_size() == o.tree_leaf);
        round_trip(c, probe_keys(rules, n));
      }
    }
  }
  const auto rules = rules_of(Profile::kAcl, 300, 5);
  CompileOptions o;
  o.cut_tree = true;
  o.tree_leaf = 8;
  o.min_iset_size = 301;
  const Classifier c = compile(rules, Action::drop(), o, /*deterministic=*/true);
  const Bytes good = serialize_artifact(c, ArtifactMeta{});
  const std::size_t cls = section(good, "classifier").offset;
  CHECK(get32(good, cls + 16) == (2u | 8u << 8));  // the cut-tree flag, leaves of 8
  const RemainderAt rem = remainder_at(good);
  REQUIRE(rem.ntuples == 0);
  REQUIRE(rem.nslots == 0);
  REQUIRE(rem.nrows == 300);
  const std::string n = std::string(kName) + ": ";
  CHECK(load_error(resealed(first_rows_swapped(good, rem))) ==
        n + "bad remainder: cut-tree row 1 (rule 0) is not after rule 1");
  {
    Bytes b = good;
    put32(b, cls + 16, 2u);
    CHECK(load_error(resealed(b)) == n + "section 'classifier': a cut tree with leaves of 0 rules");
    put32(b, cls + 16, 8u << 8);
    CHECK(load_error(resealed(b)) ==
          n + "section 'classifier': a leaf size (8) without a cut tree");
  }
  {
    // Version 3 has no cut trees: its flags word knows only the final rules.
    Bytes b = good;
    put32(b, detail::ArtifactLayout::kVersion, 3);
    CHECK(load_error(resealed(b)) == n + "section 'classifier': unknown flags 0x802");
  }
  {
    // Another leaf size rebuilds another tree, which answers the same.
    Bytes b = good;
    put32(b, cls + 16, 2u | 1u << 8);
    auto loaded = load_artifact(resealed(b), kName);
    if (!loaded) FAIL(loaded.error().message);
    CHECK(loaded->cut_tree().leaf_size() == 1);
    expect_same_answers(c, *loaded, probe_keys(rules, 6));
  }
}

namespace {

// The first match over all of a classifier's rows: an oracle that needs nothing but the rows.
std::vector<RuleId> scan_rows(const Classifier& c, std::span<const PacketKey> keys) {
  std::vector<detail::RuleRow> rows;
  for (const ISetIndex& s : c.isets()) {
    const std::vector<detail::RuleRow> candidates = s.candidate_rows();
    rows.insert(rows.end(), candidates.begin(), candidates.end());
  }
  const std::vector<detail::RuleRow> rest = c.remainder_rows();
  rows.insert(rows.end(), rest.begin(), rest.end());
  std::vector<RuleId> out(keys.size(), kNoMatch);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (const detail::RuleRow& r : rows) {
      if (r.id < out[i] && r.matches(keys[i])) out[i] = r.id;
    }
  }
  return out;
}

std::size_t mutation_count() {
  const char* env = std::getenv("LACL_MUTATIONS");
  return env != nullptr ? std::strtoul(env, nullptr, 10) : 4000;
}

}  // namespace

TEST_CASE("the lanes layout is refused unless each list covers its interval whole",
          "[artifact][refuse][lanes]") {
  // Lanes leave the indexed field out of the candidates (candidate_lanes.hpp): a lookup trusts
  // that a key the search put in an interval lies in every candidate's range on that field,
  // unless it is past the interval's end, into a gap none covers. Two edits keep every check
  // the rows layout needs but break that: a rule that starts after its first interval does,
  // and one that ends inside its last interval while another candidate runs on. With the rows
  // layout (every field checked) the file is sound and answers like its own rows; marked as
  // lanes it is refused.
  const Bytes& good = sample_artifact();
  const std::string n = std::string(kName) + ": ";
  const ISetAt s0 = iset_at(good, 0);
  REQUIRE(s0.noffsets == s0.n + 1);
  const std::uint32_t field = get32(good, s0.header) & 0xFF;
  const std::size_t lo_at[] = {0, 8, 16, 20, 24};
  const std::size_t width[] = {4, 4, 2, 2, 1};
  auto bound = [&](const Bytes& b, std::size_t row, bool hi) {
    const std::size_t at = s0.rows + 32 * row + lo_at[field] + (hi ? width[field] : 0);
    return width[field] == 4 ? get32(b, at) : width[field] == 2 ? get32(b, at) & 0xFFFF
                                                                : get32(b, at) & 0xFF;
  };
  auto set_bound = [&](Bytes& b, std::uint32_t id, bool hi, std::uint32_t v) {
    for (std::size_t row = 0; row < s0.nrows; ++row) {  // every piece of the rule alike
      if (get32(b, s0.rows + 32 * row + 28) != id) continue;
      const std::size_t at = s0.rows + 32 * row + lo_at[field] + (hi ? width[field] : 0);
      if (width[field] == 4) put32(b, at, v);
      if (width[field] == 2) put16(b, at, static_cast<std::uint16_t>(v));
      if (width[field] == 1) put8(b, at, static_cast<std::uint8_t>(v));
    }
  };
  auto key = [&](std::size_t j) { return get32(good, s0.keys + 4 * j); };
  auto ids = [&](std::size_t j) {
    std::vector<std::uint32_t> out;
    for (std::size_t k = get32(good, s0.offsets + 4 * j); k < get32(good, s0.offsets + 4 * (j + 1));
         ++k)
      out.push_back(get32(good, s0.rows + 32 * k + 28));
    return out;
  };
  auto has = [](const std::vector<std::uint32_t>& v, std::uint32_t id) {
    return std::find(v.begin(), v.end(), id) != v.end();
  };
  // Interval j (with room for an edit: its next key at least two past its own) where rule `id`
  // starts (late = true: is not in interval j - 1) or ends (not in j + 1, while another is).
  std::vector<Bytes> damaged;
  for (bool late : {true, false}) {
    bool found = false;
    for (std::size_t j = 1; j + 1 < s0.n && !found; ++j) {
      if (key(j + 1) < key(j) + 2) continue;
      const auto here = ids(j);
      const auto before = ids(j - 1);
      const auto after = ids(j + 1);
      for (std::size_t i = 0; i < here.size() && !found; ++i) {
        const std::uint32_t id = here[i];
        const std::size_t row = get32(good, s0.offsets + 4 * j) + i;
        Bytes b = good;
        if (late && !has(before, id) && bound(good, row, false) == key(j)) {
          set_bound(b, id, false, key(j) + 1);
        } else if (!late && !has(after, id) && bound(good, row, true) == key(j + 1) - 1 &&
                   std::any_of(here.begin(), here.end(),
                               [&](std::uint32_t other) { return has(after, other); })) {
          set_bound(b, id, true, key(j));
        } else {
          continue;
        }
        CAPTURE(late, j, id);
        put32(b, s0.header + 20, 0);  // rows
        auto loaded = load_artifact(resealed(b), kName);
        REQUIRE(loaded);
        // Keys at and around every candidate's bounds on the field, inside its other ranges.
        std::vector<PacketKey> keys;
        for (const detail::RuleRow& r : loaded->isets()[0].candidate_rows()) {
          const Range range = r.range(static_cast<Field>(field));
          for (std::uint32_t v : {range.lo - 1, range.lo, range.lo + 1, range.hi - 1, range.hi,
                                  range.hi + 1}) {
            PacketKey k{r.src_lo, r.dst_lo, r.sport_lo, r.dport_lo, r.proto_lo};
            v &= kFieldMax[field];
            switch (field) {
              case 0: k.src_ip = v; break;
              case 1: k.dst_ip = v; break;
              case 2: k.src_port = static_cast<std::uint16_t>(v); break;
              case 3: k.dst_port = static_cast<std::uint16_t>(v); break;
              default: k.proto = static_cast<std::uint8_t>(v); break;
            }
            keys.push_back(k);
          }
        }
        std::vector<RuleId> got(keys.size());
        loaded->classify(keys, got);
        CHECK(got == scan_rows(*loaded, keys));
        put32(b, s0.header + 20, 1);  // lanes
        CHECK(load_error(resealed(b)) ==
              n + "bad iSet index 0: lanes layout, but a candidate list does not cover its "
                  "interval whole");
        found = true;
      }
    }
    CHECK(found);
  }
}

TEST_CASE("random corruptions never crash the loader", "[artifact][mutation]") {
  std::vector<Bytes> bases;
  std::vector<std::vector<Rule>> base_rules;
  for (Profile p : {Profile::kAcl, Profile::kFw, Profile::kIpc}) {
    base_rules.push_back(rules_of(p, 150, 3 + static_cast<unsigned>(p)));
    CompileOptions o;
    o.max_isets = 2;
    bases.push_back(serialize_artifact(compile(base_rules.back(), Action::accept(), o, true), {}));
  }
  base_rules.emplace_back();
  bases.push_back(serialize_artifact(compile({}), {}));

  const std::size_t total = mutation_count();
  test::Rng rng(20240611);
  std::size_t accepted = 0;
  std::size_t by_structure = 0;  // refused after the checksums passed
  for (std::size_t m = 0; m < total; ++m) {
    const std::size_t which = rng.below(bases.size());
    Bytes b = bases[which];
    const std::uint64_t kind = rng.below(8);
    const std::size_t at = rng.below(b.size());
    switch (kind) {
      case 0:  // bit flips
        for (std::uint64_t k = 0, nk = 1 + rng.below(4); k < nk; ++k) {
          b[rng.below(b.size())] ^= static_cast<std::byte>(1u << rng.below(8));
        }
        break;
      case 1:  // byte overwrites
        for (std::uint64_t k = 0, nk = 1 + rng.below(8); k < nk; ++k) {
          b[rng.below(b.size())] = static_cast<std::byte>(rng.next());
        }
        break;
      case 2: {  // an aligned field set to an interesting value
        const std::uint64_t values[] = {0,
                                        1,
                                        2,
                                        7,
                                        31,
                                        32,
                                        63,
                                        64,
                                        0xFF,
                                        0xFFFF,
                                        0x7FFFFFFF,
                                        0xFFFFFFFF,
                                        b.size(),
                                        b.size() + 1,
                                        ~std::uint64_t{0}};
        const std::size_t a = at & ~std::size_t{3};
        const std::uint64_t v = values[rng.below(std::size(values))];
        if (a + 8 <= b.size() && rng.below(2)) {
          put64(b, a, v);
        } else if (a + 4 <= b.size()) {
          put32(b, a, static_cast<std::uint32_t>(v));
        }
        break;
      }
      case 3:  // truncation
        b.resize(rng.below(b.size()));
        break;
      case 4:  // extension
        for (std::uint64_t k = 0, nk = 1 + rng.below(128); k < nk; ++k)
          b.push_back(static_cast<std::byte>(rng.next()));
        break;
      case 5: {  // a copied run of bytes from elsewhere in the file
        const std::size_t from = rng.below(b.size());
        const std::size_t len =
            std::min<std::size_t>({1 + rng.below(64), b.size() - from, b.size() - at});
        std::memmove(b.data() + at, b.data() + from, len);
        break;
      }
      case 6:  // a small integer nudge inside a section, where counts and ids live
        put8(b, at, std::to_integer<std::uint32_t>(b[at]) + (rng.below(2) ? 1 : 0xFF));
        break;
      default:  // header or table field
        if (b.size() >= L::kHeaderBytes + 6 * L::kEntryBytes) {
          const std::size_t a = rng.below(L::kHeaderBytes + 6 * L::kEntryBytes) & ~std::size_t{3};
          put32(b, a, static_cast<std::uint32_t>(rng.next() >> (rng.below(32))));
        }
        break;
    }
    // Half the time the checksums are fixed up so that the structural checks must catch it.
    const bool reseal = rng.below(2) == 0;
    if (reseal) detail::reseal_artifact(b);
    CAPTURE(m, which, kind, at, reseal);
    auto loaded = load_artifact(b, kName);
    if (!loaded) {
      REQUIRE_THAT(loaded.error().message, StartsWith(std::string(kName) + ": "));
      const std::string& msg = loaded.error().message;
      if (msg.find("checksum") == std::string::npos) ++by_structure;
      continue;
    }
    // Whatever is accepted is exact for the rows it holds, and safe to run.
    ++accepted;
    std::vector<PacketKey> keys = test::uniform_keys(300, m);
    if (!base_rules[which].empty()) {
      auto more = test::boundary_keys(base_rules[which], 1500, m);
      keys.insert(keys.end(), more.begin(), more.end());
    }
    std::vector<RuleId> got(keys.size());
    loaded->classify(keys, got);
    REQUIRE(got == scan_rows(*loaded, keys));
  }
  WARN(total << " mutations: " << accepted << " accepted (and exact), " << by_structure
             << " refused by a structural check, the rest by a checksum");
  CHECK(by_structure > total / 10);
}
