#include "telemetry.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "app.hpp"
#include "dpdk.hpp"

namespace lacl::dataplane {
namespace {

// DPDK 22.11's telemetry callbacks take no user argument, so the commands find the running App
// here. Commands hold the lock shared (a long swap does not block /lacl/stats); detaching takes
// it exclusively, so the App outlives every command that found it.
std::shared_mutex g_mutex;
App* g_app = nullptr;
std::once_flag g_registered;

constexpr unsigned kDefaultTop = 10;
constexpr unsigned kMaxTop = 256;

void add_u64(rte_tel_data* d, const char* name, std::uint64_t v) {
  rte_tel_data_add_dict_u64(d, name, v);
}

// Telemetry strings are capped at RTE_TEL_MAX_STRING_LEN bytes with the terminator.
void add_string(rte_tel_data* d, const char* name, const std::string& v) {
  std::string s = v.substr(0, RTE_TEL_MAX_STRING_LEN - 1);
  rte_tel_data_add_dict_string(d, name, s.c_str());
}

int not_running(rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  add_string(d, "error", "lacl-dataplane is not forwarding");
  return 0;
}

int cmd_stats(const char*, const char*, rte_tel_data* d) {
  std::shared_lock lock(g_mutex);
  if (g_app == nullptr) return not_running(d);
  const Snapshot s = g_app->snapshot();
  rte_tel_data_start_dict(d);
  add_u64(d, "generation", s.generation);
  add_string(d, "source", s.source);
  add_u64(d, "rules", s.rules);
  add_u64(d, "uptime_ms", static_cast<std::uint64_t>(s.uptime_s * 1e3));
  add_u64(d, "workers", s.workers);
  add_u64(d, "rx", s.total.rx);
  add_u64(d, "tx", s.total.tx);
  add_u64(d, "dropped", s.total.dropped);
  add_u64(d, "malformed", s.total.malformed);
  add_u64(d, "default_hits", s.default_hits);
  add_u64(d, "swaps_ok", s.swaps_ok);
  add_u64(d, "swaps_failed", s.swaps_failed);
  add_string(d, "last_swap_error", s.last_swap_error);
  // 22.11 nests containers one level deep only: one dict per port, named "port<id>".
  for (const PortReport& p : s.ports) {
    rte_tel_data* pd = rte_tel_data_alloc();
    if (pd == nullptr) return -ENOMEM;
    rte_tel_data_start_dict(pd);
    add_u64(pd, "rx", p.counters.rx);
    add_u64(pd, "tx", p.counters.tx);
    add_u64(pd, "dropped", p.counters.dropped);
    add_u64(pd, "malformed", p.counters.malformed);
    add_u64(pd, "sent", p.counters.sent);
    add_u64(pd, "tx_failed", p.counters.tx_failed);
    rte_tel_data_add_dict_container(d, ("port" + std::to_string(p.port_id)).c_str(), pd, 0);
  }
  return 0;
}

int cmd_rule_hits(const char*, const char* params, rte_tel_data* d) {
  unsigned top = kDefaultTop;
  if (params != nullptr && *params != '\0') {
    const char* end = params + std::strlen(params);
    const auto [p, ec] = std::from_chars(params, end, top);
    if (ec != std::errc{} || p != end || top == 0) return -EINVAL;
    top = std::min(top, kMaxTop);
  }
  std::shared_lock lock(g_mutex);
  if (g_app == nullptr) return not_running(d);
  const Snapshot s = g_app->snapshot();
  rte_tel_data_start_dict(d);
  add_u64(d, "generation", s.generation);
  add_u64(d, "rules", s.rules);
  add_u64(d, "default_hits", s.default_hits);
  rte_tel_data* ids = rte_tel_data_alloc();
  rte_tel_data* hits = rte_tel_data_alloc();
  if (ids == nullptr || hits == nullptr) {
    rte_tel_data_free(ids);
    rte_tel_data_free(hits);
    return -ENOMEM;
  }
  rte_tel_data_start_array(ids, RTE_TEL_U64_VAL);
  rte_tel_data_start_array(hits, RTE_TEL_U64_VAL);
  for (const auto& [id, n] : busiest_rules(s.rule_hits, top)) {
    rte_tel_data_add_array_u64(ids, id);
    rte_tel_data_add_array_u64(hits, n);
  }
  rte_tel_data_add_dict_container(d, "top_rules", ids, 0);
  rte_tel_data_add_dict_container(d, "top_hits", hits, 0);
  return 0;
}

int cmd_swap(const char*, const char* params, rte_tel_data* d) {
  std::shared_lock lock(g_mutex);
  if (g_app == nullptr) return not_running(d);
  const auto r = g_app->swap(params != nullptr ? params : "");
  rte_tel_data_start_dict(d);
  if (!r) {
    add_u64(d, "ok", 0);
    add_string(d, "error", r.error().message);
    return 0;
  }
  add_u64(d, "ok", 1);
  add_u64(d, "generation", r->generation);
  add_u64(d, "rules", r->rules);
  add_u64(d, "load_us", static_cast<std::uint64_t>(r->load_ms * 1e3));
  add_string(d, "source", r->source);
  return 0;
}

}  // namespace

void telemetry_register() {
  std::call_once(g_registered, [] {
    rte_telemetry_register_cmd("/lacl/stats", cmd_stats,
                               "Totals, per-port counters, classifier generation. No parameters");
    rte_telemetry_register_cmd("/lacl/rule_hits", cmd_rule_hits,
                               "The busiest rules. Parameter: how many (default 10, max 256)");
    rte_telemetry_register_cmd("/lacl/swap", cmd_swap,
                               "Load a rule file or artifact and swap it in. Parameter: path "
                               "(default: the configured source)");
  });
}

void telemetry_attach(App* app) {
  telemetry_register();
  std::unique_lock lock(g_mutex);
  g_app = app;
}

void telemetry_detach(App* app) {
  std::unique_lock lock(g_mutex);
  if (g_app == app) g_app = nullptr;
}

}  // namespace lacl::dataplane
