// bench_classifiers: Google Benchmark suite of lacl against rte_acl, the rte_hash floor and the
// linear scan, one benchmark per (rule set, backend), one iteration per burst of 256 packets.
//
// Rule sets: generated ones (lacl::generate_rules, profiles acl/fw/ipc at 1K, 10K and 100K rules,
// seed 1; traces of 10 packets per rule, seed 2) and the ClassBench sets found in
// $LACL_SHARED_RULESETS or ../shared/rulesets (decompressed with xz into a temporary directory).
// Each set is loaded and each backend built once, on its first benchmark; every backend is
// verified against the reference answers over the whole trace before it is timed, and a wrong
// answer ends its benchmark with SkipWithError. Each benchmark cycles through a million packets:
// the trace, then copies of it with its runs reordered (lacl::bench::timing_order).
//
// Environment:
//   LACL_BENCH_SETS   ClassBench sets to run, comma-separated, or "all"
//                     (default: acl1, fw1 and ipc1 at 1k, 10k and 100k)
//   LACL_BENCH_BIG=1  also build rte_acl at 100K+ rules (about 13 s and several GiB each)
//   LACL_EAL_ARGS     EAL arguments replacing the defaults of lacl::bench::default_eal_args
//
// Counters: items_per_second (packets per second of CPU time), cycles_per_pkt (TSC cycles of
// on-CPU time), build_ms, bytes, rules.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lacl/bench/reference.hpp"
#include "lacl/bench/timed_backend.hpp"
#include "lacl/classbench.hpp"
#include "lacl/generator.hpp"

#if LACL_HAVE_DPDK
#include "lacl/bench/dpdk_backends.hpp"
#include "lacl/bench/eal.hpp"
#endif

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBigRules = 100'000;     // rte_acl builds from here on need LACL_BENCH_BIG
constexpr std::size_t kLinearMaxRules = 5000;  // the linear scan only runs on small sets
// Packets a benchmark cycles through: the trace, then reorderings of its runs (see
// lacl::bench::timing_order: a short trace replayed unchanged flatters branchy lookups).
constexpr std::size_t kTimedPackets = 1'000'000;

struct SetData {
  lacl::RuleSet rules;
  std::vector<lacl::PacketKey> keys;
};

/// A rule set the suite knows how to load, loaded only when one of its benchmarks runs.
struct SetSpec {
  std::string name;
  std::size_t nominal_rules = 0;  ///< the size class (1K, 10K, 100K), known before loading
  std::function<lacl::Result<SetData>()> load;
};

/// One built and verified backend, or why there is none.
struct Built {
  std::unique_ptr<lacl::bench::TimedBackend> backend;
  std::string error;
};

/// The set whose benchmarks are running, with its reference and backends. Benchmarks run in
/// registration order, so holding one set at a time bounds memory.
struct LoadedSet {
  std::string name;
  std::string error;
  SetData data;
  lacl::bench::Reference reference;
  lacl::bench::CompiledLacl lacl;
  std::map<std::string, Built> built;
#if LACL_HAVE_DPDK
  std::shared_ptr<const lacl::bench::RteAclClassifier> acl;
#endif
};

std::unique_ptr<LoadedSet> g_current;
std::string g_eal_error;
fs::path g_tmp;

LoadedSet& load(const SetSpec& spec) {
  if (g_current && g_current->name == spec.name) return *g_current;
  g_current.reset();  // free the previous set before loading the next
  auto s = std::make_unique<LoadedSet>();
  s->name = spec.name;
  auto data = spec.load();
  if (!data) {
    s->error = data.error().message;
  } else {
    s->data = std::move(*data);
    auto ref = lacl::bench::make_reference(s->data.rules, s->data.keys, s->lacl);
    if (!ref) {
      s->error = ref.error().message;
    } else {
      s->reference = std::move(*ref);
      // Verified on the trace; timed (and verified again) on its extension.
      const auto order = lacl::bench::timing_order(s->data.keys, kTimedPackets);
      s->data.keys = lacl::bench::in_order<lacl::PacketKey>(s->data.keys, order);
      s->reference.answers = lacl::bench::in_order<lacl::RuleId>(s->reference.answers, order);
      if (s->reference.sample_mismatches > 0) {
        s->error = "lacl disagrees with the linear scan on " +
                   std::to_string(s->reference.sample_mismatches) + " sampled packets";
      }
    }
  }
  g_current = std::move(s);
  return *g_current;
}

