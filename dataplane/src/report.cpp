#include "lacl/dataplane/report.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace lacl::dataplane {
namespace {

std::string fmt(const char* f, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

}  // namespace

double rx_mpps(const Snapshot& s) noexcept {
  return s.active_s > 0 ? static_cast<double>(s.total.rx) / s.active_s / 1e6 : 0.0;
}

std::vector<std::pair<RuleId, std::uint64_t>> busiest_rules(const std::vector<std::uint64_t>& hits,
                                                            std::size_t n) {
  std::vector<std::pair<RuleId, std::uint64_t>> v;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (hits[i] != 0) v.emplace_back(static_cast<RuleId>(i), hits[i]);
  }
  const auto by_hits = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  const std::size_t k = std::min(n, v.size());
  std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end(), by_hits);
  v.resize(k);
  return v;
}

std::string stats_line(const Snapshot& now, const Snapshot& prev, double dt_s) {
  const double rate = dt_s > 0 ? static_cast<double>(now.total.rx - prev.total.rx) / dt_s / 1e6 : 0;
  return fmt(
      "[%8.1fs] rx %llu (%.3f Mpps) tx %llu dropped %llu malformed %llu | gen %llu, %zu rules",
      now.uptime_s, ull(now.total.rx), rate, ull(now.total.tx), ull(now.total.dropped),
      ull(now.total.malformed), ull(now.generation), now.rules);
}

std::string report_text(const Snapshot& s, std::size_t top) {
  std::string out = "== lacl-dataplane report\n";
  out += fmt("classifier: generation %llu, %s (%s, %s), backend %s (%s), %zu rules, ",
             ull(s.generation), s.source.c_str(), s.kind.c_str(), s.format.c_str(),
             s.backend.c_str(), s.algorithm.c_str(), s.rules);
  if (s.backend == "lacl") out += fmt("%zu iSets, coverage %.1f%%, ", s.isets, 100.0 * s.coverage);
  out += fmt("%zu bytes\n", s.classifier_bytes);
  out += fmt("workers: %u, burst %u; ran %.3f s, traffic for %.3f s: %.3f Mpps\n", s.workers,
             s.burst, s.uptime_s, s.active_s, rx_mpps(s));
  if (!s.lcores.empty()) {
    out += fmt("per worker lcore, over %.3f s after a %.3f s warm-up:", s.measured_s, s.warmup_s);
    for (const LcoreReport& l : s.lcores) {
      out += fmt(" worker %u (lcore %u) %llu packets, %.3f Mpps;", l.worker, l.lcore,
                 ull(l.packets), l.mpps);
    }
    out.back() = '\n';
  }
  out += fmt("%-6s %-24s %12s %12s %12s %12s %12s %10s\n", "port", "name", "rx", "tx", "dropped",
             "malformed", "sent", "tx_failed");
  for (const PortReport& p : s.ports) {
    const PortCounters& c = p.counters;
    out +=
        fmt("%-6u %-24s %12llu %12llu %12llu %12llu %12llu %10llu\n", p.port_id, p.name.c_str(),
            ull(c.rx), ull(c.tx), ull(c.dropped), ull(c.malformed), ull(c.sent), ull(c.tx_failed));
  }
  const PortCounters& t = s.total;
  out += fmt("%-6s %-24s %12llu %12llu %12llu %12llu %12llu %10llu\n", "total", "", ull(t.rx),
             ull(t.tx), ull(t.dropped), ull(t.malformed), ull(t.sent), ull(t.tx_failed));
  out += fmt("matched a rule: %llu, default action (%s): %llu well-formed + %llu malformed\n",
             ull(t.rx - t.malformed - s.default_hits), to_string(s.default_action).c_str(),
             ull(s.default_hits), ull(t.malformed));
  if (t.malformed != 0) {
    out += "malformed:";
    for (std::size_t k = 1; k < kParseResultCount; ++k) {
      out += fmt(" %s %llu", parse_result_name(static_cast<ParseResult>(k)),
                 ull(s.malformed_by_kind[k]));
    }
    out += '\n';
  }
  const auto busiest = busiest_rules(s.rule_hits, top);
  if (!busiest.empty()) {
    out += "busiest rules (rule, hits):";
    for (const auto& [id, hits] : busiest)
      out += fmt(" %u:%llu", id, ull(hits));
    out += '\n';
  }
  if (s.generations.size() > 1 || s.swaps_failed != 0) {
    out += fmt("swaps: %llu done, %llu refused%s%s\n", ull(s.swaps_ok), ull(s.swaps_failed),
               s.last_swap_error.empty() ? "" : "; last refusal: ", s.last_swap_error.c_str());
    for (const GenerationSummary& g : s.generations) {
      out += fmt(
          "  generation %llu%s: %s, %zu rules, classified %llu, no match %llu, malformed %llu\n",
          ull(g.number), g.active ? " (active)" : "", g.source.c_str(), g.rules, ull(g.classified),
          ull(g.no_match), ull(g.malformed));
    }
  }
  return out;
}

