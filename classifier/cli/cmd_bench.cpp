// `lacl bench RULES TRACE`: builds each backend over the rules, verifies every answer on the trace
// against a reference, then times the trace in bursts of 256 and reports Mpps, TSC cycles per
// packet, build time and memory (a table, or JSON with --json). Exits non-zero when any backend
// gave a wrong answer.
//
// Backends: lacl, lacl_untuned (compiled without the tuner's measurements: its build time is the
// partition and the indexes alone), linear, and with DPDK: rte_acl (the best implementation this
// CPU and EAL allow), rte_acl_<impl> (avx512x32, avx512x16, avx2, sse, scalar), and hash (an
// exact-match rte_hash over the trace's own 5-tuples: the floor no classifier can beat).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "commands.hpp"
#include "lacl/bench/reference.hpp"
#include "lacl/bench/timed_backend.hpp"
#include "lacl/classbench.hpp"

#if LACL_HAVE_DPDK
#include "lacl/bench/dpdk_backends.hpp"
#include "lacl/bench/eal.hpp"
#endif

namespace lacl::cli {
namespace {

/// The linear scan is left out of the default list above this many rules (ask for it by name).
constexpr std::size_t kLinearDefaultMaxRules = 5000;
/// A best sample with less on-CPU time than this (thread CPU time / wall time) gets a note.
constexpr double kBusyOnCpu = 0.9;

struct BenchOptions {
  std::string rules;
  std::string trace;
  std::vector<std::string> backends;
  bool json = false;
  unsigned repeat = 5;
  unsigned builds = 3;
  std::size_t min_packets = 1'000'000;
  bool tune_on_trace = false;
  bool replay = false;        ///< time the trace replayed unchanged (see bench::timing_order)
  std::optional<bool> lanes;  ///< lacl's candidate-list layout; nullopt: tuned
  std::optional<bool> final_rules;  ///< whether lacl stops at final rules; nullopt: tuned
#if LACL_HAVE_DPDK
  std::string eal;
  unsigned eal_mem = bench::kDefaultEalMemoryMib;
  std::string acl_ip = "auto";
#endif
  RuleInput input;
};

struct Row {
  bench::BackendInfo info;
  bench::Timing timing;
  std::size_t mismatches = 0;
  std::size_t verified = 0;  ///< packets whose answer was compared with LinearScan's
  std::size_t bytes_with_rules = 0;
  double first_build_ms = 0;  ///< info.build_ms is the fastest of the builds timed
};

/// A builder's time over repeated builds of the same rules. The first build in the process
/// also pays for the process's first touches (heap pages, lazily bound symbols, cold code),
/// which fall on whichever backend is built first; the fastest times the build alone, as a
/// long-running process that rebuilds on a rule update sees it.
struct BuildTimes {
  double best = 0;
  double first = 0;
};

/// Builds stop once they have taken this long: a 100K-rule rte_acl build takes seconds.
constexpr double kBuildsBudgetMs = 1000;

/// `again()` builds once more and returns how long it took (nullopt on failure), after a
/// first build that took first_ms: up to `builds` in all, within kBuildsBudgetMs.
template <class Again>
BuildTimes time_builds(unsigned builds, double first_ms, Again again) {
  BuildTimes t{first_ms, first_ms};
  double spent = first_ms;
  for (unsigned i = 1; i < builds && spent < kBuildsBudgetMs; ++i) {
    const std::optional<double> ms = again();
    if (!ms) break;
    t.best = std::min(t.best, *ms);
    spent += *ms;
  }
  return t;
}

struct Report {
  std::size_t rules = 0;
  std::size_t packets = 0;
  std::size_t distinct = 0;
  std::string reference;
  std::string eal_args;
  std::vector<Row> rows;
  std::vector<std::string> notes;
};

std::vector<std::string> known_backends() {
  std::vector<std::string> names = {"lacl", "lacl_untuned", "linear"};
#if LACL_HAVE_DPDK
  names.push_back("hash");
  names.push_back("rte_acl");
  for (bench::RteAclAlg a : bench::kRteAclAlgs) {
    names.push_back(std::string("rte_acl_") + bench::alg_name(a));
  }
#endif
  return names;
}

bool is_dpdk_backend(const std::string& name) {
  return name == "hash" || name.starts_with("rte_acl");
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v)
    out += (out.empty() ? "" : sep) + s;
  return out;
}

std::size_t count_distinct(std::span<const PacketKey> keys) {
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint16_t, std::uint16_t, std::uint8_t>>
      v;
  v.reserve(keys.size());
  for (const PacketKey& k : keys)
    v.emplace_back(k.src_ip, k.dst_ip, k.src_port, k.dst_port, k.proto);
  std::sort(v.begin(), v.end());
  return static_cast<std::size_t>(std::unique(v.begin(), v.end()) - v.begin());
}

/// The backends to run: the explicit list (deduplicated, in order) or the defaults.
std::optional<std::vector<std::string>> choose_backends(const BenchOptions& o, std::size_t rules,
                                                        Report& report) {
  const std::vector<std::string> known = known_backends();
  std::vector<std::string> chosen;
  for (const std::string& b : o.backends) {
    if (std::find(known.begin(), known.end(), b) == known.end()) {
      if (is_dpdk_backend(b) && LACL_HAVE_DPDK == 0) {
        fail("backend '" + b + "' needs DPDK, and this lacl was built without it");
      } else {
        fail("unknown backend '" + b + "' (expected " + join(known, ", ") + ")");
      }
      return std::nullopt;
    }
    if (std::find(chosen.begin(), chosen.end(), b) == chosen.end()) chosen.push_back(b);
  }
  if (!chosen.empty()) return chosen;
  chosen = {"lacl"};
  if (LACL_HAVE_DPDK) chosen.insert(chosen.end(), {"rte_acl", "hash"});
  if (rules <= kLinearDefaultMaxRules) {
    chosen.push_back("linear");
  } else {
    report.notes.push_back("linear skipped: more than " + std::to_string(kLinearDefaultMaxRules) +
                           " rules (ask for it with --backend linear)");
  }
  return chosen;
}

/// Builds the DPDK backends; lives apart so the non-DPDK build has no trace of them.
class DpdkBuilder {
 public:
#if LACL_HAVE_DPDK
  DpdkBuilder(const BenchOptions& o, const RuleSet& rules, std::span<const PacketKey> keys)
      : o_(o), rules_(rules), keys_(keys) {}