Built build_backend(LoadedSet& s, const std::string& name) {
  Built b;
  const auto& keys = s.data.keys;
  if (name == "lacl") {
    if (!s.lacl.classifier) {
      auto c = lacl::bench::compile_lacl(s.data.rules);
      if (!c) return Built{nullptr, c.error().message};
      s.lacl = std::move(*c);
    }
    b.backend = lacl::bench::make_lacl_backend(s.lacl, keys);
  } else if (name == "linear") {
    b.backend = lacl::bench::make_linear_backend(s.data.rules, keys);
  }
#if LACL_HAVE_DPDK
  else if (!g_eal_error.empty()) {
    return Built{nullptr, g_eal_error};
  } else if (name == "hash") {
    auto h = lacl::bench::make_hash_backend(keys, s.reference.answers);
    if (!h) return Built{nullptr, h.error().message};
    b.backend = std::move(*h);
  } else {
    const auto algs = lacl::bench::RteAclClassifier::available_algs();
    lacl::bench::RteAclAlg alg = algs.empty() ? lacl::bench::RteAclAlg::kScalar : algs.front();
    if (name != "rte_acl") alg = *lacl::bench::parse_alg(name.substr(8));
    if (std::find(algs.begin(), algs.end(), alg) == algs.end()) {
      return Built{nullptr, std::string("rte_acl cannot run ") + lacl::bench::alg_name(alg) +
                                " here (CPU, DPDK build or EAL's SIMD width cap)"};
    }
    if (!s.acl) {
      auto acl = lacl::bench::RteAclClassifier::build(s.data.rules);
      if (!acl) return Built{nullptr, acl.error().message};
      s.acl = std::make_shared<const lacl::bench::RteAclClassifier>(std::move(*acl));
    }
    b.backend = lacl::bench::make_rte_acl_backend(name, s.acl, alg, keys);
  }
#endif
  if (!b.backend) return Built{nullptr, "unknown backend " + name};
  const std::size_t bad = lacl::bench::count_mismatches(*b.backend, s.reference.answers);
  if (bad > 0) {
    b.error = std::to_string(bad) + " of " + std::to_string(keys.size()) +
              " answers differ from the reference (" + s.reference.method + ")";
  }
  return b;
}

void bm_classify(benchmark::State& st, const SetSpec* spec, const std::string& backend) {
  LoadedSet& s = load(*spec);
  if (!s.error.empty()) {
    st.SkipWithError(s.error.c_str());
    return;
  }
  auto it = s.built.find(backend);
  if (it == s.built.end()) it = s.built.emplace(backend, build_backend(s, backend)).first;
  const Built& b = it->second;
  if (!b.error.empty()) {
    st.SkipWithError(b.error.c_str());
    return;
  }
  const lacl::bench::TimedBackend& t = *b.backend;
  const std::size_t n = t.packets();
  if (n == 0) {
    st.SkipWithError("empty trace");
    return;
  }
  alignas(64) std::array<std::uint32_t, lacl::bench::kBurst> out{};
  std::size_t pos = 0, packets = 0;
  const double cpu0 = lacl::bench::thread_cpu_ns();
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t c0 = lacl::bench::read_tsc();
  for (auto _ : st) {
    const std::size_t count = std::min(lacl::bench::kBurst, n - pos);
    t.classify(pos, count, out.data());
    benchmark::DoNotOptimize(out.data());
    packets += count;
    pos = pos + count == n ? 0 : pos + count;
  }
  const std::uint64_t c1 = lacl::bench::read_tsc();
  const double wall =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = lacl::bench::thread_cpu_ns() - cpu0;
  st.SetItemsProcessed(static_cast<std::int64_t>(packets));
  // TSC cycles of on-CPU time, as `lacl bench` counts them (see burst_timer.hpp).
  st.counters["cycles_per_pkt"] =
      static_cast<double>(c1 - c0) * (wall > 0 ? cpu / wall : 1.0) / static_cast<double>(packets);
  st.counters["build_ms"] = t.info().build_ms;
  st.counters["bytes"] =
      benchmark::Counter(static_cast<double>(t.info().bytes), benchmark::Counter::kDefaults,
                         benchmark::Counter::OneK::kIs1024);
  st.counters["rules"] = static_cast<double>(s.data.rules.size());
  if (!t.info().detail.empty()) st.SetLabel(t.info().detail);
}

