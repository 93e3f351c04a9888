#include "lacl/dataplane/options.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <string_view>

namespace lacl::dataplane {
namespace {

std::optional<std::uint64_t> parse_uint(std::string_view s, int base) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<Action> parse_action(std::string_view text) noexcept {
  if (text == "accept") return Action::accept();
  if (text == "drop") return Action::drop();
  if (text.starts_with("accept:")) {
    const auto port = parse_uint(text.substr(7), 10);
    if (!port || *port >= Action::kSamePort) return std::nullopt;
    return Action::accept(static_cast<std::uint16_t>(*port));
  }
  return std::nullopt;
}

Result<Options> parse_options(std::span<char* const> args) {
  Options o;
  std::string rules, artifact, format, rule_action = "accept", default_action = "accept";
  std::string portmask, ports, backend = "lacl";

  CLI::App app{
      "lacl-dataplane <EAL options> -- (--rules FILE | --artifact FILE) [options]\n\n"
      "Classifies every received IPv4 packet with lacl's learned classifier and forwards or\n"
      "drops it by the matching rule's action (accept: the rule's port if it is in use, else the\n"
      "paired port 0<->1, 2<->3, ...; a single port sends back out of itself).",
      "lacl-dataplane"};
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.footer(
      "Lcores: every worker lcore polls one RX queue and owns one TX queue per port; the main\n"
      "lcore runs stats and swaps (with -l N alone it forwards, and a control thread swaps).\n"
      "SIGHUP reloads the configured file; SIGINT/SIGTERM stop cleanly and print the report.\n"
      "Telemetry (dpdk-telemetry.py): /lacl/stats, /lacl/rule_hits[,N], /lacl/swap[,PATH].");

  auto* rules_opt =
      app.add_option("--rules", rules, "Rule file (compiled at start and on every swap)");
  auto* artifact_opt =
      app.add_option("--artifact", artifact, "Compiled classifier artifact (lacl compile -o)");
  rules_opt->excludes(artifact_opt);
  artifact_opt->excludes(rules_opt);
  app.add_option("--format", format,
                 "Rule file format: classbench, l3fwd-acl or iptables (default: detect)")
      ->check(CLI::IsMember({"classbench", "l3fwd-acl", "iptables"}))
      ->needs(rules_opt);
  app.add_option("--rule-action", rule_action,
                 "Action of ClassBench rules without an action column: accept, accept:<port>, drop")
      ->capture_default_str()
      ->needs(rules_opt);
  app.add_option("--default-action", default_action,
                 "Action when no rule matches (iptables: the chain policy wins)")
      ->capture_default_str()
      ->needs(rules_opt);
  app.add_option("--tuning-budget-ms", o.tuning_budget_ms, "Compile-time tuning budget (--rules)")
      ->check(CLI::Range(0.0, 60000.0))
      ->capture_default_str();
  app.add_flag("!--no-verify", o.verify,
               "Skip the cross-check of every loaded classifier against the reference (the "
               "linear scan of the rules, or the artifact's own classifier)");
  app.add_option("--backend", backend,
                 "Classifier backend: lacl (the learned classifier) or rte_acl (DPDK's rte_acl, "
                 "built from the same rules; from an artifact, from the rules it holds)")
      ->capture_default_str();

  auto* mask_opt =
      app.add_option("-p,--portmask", portmask, "Hex mask of the DPDK ports to use (default: all)");
  auto* ports_opt =
      app.add_option("--ports", ports, "Comma-separated DPDK port ids to use (default: all)");
  mask_opt->excludes(ports_opt);
  ports_opt->excludes(mask_opt);

  app.add_option("--burst", o.burst, "Packets per RX burst and per TX buffer")
      ->check(CLI::Range(1u, kMaxBurst))
      ->capture_default_str();
  app.add_option("--rxd", o.rx_desc, "RX descriptors per queue")
      ->check(CLI::Range(32u, 16384u))
      ->capture_default_str();
  app.add_option("--txd", o.tx_desc, "TX descriptors per queue")
      ->check(CLI::Range(32u, 16384u))
      ->capture_default_str();
  app.add_option("--mbufs", o.mbufs,
                 "Mbufs in the pool (0: sized from ports, queues and descriptors; net_pcap's "
                 "infinite_rx also keeps the whole file in mbufs)")
      ->capture_default_str();
  app.add_option("--drain-us", o.drain_us, "TX buffer drain period in microseconds")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  app.add_flag("--flush-rx,!--no-flush-rx", o.flush_rx,
               "Drain RX queues before forwarding (default: no; net_pcap input would be lost)");
  app.add_flag("!--no-promisc", o.promiscuous, "Leave promiscuous mode off");

  app.add_option("-T,--stats-interval", o.stats_interval_s, "Seconds between stats lines (0: off)")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  app.add_option("--duration", o.duration_s,
                 "Stop after this many seconds (0: until SIGINT/SIGTERM)")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--packets", o.packets,
                 "Stop once at least this many packets were received (0: no limit). If they do "
                 "not all arrive (--duration passes first, or --idle-timeout), stop with a "
                 "warning and exit status 3");
  app.add_option("--idle-timeout", o.idle_timeout_s,
                 "With --packets: seconds without a received packet before giving up")
      ->check(CLI::Range(0.001, 1e9))
      ->capture_default_str();
  app.add_option("--warmup", o.warmup_s,
                 "Seconds of forwarding before the per-worker rates are measured (the report's "
                 "lcores[]: packets and Mpps per worker lcore from then to the stop)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  app.add_option("--inject", o.inject_path,
                 "Before forwarding, send frames of this pcap (in file order, cycled) into every "
                 "TX queue of every port: on a net_ring loopback port they come back on RX and "
                 "circulate for as long as the rules forward them (a benchmark source)");
  app.add_option("--inject-per-queue", o.inject_per_queue,
                 "Frames --inject sends into each TX queue of each port. A net_ring ring holds "
                 "1023 frames; with paired ports it can hold its own and its peer's (keep it "
                 "<= 511)")
      ->check(CLI::Range(1u, 1u << 20))
      ->capture_default_str();
  app.add_option("--report", o.report_path, "Write the final report as JSON to this file");
  app.add_option("--top", o.top_rules, "Busiest rules shown in the final text report")
      ->capture_default_str();
  app.add_flag("--generation-hits", o.generation_hits,
               "Keep per-rule hit counts of every classifier generation in the JSON report");
  app.add_flag("-q,--quiet", o.quiet, "Do not print the final text report");

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::CallForHelp&) {
    o.help_text = app.help();
    return o;
  } catch (const CLI::ParseError& e) {
    return Error{std::string(e.what())};
  }