  bool init(Report& report) {
    bench::EalOptions eo;
    eo.args = bench::split_eal_args(o_.eal);
    eo.memory_mib = o_.eal_mem;
    if (!check(bench::init_eal(eo))) return false;
    report.eal_args = bench::eal_args_used();
    algs_ = bench::RteAclClassifier::available_algs();
    return true;
  }

  /// nullptr with a note when the implementation cannot run here; nullopt after a failure.
  std::optional<std::unique_ptr<bench::TimedBackend>> make(const std::string& name,
                                                           std::span<const RuleId> reference,
                                                           Report& report) {
    if (name == "hash") {
      auto h = bench::make_hash_backend(keys_, reference);
      if (!h) {
        fail(h.error().message);
        return std::nullopt;
      }
      return std::move(*h);
    }
    if (algs_.empty()) {
      fail("rte_acl: no classify implementation is available");
      return std::nullopt;
    }
    bench::RteAclAlg alg = algs_.front();
    if (name != "rte_acl") {
      alg = *bench::parse_alg(name.substr(std::string("rte_acl_").size()));
      if (std::find(algs_.begin(), algs_.end(), alg) == algs_.end()) {
        report.notes.push_back(name + " skipped: rte_acl cannot run " + bench::alg_name(alg) +
                               " here (CPU, DPDK build or EAL's --force-max-simd-bitwidth)");
        return std::unique_ptr<bench::TimedBackend>();
      }
    }
    if (!acl_) {
      bench::RteAclOptions ao;
      ao.ip_field = o_.acl_ip == "mask"    ? bench::RteAclIpField::kMask
                    : o_.acl_ip == "range" ? bench::RteAclIpField::kRange
                                           : bench::RteAclIpField::kAuto;
      auto built = bench::RteAclClassifier::build(rules_, ao);
      if (!built) {
        fail(built.error().message);
        return std::nullopt;
      }
      acl_ = std::make_shared<const bench::RteAclClassifier>(std::move(*built));
      acl_builds_ = time_builds(o_.builds, acl_->build_ms(), [&]() -> std::optional<double> {
        auto again = bench::RteAclClassifier::build(rules_, ao);
        if (!again) return std::nullopt;
        return again->build_ms();
      });
      const auto kind = [](bool range) { return range ? "RANGE" : "MASK"; };
      report.notes.push_back(std::string("rte_acl: addresses as ") + kind(acl_->src_ip_is_range()) +
                             "/" + kind(acl_->dst_ip_is_range()) +
                             " fields; bytes = EAL heap growth across rte_acl_build (run-time "
                             "tables), bytes_with_rules adds the context's rule copy");
    }
    return bench::make_rte_acl_backend(name, acl_, alg, keys_);
  }

