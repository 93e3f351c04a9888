// DPDK telemetry commands of lacl-dataplane (dpdk-telemetry.py, socket dpdk_telemetry.v2 in the
// EAL runtime directory):
//   /lacl/stats              totals, per-port counters ("port<id>"), generation, swap status
//   /lacl/rule_hits[,N]      the N busiest rules (default 10, at most 256) and rule count
//   /lacl/swap[,PATH]        loads PATH (default: the configured source) and swaps it in;
//                            replies with the new generation or the reason it was refused
#pragma once

namespace lacl::dataplane {

class App;

/// Registers the commands (once per process); until an App attaches they answer "not running".
void telemetry_register();
/// Registers the commands if needed and makes them answer for `app`.
void telemetry_attach(App* app);
/// Makes the commands answer "not running"; waits for a command in progress. Idempotent.
void telemetry_detach(App* app);

}  // namespace lacl::dataplane