// ---- rule sets ---------------------------------------------------------------------------------

std::vector<SetSpec> generated_sets() {
  std::vector<SetSpec> out;
  for (lacl::Profile p : {lacl::Profile::kAcl, lacl::Profile::kFw, lacl::Profile::kIpc}) {
    for (std::size_t n : {std::size_t{1000}, std::size_t{10000}, std::size_t{100000}}) {
      SetSpec s;
      s.name = std::string("gen_") + lacl::profile_name(p) + "_" + std::to_string(n / 1000) + "k";
      s.nominal_rules = n;
      s.load = [p, n]() -> lacl::Result<SetData> {
        auto rules = lacl::RuleSet::make(lacl::generate_rules(p, n, 1));
        if (!rules) return rules.error();
        SetData d;
        d.keys = lacl::trace_keys(lacl::generate_trace(rules->rules(), 10 * n, 2));
        d.rules = std::move(*rules);
        return d;
      };
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::optional<fs::path> shared_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("LACL_SHARED_RULESETS")) candidates.emplace_back(env);
  candidates.emplace_back("../shared/rulesets");
  candidates.emplace_back(LACL_DEFAULT_SHARED_RULESETS);
  for (const fs::path& c : candidates) {
    std::error_code ec;
    if (fs::exists(c / "acl1_1k.rules.xz", ec)) return fs::canonical(c, ec);
  }
  return std::nullopt;
}

lacl::Result<std::string> decompress(const fs::path& dir, const std::string& file) {
  if (g_tmp.empty()) {
    std::string pattern = (fs::temp_directory_path() / "lacl-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return lacl::Error{"cannot create a temp directory"};
    g_tmp = pattern;
  }
  const fs::path out = g_tmp / file;
  if (!fs::exists(out)) {
    const std::string cmd =
        "xz -dc '" + (dir / (file + ".xz")).string() + "' > '" + out.string() + "'";
    if (std::system(cmd.c_str()) != 0) return lacl::Error{"cannot decompress: " + cmd};
  }
  return out.string();
}

std::vector<SetSpec> classbench_sets(const fs::path& dir) {
  std::vector<std::string> names;
  const char* env = std::getenv("LACL_BENCH_SETS");
  const std::string wanted = env ? env
                                 : "acl1_1k,fw1_1k,ipc1_1k,acl1_10k,fw1_10k,ipc1_10k,"
                                   "acl1_100k,fw1_100k,ipc1_100k";
  if (wanted == "all") {
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string f = e.path().filename().string();
      if (f.ends_with(".rules.xz")) names.push_back(f.substr(0, f.size() - 9));
    }
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      const auto size = [](const std::string& s) { return std::stoul(s.substr(s.rfind('_') + 1)); };
      return std::pair(size(a), a) < std::pair(size(b), b);
    });
  } else {
    std::size_t i = 0;
    while (i <= wanted.size()) {
      const std::size_t j = std::min(wanted.find(',', i), wanted.size());
      if (j > i) names.push_back(wanted.substr(i, j - i));
      i = j + 1;
    }
  }
  std::vector<SetSpec> out;
  for (const std::string& name : names) {
    if (!fs::exists(dir / (name + ".rules.xz"))) continue;
    SetSpec s;
    s.name = name;
    s.nominal_rules = std::stoul(name.substr(name.rfind('_') + 1)) * 1000;
    s.load = [dir, name]() -> lacl::Result<SetData> {
      auto rules_path = decompress(dir, name + ".rules");
      if (!rules_path) return rules_path.error();
      auto trace_path = decompress(dir, name + ".trace");
      if (!trace_path) return trace_path.error();
      auto rules = lacl::read_classbench_rules(*rules_path);
      if (!rules) return rules.error();
      auto set = lacl::RuleSet::make(std::move(*rules));
      if (!set) return set.error();
      auto trace = lacl::read_trace(*trace_path);
      if (!trace) return trace.error();
      SetData d;
      d.rules = std::move(*set);
      d.keys = lacl::trace_keys(*trace);
      return d;
    };
    out.push_back(std::move(s));
  }
  return out;
}