  std::size_t bytes_with_rules(const std::string& name) const {
    return name.starts_with("rte_acl") && acl_ ? acl_->bytes_with_rules() : 0;
  }
  /// The rte_acl builds' times, for an rte_acl backend made.
  std::optional<BuildTimes> builds(const std::string& name) const {
    if (name.starts_with("rte_acl") && acl_) return acl_builds_;
    return std::nullopt;
  }

 private:
  const BenchOptions& o_;
  const RuleSet& rules_;
  std::span<const PacketKey> keys_;
  std::vector<bench::RteAclAlg> algs_;
  std::shared_ptr<const bench::RteAclClassifier> acl_;
  BuildTimes acl_builds_;
#else
  DpdkBuilder(const BenchOptions&, const RuleSet&, std::span<const PacketKey>) {}
  bool init(Report&) {
    return true;
  }
  std::optional<std::unique_ptr<bench::TimedBackend>> make(const std::string&,
                                                           std::span<const RuleId>, Report&) {
    return std::nullopt;
  }
  std::size_t bytes_with_rules(const std::string&) const {
    return 0;
  }
  std::optional<BuildTimes> builds(const std::string&) const {
    return std::nullopt;
  }
#endif
};

std::string human_bytes(std::size_t b) {
  char buf[32];
  if (b < 1024) {
    std::snprintf(buf, sizeof buf, "%zu B", b);
  } else if (b < std::size_t{1} << 20) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(b) / (1 << 20));
  }
  return buf;
}

void print_table(const BenchOptions& o, const Report& r) {
  std::cout << "rules:     " << r.rules << " (" << o.rules << ")\n"
            << "packets:   " << r.packets << " (" << r.distinct << " distinct) from " << o.trace
            << '\n'
            << "timing:    bursts of " << bench::kBurst << ", best of " << o.repeat
            << " samples of at least " << o.min_packets
            << " packets, the backends in turn; on-CPU time (thread CPU clock), cycles at the "
               "TSC rate\n"
            << "reference: " << r.reference << '\n';
  if (!r.eal_args.empty()) std::cout << "EAL:       " << r.eal_args << '\n';
  char line[200];
  std::snprintf(line, sizeof line, "%-18s %-12s %9s %11s %9s %10s %12s %10s\n", "backend", "impl",
                "Mpps", "cycles/pkt", "ns/pkt", "build ms", "bytes", "mismatches");
  std::cout << '\n' << line;
  for (const Row& w : r.rows) {
    std::snprintf(line, sizeof line, "%-18s %-12s %9.2f %11.1f %9.2f %10.1f %12s %10zu\n",
                  w.info.name.c_str(), w.info.detail.empty() ? "-" : w.info.detail.c_str(),
                  w.timing.mpps, w.timing.cycles_per_pkt, w.timing.ns_per_pkt, w.info.build_ms,
                  human_bytes(w.info.bytes).c_str(), w.mismatches);
    std::cout << line;
  }
  for (const std::string& n : r.notes)
    std::cout << "note: " << n << '\n';
}

void print_json(const BenchOptions& o, const Report& r) {
  nlohmann::json j;
  j["rules"] = r.rules;
  j["packets"] = r.packets;
  j["distinct_packets"] = r.distinct;
  j["rules_file"] = o.rules;
  j["trace_file"] = o.trace;
  j["burst"] = bench::kBurst;
  j["repeat"] = o.repeat;
  j["reference"] = r.reference;
  if (!r.eal_args.empty()) j["eal_args"] = r.eal_args;
  j["backends"] = nlohmann::json::array();
  for (const Row& w : r.rows) {
    nlohmann::json b = {{"name", w.info.name},
                        {"impl", w.info.detail},
                        {"mpps", w.timing.mpps},
                        {"cycles_per_pkt", w.timing.cycles_per_pkt},
                        {"ns_per_pkt", w.timing.ns_per_pkt},
                        {"wall_ns_per_pkt", w.timing.wall_ns_per_pkt},
                        {"tsc_ghz", w.timing.tsc_ghz},
                        {"on_cpu", w.timing.on_cpu},
                        {"build_ms", w.info.build_ms},
                        {"first_build_ms", w.first_build_ms},
                        {"bytes", w.info.bytes},
                        {"mismatches", w.mismatches},
                        {"verified_against_linear", w.verified}};
    if (w.bytes_with_rules) b["bytes_with_rules"] = w.bytes_with_rules;
    j["backends"].push_back(std::move(b));
  }
  j["notes"] = r.notes;
  std::cout << j.dump(2) << '\n';
}

