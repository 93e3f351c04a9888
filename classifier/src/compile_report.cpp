#include <cstdio>
#include <nlohmann/json.hpp>

#include "lacl/classifier.hpp"

namespace lacl {
namespace {

std::string human_bytes(std::size_t b) {
  char buf[64];
  if (b >= (1u << 20)) {
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(b) / (1 << 20));
  } else if (b >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%zu B", b);
  }
  return buf;
}

}  // namespace

std::string CompileReport::to_text() const {
  std::string s;
  char line[512];
  std::size_t iset_count = 0;
  for (const ISet& k : isets)
    iset_count += k.isets;
  std::snprintf(line, sizeof line,
                "rules:      %zu\ncoverage:   %.2f%% in %zu iSets, merged into %zu field index%s\n",
                rules, coverage * 100.0, iset_count, isets.size(), isets.size() == 1 ? "" : "es");
  s += line;
  for (std::size_t i = 0; i < isets.size(); ++i) {
    const ISet& k = isets[i];
    std::snprintf(
        line, sizeof line,
        "  index %zu:  %-8s %3zu iSets, %7zu rules, %7zu intervals, %7zu candidates (max %zu, "
        "mean %.2f per interval), %zu segments, radix 2^%u, window max %u mean %.1f, %s%s\n",
        i, field_name(k.field), k.isets, k.rules, k.intervals, k.entries, k.max_list, k.mean_list,
        k.segments, k.radix_bits, k.max_window, k.mean_window, human_bytes(k.bytes).c_str(),
        k.whole ? ", searched whole" : "");
    s += line;
  }
  if (remainder_nodes != 0) {
    std::snprintf(line, sizeof line,
                  "remainder:  %zu rules, %s of %zu nodes, depth %zu, leaves of at most %zu "
                  "(%zu candidates), %s\n",
                  remainder_rules, remainder_algorithm.c_str(), remainder_nodes, remainder_depth,
                  remainder_leaf, remainder_candidates, human_bytes(remainder_bytes).c_str());
  } else if (remainder_chunks != 0) {
    std::snprintf(line, sizeof line,
                  "remainder:  %zu rules, %s of %zu words in %zu distinct chunks, %s\n",
                  remainder_rules, remainder_algorithm.c_str(), remainder_words,
                  remainder_chunks, human_bytes(remainder_bytes).c_str());
  } else {
    std::snprintf(line, sizeof line, "remainder:  %zu rules, %s, %zu tuples, %s\n",
                  remainder_rules, remainder_algorithm.c_str(), remainder_tuples,
                  human_bytes(remainder_bytes).c_str());
  }
  s += line;
  std::snprintf(line, sizeof line, "memory:     %s (%.1f bytes/rule)\n", human_bytes(bytes).c_str(),
                rules ? static_cast<double>(bytes) / static_cast<double>(rules) : 0.0);
  s += line;
  std::snprintf(line, sizeof line,
                "knobs:      epsilon %u, candidates per rule <= %.1f, slot cap %u, batch %u, "
                "lists as %s, searched whole up to %u intervals, final rules %s\n",
                epsilon, max_pieces, max_collisions, batch, lanes ? "lanes" : "rows", whole_search,
                final_rules ? "checked" : "not checked");
  s += line;
  std::snprintf(line, sizeof line,
                "time:       %.1f ms (partition %.1f, index %.1f, remainder %.1f, tuning %.1f)\n",
                total_ms, partition_ms, index_ms, remainder_ms, tuning_ms);
  s += line;
  for (const std::string& t : tuning)
    s += "  tuning:   " + t + "\n";
  return s;
}

std::string CompileReport::to_json() const {
  nlohmann::json j;
  j["rules"] = rules;
  j["coverage"] = coverage;
  j["isets"] = nlohmann::json::array();
  for (const ISet& k : isets) {
    j["isets"].push_back({{"field", field_name(k.field)},
                          {"isets", k.isets},
                          {"rules", k.rules},
                          {"intervals", k.intervals},
                          {"entries", k.entries},
                          {"max_list", k.max_list},
                          {"mean_list", k.mean_list},
                          {"segments", k.segments},
                          {"radix_bits", k.radix_bits},
                          {"max_window", k.max_window},
                          {"mean_window", k.mean_window},
                          {"bytes", k.bytes},
                          {"whole", k.whole}});
  }
  j["remainder"] = {{"rules", remainder_rules},
                    {"algorithm", remainder_algorithm},
                    {"tuples", remainder_tuples},
                    {"chunks", remainder_chunks},
                    {"words_per_vector", remainder_words},
                    {"nodes", remainder_nodes},
                    {"depth", remainder_depth},
                    {"leaf_size", remainder_leaf},
                    {"candidates", remainder_candidates},
                    {"bytes", remainder_bytes}};
  j["bytes"] = bytes;
  j["bytes_per_rule"] = rules ? static_cast<double>(bytes) / static_cast<double>(rules) : 0.0;
  j["knobs"] = {{"epsilon", epsilon},
                {"max_pieces", max_pieces},
                {"max_collisions", max_collisions},
                {"batch", batch},
                {"candidate_lists", lanes ? "lanes" : "rows"},
                {"whole_search", whole_search},
                {"final_rules", final_rules}};
  j["tuning"] = tuning;
  j["time_ms"] = {{"partition", partition_ms},
                  {"index", index_ms},
                  {"remainder", remainder_ms},
                  {"tuning", tuning_ms},
                  {"total", total_ms}};
  return j.dump(2);
}

}  // namespace lacl