std::string cpu_isa() {
  std::string s;
  const auto add = [&](bool has, const char* name) {
    if (has) s += (s.empty() ? "" : " ") + std::string(name);
  };
  __builtin_cpu_init();
  add(__builtin_cpu_supports("sse4.2"), "sse4.2");
  add(__builtin_cpu_supports("avx2"), "avx2");
  add(__builtin_cpu_supports("bmi2"), "bmi2");
  add(__builtin_cpu_supports("avx512f"), "avx512f");
  add(__builtin_cpu_supports("avx512bw"), "avx512bw");
  add(__builtin_cpu_supports("avx512vl"), "avx512vl");
  add(__builtin_cpu_supports("avx512dq"), "avx512dq");
  add(__builtin_cpu_supports("avx512vbmi"), "avx512vbmi");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const bool big =
      std::getenv("LACL_BENCH_BIG") && std::string(std::getenv("LACL_BENCH_BIG")) == "1";
  std::vector<std::string> notes;

  std::vector<std::string> backends = {"lacl"};
#if LACL_HAVE_DPDK
  lacl::bench::EalOptions eo;
  if (const char* env = std::getenv("LACL_EAL_ARGS")) eo.args = lacl::bench::split_eal_args(env);
  if (auto s = lacl::bench::init_eal(eo); !s) g_eal_error = s.error().message;
  std::string algs;
  for (lacl::bench::RteAclAlg a : lacl::bench::RteAclClassifier::available_algs()) {
    algs += (algs.empty() ? "" : " ") + std::string(lacl::bench::alg_name(a));
  }
  benchmark::AddCustomContext("rte_acl_algs", algs.empty() ? "none" : algs);
  benchmark::AddCustomContext("eal_args",
                              g_eal_error.empty() ? lacl::bench::eal_args_used() : g_eal_error);
  backends.insert(backends.end(), {"rte_acl", "rte_acl_avx2", "hash"});
#else
  notes.push_back("built without DPDK: no rte_acl or hash backends");
#endif
  backends.push_back("linear");
  benchmark::AddCustomContext("cpu_isa", cpu_isa());
  benchmark::AddCustomContext("burst", std::to_string(lacl::bench::kBurst));

  static std::vector<SetSpec> sets = generated_sets();
  if (auto dir = shared_dir()) {
    benchmark::AddCustomContext("classbench_dir", dir->string());
    for (SetSpec& s : classbench_sets(*dir))
      sets.push_back(std::move(s));
  } else {
    notes.push_back("ClassBench sets absent (set LACL_SHARED_RULESETS): generated sets only");
  }
  bool skipped_big = false;
  for (const SetSpec& s : sets) {
    for (const std::string& b : backends) {
      if (b == "linear" && s.nominal_rules > kLinearMaxRules) continue;
      if (b.starts_with("rte_acl") && s.nominal_rules >= kBigRules && !big) {
        skipped_big = true;
        continue;
      }
      // Rates use the thread's CPU time (the default): on a shared machine wall time also counts
      // the time other processes held the core.
      benchmark::RegisterBenchmark(("classify/" + s.name + "/" + b).c_str(), bm_classify, &s, b);
    }
  }
  if (skipped_big) notes.push_back("rte_acl at 100K+ rules skipped: set LACL_BENCH_BIG=1");
  std::string joined;
  for (const std::string& n : notes)
    joined += (joined.empty() ? "" : "; ") + n;
  if (!joined.empty()) benchmark::AddCustomContext("notes", joined);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_current.reset();
#if LACL_HAVE_DPDK
  lacl::bench::cleanup_eal();
#endif
  if (!g_tmp.empty()) {
    std::error_code ec;
    fs::remove_all(g_tmp, ec);
  }
  return 0;
}
