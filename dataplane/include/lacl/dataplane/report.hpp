// What the dataplane reports: a Snapshot of every counter, turned into the periodic stats line,
// the final text report and the JSON report (--report FILE.json).
//
// JSON contract (stable; extra fields may be added, none removed):
//   "rule_hits": [u64, ...]  one count per rule of the CURRENT rule set, in rule-file order. After
//                            swaps, entry i is the sum over every generation of the hits on
//                            rule index i (the i-th rule of whatever set was serving); hits on
//                            indexes past the current set's end are in "rule_hits_beyond".
//   "ports": [{"port", "name", "rx", "tx", "dropped", "malformed", "sent", "tx_failed"}, ...]
//            rx/tx/dropped/malformed are dispositions of the frames received on the port
//            (rx == tx + dropped + malformed), sent/tx_failed count frames sent out of it
//            (see PortCounters).
//   "default_hits": well-formed packets that matched no rule, all generations.
//   "generations": [{"generation", "source", "kind", "rules", "active", "classified",
//                    "no_match", "malformed", "load_ms"[, "rule_hits"]}, ...] oldest first.
//   "lcores": [{"worker", "lcore", "packets", "mpps"}, ...] per worker lcore: packets it received
//             (on every port) over the measured interval, "measured_s" long, which starts
//             "warmup_s" after forwarding started (--warmup) and ends when forwarding is told to
//             stop; empty when the run ended within the warm-up.
//   "classifier": {"backend", "algorithm", ...}: the serving backend (lacl or rte_acl) and its
//             lookup implementation. rule_hits, ports and every counter mean the same for both.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lacl/dataplane/counters.hpp"
#include "lacl/dataplane/generation.hpp"
#include "lacl/dataplane/packet_parser.hpp"
#include "lacl/rule.hpp"

namespace lacl::dataplane {

struct PortReport {
  std::uint16_t port_id = 0;
  std::string name;
  PortCounters counters;
};

/// One worker lcore's share of the measured interval.
struct LcoreReport {
  std::uint32_t worker = 0;
  unsigned lcore = 0;
  std::uint64_t packets = 0;  ///< received over the measured interval
  double mpps = 0;            ///< packets / measured_s / 1e6
};

struct Snapshot {
  double uptime_s = 0;  ///< since forwarding started (until it stopped, in the final report)
  double active_s = 0;  ///< first to last non-empty RX burst, over all workers
  std::uint32_t workers = 0;
  std::uint32_t burst = 0;
  double warmup_s = 0;              ///< --warmup
  double measured_s = 0;            ///< the interval lcores[] is measured over (final report)
  std::vector<LcoreReport> lcores;  ///< per worker; empty until the final report
  std::vector<PortReport> ports;
  PortCounters total;  ///< sum over ports
  std::array<std::uint64_t, kParseResultCount> malformed_by_kind{};

  // The classifier serving now.
  std::uint64_t generation = 0;
  std::string source, kind, format;
  std::string backend, algorithm;  ///< BackendInfo::name, ::algorithm
  std::size_t rules = 0;
  std::size_t classifier_bytes = 0;
  std::size_t isets = 0;
  double coverage = 0;
  Action default_action{};

  std::vector<std::uint64_t> rule_hits;  ///< sized to the current set (see the JSON contract)
  std::uint64_t rule_hits_beyond = 0;
  std::uint64_t default_hits = 0;
  std::vector<GenerationSummary> generations;  ///< retired ones, then the active one
  bool generation_hits = false;                ///< generations carry per-rule hits

  std::uint64_t swaps_ok = 0;
  std::uint64_t swaps_failed = 0;
  std::string last_swap_error;
};

/// Million packets per second received, over active_s (0 when nothing arrived).
double rx_mpps(const Snapshot& s) noexcept;

/// The `n` rules with most hits, most first (ties: lower id first), zero counts left out.
std::vector<std::pair<RuleId, std::uint64_t>> busiest_rules(const std::vector<std::uint64_t>& hits,
                                                            std::size_t n);

/// One line: rates since `prev` (taken `dt_s` seconds earlier) and the running totals.
std::string stats_line(const Snapshot& now, const Snapshot& prev, double dt_s);
/// The human-readable final report.
std::string report_text(const Snapshot& s, std::size_t top);
/// The JSON report (see the contract above), pretty-printed.
std::string report_json(const Snapshot& s);

}  // namespace lacl::dataplane