std::string report_json(const Snapshot& s) {
  using nlohmann::json;
  json ports = json::array();
  for (const PortReport& p : s.ports) {
    const PortCounters& c = p.counters;
    ports.push_back({{"port", p.port_id},
                     {"name", p.name},
                     {"rx", c.rx},
                     {"tx", c.tx},
                     {"dropped", c.dropped},
                     {"malformed", c.malformed},
                     {"sent", c.sent},
                     {"tx_failed", c.tx_failed}});
  }
  json malformed = json::object();
  for (std::size_t k = 1; k < kParseResultCount; ++k) {
    malformed[parse_result_name(static_cast<ParseResult>(k))] = s.malformed_by_kind[k];
  }
  json lcores = json::array();
  for (const LcoreReport& l : s.lcores) {
    lcores.push_back(
        {{"worker", l.worker}, {"lcore", l.lcore}, {"packets", l.packets}, {"mpps", l.mpps}});
  }
  json generations = json::array();
  for (const GenerationSummary& g : s.generations) {
    json j = {{"generation", g.number}, {"source", g.source},       {"kind", g.kind},
              {"rules", g.rules},       {"active", g.active},       {"classified", g.classified},
              {"no_match", g.no_match}, {"malformed", g.malformed}, {"load_ms", g.load_ms}};
    if (s.generation_hits) j["rule_hits"] = g.hits;
    generations.push_back(std::move(j));
  }
  const PortCounters& t = s.total;
  json j = {
      {"rule_hits", s.rule_hits},
      {"rule_hits_beyond", s.rule_hits_beyond},
      {"default_hits", s.default_hits},
      {"default_action", to_string(s.default_action)},
      {"ports", std::move(ports)},
      {"totals",
       {{"rx", t.rx},
        {"tx", t.tx},
        {"dropped", t.dropped},
        {"malformed", t.malformed},
        {"sent", t.sent},
        {"tx_failed", t.tx_failed}}},
      {"malformed_by_kind", std::move(malformed)},
      {"duration_s", s.uptime_s},
      {"active_s", s.active_s},
      {"mpps", rx_mpps(s)},
      {"workers", s.workers},
      {"burst", s.burst},
      {"warmup_s", s.warmup_s},
      {"measured_s", s.measured_s},
      {"lcores", std::move(lcores)},
      {"classifier",
       {{"generation", s.generation},
        {"backend", s.backend},
        {"algorithm", s.algorithm},
        {"source", s.source},
        {"kind", s.kind},
        {"format", s.format},
        {"rules", s.rules},
        {"bytes", s.classifier_bytes},
        {"isets", s.isets},
        {"coverage", s.coverage}}},
      {"generations", std::move(generations)},
      {"swaps",
       {{"ok", s.swaps_ok}, {"failed", s.swaps_failed}, {"last_error", s.last_swap_error}}},
  };
  return j.dump() + "\n";
}

}  // namespace lacl::dataplane