void run_bench(const BenchOptions& o) {
  auto loaded = load_rules(o.rules, o.input);
  if (!loaded) return;
  const RuleSet& rules = loaded->rules;
  auto trace = read_trace(o.trace);
  if (!trace) return fail(trace.error().message);
  const std::vector<PacketKey> packets = trace_keys(*trace);
  trace->clear();
  trace->shrink_to_fit();

  Report report;
  report.rules = rules.size();
  report.packets = packets.size();
  report.distinct = count_distinct(packets);
  // What is timed (and verified): the trace, then reorderings of its runs up to min_packets;
  // with --replay the trace alone, which the timer passes over repeatedly.
  const std::vector<std::uint32_t> order =
      bench::timing_order(packets, o.replay ? 0 : o.min_packets);
  const std::vector<PacketKey> keys = bench::in_order<PacketKey>(packets, order);
  if (keys.size() > packets.size()) {
    report.notes.push_back(
        "timed over " + std::to_string(keys.size()) + " packets: the trace, then copies with " +
        "its runs of identical headers reordered (a trace replayed unchanged lets branch "
        "predictors learn its sequence; --replay times it that way)");
  }
  auto names = choose_backends(o, rules.size(), report);
  if (!names) return;

  DpdkBuilder dpdk(o, rules, keys);
  if (std::any_of(names->begin(), names->end(), is_dpdk_backend) && !dpdk.init(report)) return;

  auto wanted = [&](const char* name) {
    return std::find(names->begin(), names->end(), name) != names->end();
  };
  CompileOptions copts;
  if (o.tune_on_trace) copts.traffic = packets;
  copts.lanes = o.lanes;
  copts.final_rules = o.final_rules;
  // Each lacl backend times the first compile's classifier; the builds after it only time.
  std::map<std::string, BuildTimes> lacl_builds;
  auto compile = [&](const char* name,
                     const CompileOptions& co) -> std::optional<bench::CompiledLacl> {
    auto c = bench::compile_lacl(rules, co);
    if (!c) {
      fail(c.error().message);
      return std::nullopt;
    }
    lacl_builds[name] = time_builds(o.builds, c->build_ms, [&]() -> std::optional<double> {
      auto again = bench::compile_lacl(rules, co);
      if (!again) return std::nullopt;
      return again->build_ms;
    });
    return std::move(*c);
  };
  bench::CompiledLacl lacl;
  if (wanted("lacl")) {
    auto c = compile("lacl", copts);
    if (!c) return;
    lacl = std::move(*c);
  }
  bench::CompiledLacl untuned;
  if (wanted("lacl_untuned")) {
    CompileOptions u = copts;
    u.tuning_budget_ms = 0;
    auto c = compile("lacl_untuned", u);
    if (!c) return;
    untuned = std::move(*c);
  }
  auto ref = bench::make_reference(rules, packets, lacl);
  if (!ref) return fail(ref.error().message);
  report.reference = ref->method;
  const std::vector<RuleId> expected = bench::in_order<RuleId>(ref->answers, order);

  // Every backend is built and verified first, then timed in interleaved rounds (see
  // bench::time_interleaved).
  std::vector<std::unique_ptr<bench::TimedBackend>> timed;
  for (const std::string& name : *names) {
    std::unique_ptr<bench::TimedBackend> b;
    if (name == "lacl") {
      b = bench::make_lacl_backend(lacl, keys);
    } else if (name == "lacl_untuned") {
      b = bench::make_lacl_backend(untuned, keys, name);
    } else if (name == "linear") {
      b = bench::make_linear_backend(rules, keys);
    } else {
      auto made = dpdk.make(name, expected, report);
      if (!made) return;
      if (!*made) continue;
      b = std::move(*made);
    }
    Row row;
    row.info = b->info();
    row.first_build_ms = row.info.build_ms;
    std::optional<BuildTimes> built = dpdk.builds(name);
    if (const auto at = lacl_builds.find(name); at != lacl_builds.end()) built = at->second;
    if (built) {
      row.info.build_ms = built->best;
      row.first_build_ms = built->first;
    }
    row.mismatches = bench::count_mismatches(*b, expected);
    row.verified = ref->full_linear ? keys.size() : 0;
    if (name == "lacl" && !ref->full_linear) {
      // The reference is lacl itself: what counts is the sample the linear scan checked.
      row.mismatches += ref->sample_mismatches;
      row.verified = ref->sample;
    }
    row.bytes_with_rules = dpdk.bytes_with_rules(name);
    report.rows.push_back(std::move(row));
    timed.push_back(std::move(b));
  }
  std::vector<const bench::TimedBackend*> order_timed;
  for (const auto& b : timed)
    order_timed.push_back(b.get());
  const std::vector<bench::Timing> timings =
      bench::time_interleaved(order_timed, o.repeat, o.min_packets);
  for (std::size_t k = 0; k < report.rows.size(); ++k) {
    Row& row = report.rows[k];
    row.timing = timings[k];
    if (row.timing.on_cpu < kBusyOnCpu) {
      char pct[16];
      std::snprintf(pct, sizeof pct, "%.0f%%", 100 * (1 - row.timing.on_cpu));
      report.notes.push_back(row.info.name + ": its best sample was descheduled for " + pct +
                             " of its wall time (a busy machine); the figures count on-CPU time "
                             "only, but caches were shared");
    }
  }
  if (!ref->full_linear && ref->sample_mismatches > 0) {
    report.notes.push_back("the reference is unreliable: lacl disagreed with the linear scan on " +
                           std::to_string(ref->sample_mismatches) + " sampled packets");
  }

  if (o.json) {
    print_json(o, report);
  } else {
    print_table(o, report);
  }
  for (const Row& w : report.rows) {
    if (w.mismatches > 0) {
      fail("bench: " + w.info.name + " gave " + std::to_string(w.mismatches) +
           " answers that differ from the reference");
    }
  }
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Benchmark classifiers on a trace: verify every answer, then time bursts of 256 packets");
  cmd->add_option("RULES", o->rules, "Rule file")->required();
  add_rule_input_options(cmd, o->input);
  cmd->add_option("TRACE", o->trace, "Trace file")->required();
  cmd->add_option("--backend", o->backends,
                  "Backends to run, repeated or comma-separated: " + join(known_backends(), ", ") +
                      " (default: lacl" + (LACL_HAVE_DPDK ? ", rte_acl, hash" : "") +
                      ", and linear up to " + std::to_string(kLinearDefaultMaxRules) + " rules)")
      ->delimiter(',');
  cmd->add_flag("--json", o->json, "Print JSON instead of a table");
  cmd->add_flag(
      "--tune-on-trace", o->tune_on_trace,
      "Let lacl's compiler tune on a sample of this trace instead of traffic it synthesises "
      "from the rules (as a deployment would tune on sampled live traffic)");
  add_list_layout_option(cmd, o->lanes);
  add_final_rules_option(cmd, o->final_rules);
  cmd->add_flag("--replay", o->replay,
                "Time the trace replayed as it is, instead of extending it to --min-packets with "
                "copies whose runs of identical headers are reordered (a replayed trace lets "
                "branch predictors learn its sequence)");
  cmd->add_option("--repeat", o->repeat,
                  "Timed samples per backend, taken in rounds of one sample per backend; the "
                  "fastest is reported")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  cmd->add_option("--builds", o->builds,
                  "Builds timed per classifier (lacl, lacl_untuned, rte_acl), within a second in "
                  "all: the fastest is reported as build_ms, the first as first_build_ms")
      ->check(CLI::Range(1u, 100u))
      ->capture_default_str();
  cmd->add_option("--min-packets", o->min_packets,
                  "Packets per timed sample: short traces are passed over repeatedly")
      ->capture_default_str();
#if LACL_HAVE_DPDK
  cmd->add_option("--eal", o->eal,
                  "EAL arguments replacing the defaults (--no-huge -m <MiB> --no-pci "
                  "--file-prefix lacl-bench-<pid> --no-shconf --no-telemetry "
                  "--log-level=lib.eal:error --force-max-simd-bitwidth=512)");
  cmd->add_option("--eal-mem", o->eal_mem, "EAL memory (-m, MiB) of the default arguments")
      ->capture_default_str();
  cmd->add_option("--acl-ip", o->acl_ip,
                  "rte_acl address fields: auto (MASK when all are prefixes), mask or range")
      ->check(CLI::IsMember({"auto", "mask", "range"}))
      ->capture_default_str();
#endif
  cmd->callback([o] {
    run_bench(*o);
#if LACL_HAVE_DPDK
    bench::cleanup_eal();  // run_bench has destroyed every rte_acl and rte_hash object
#endif
  });
}

}  // namespace lacl::cli