  if (rules.empty() && artifact.empty()) {
    return Error{"one of --rules FILE or --artifact FILE is required (see --help)"};
  }
  o.source_kind = artifact.empty() ? SourceKind::kRules : SourceKind::kArtifact;
  o.source_path = artifact.empty() ? rules : artifact;
  const auto kind = parse_backend(backend);
  if (!kind)
    return Error{"--backend: unknown backend '" + backend + "' (expected lacl or rte_acl)"};
  o.backend = *kind;
  if (!format.empty()) o.rule_file.format = parse_format(format);
  const auto ra = parse_action(rule_action);
  if (!ra)
    return Error{"--rule-action: bad action '" + rule_action +
                 "' (expected accept, accept:<port> or drop)"};
  const auto da = parse_action(default_action);
  if (!da) {
    return Error{"--default-action: bad action '" + default_action +
                 "' (expected accept, accept:<port> or drop)"};
  }
  o.rule_file.rule_action = *ra;
  o.rule_file.default_action = *da;

  if (!portmask.empty()) {
    const auto m = parse_uint(portmask, 16);
    if (!m || *m == 0)
      return Error{"--portmask: expected a non-zero hex mask, got '" + portmask + "'"};
    o.portmask = *m;
  }
  if (!ports.empty()) {
    std::string_view rest = ports;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      const auto p = parse_uint(item, 10);
      if (!p || *p >= 65535) return Error{"--ports: bad port id '" + std::string(item) + "'"};
      o.ports.push_back(static_cast<std::uint16_t>(*p));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return o;
}

}  // namespace lacl::dataplane
