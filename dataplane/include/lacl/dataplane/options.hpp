// lacl-dataplane's own options: everything after EAL's arguments and `--`.
//
//   lacl-dataplane <EAL options> -- (--rules FILE [--format F] | --artifact FILE) [options]
//
// Parsing never exits the process: a bad command line comes back as an Error whose message is
// ready for the user, and --help comes back as Options::help_text.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lacl/dataplane/backend.hpp"
#include "lacl/result.hpp"
#include "lacl/rule.hpp"
#include "lacl/rule_file.hpp"

namespace lacl::dataplane {

/// Where the classifier comes from. The same source is re-read on SIGHUP.
enum class SourceKind : std::uint8_t { kRules, kArtifact };

struct Options {
  SourceKind source_kind = SourceKind::kRules;
  std::string source_path;
  RuleFileOptions rule_file;        ///< --format, --rule-action, --default-action (rules only)
  double tuning_budget_ms = 150.0;  ///< compile budget for --rules (CompileOptions)
  bool verify = true;               ///< cross-check every loaded classifier against a reference
  BackendKind backend = BackendKind::kLacl;  ///< --backend lacl|rte_acl

  std::optional<std::uint64_t> portmask;  ///< --portmask: DPDK port ids as a bit mask
  std::vector<std::uint16_t> ports;       ///< --ports: DPDK port ids (empty: all, or portmask)

  std::uint32_t burst = 32;      ///< RX burst and TX buffer size, 1..kMaxBurst
  std::uint32_t rx_desc = 1024;  ///< RX descriptors per queue
  std::uint32_t tx_desc = 1024;  ///< TX descriptors per queue
  std::uint32_t mbufs = 0;       ///< mbufs in the pool; 0: sized from ports, queues, descs
  std::uint32_t drain_us = 100;  ///< TX buffer drain period, microseconds
  bool flush_rx = false;         ///< drain RX queues before starting (eats net_pcap input)
  bool promiscuous = true;

  std::string inject_path;               ///< --inject FILE.pcap: frames sent before forwarding
  std::uint32_t inject_per_queue = 256;  ///< frames sent into each TX queue of each port

  double stats_interval_s = 0;   ///< periodic stats line; 0: off
  double duration_s = 0;         ///< stop after this long; 0: run until signalled
  std::uint64_t packets = 0;     ///< stop once this many packets arrived; 0: no limit
  double idle_timeout_s = 10;    ///< with --packets: give up after this long without traffic
  double warmup_s = 0;           ///< per-worker rates are measured from this long after start
  std::string report_path;       ///< --report FILE.json
  std::uint32_t top_rules = 10;  ///< busiest rules in the text report
  bool generation_hits = false;  ///< per-generation per-rule hits in the JSON report
  bool quiet = false;            ///< no final text report on stdout

  std::string help_text;  ///< non-empty: print it and exit 0
};

inline constexpr std::uint32_t kMaxBurst = 512;

/// Parses `args` (args[0] is the program name). Never prints and never exits.
Result<Options> parse_options(std::span<char* const> args);

/// Parses "accept", "accept:<port>" or "drop".
std::optional<Action> parse_action(std::string_view text) noexcept;

}  // namespace lacl::dataplane
