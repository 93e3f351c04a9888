// lacl-pcapgen RULES TRACE -o FILE.pcap [--reference FILE.json]
//
// Turns a ClassBench trace into a pcap of Ethernet/IPv4 frames (one per trace line, in order)
// for lacl-dataplane over net_pcap, and optionally writes what the reference linear scan
// expects for those frames: the rule each frame matches (classifying the key as it is on the
// wire: ports are 0 unless TCP/UDP), the per-rule histogram and each frame's action.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lacl/classbench.hpp"
#include "lacl/dataplane/frame_builder.hpp"
#include "lacl/dataplane/options.hpp"
#include "lacl/dataplane/packet_parser.hpp"
#include "lacl/dataplane/pcap_writer.hpp"
#include "lacl/linear_scan.hpp"
#include "lacl/rule_file.hpp"

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "lacl-pcapgen: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lacl;
  using namespace lacl::dataplane;
  std::string rules_path, trace_path, out_path, reference_path, format;
  std::string rule_action = "accept", default_action = "accept";
  std::uint32_t vlan_every = 0, options_every = 0, frame_size = 64;

  CLI::App app{
      "Writes a ClassBench trace as a pcap of Ethernet/IPv4 frames, with the reference "
      "classification of every frame",
      "lacl-pcapgen"};
  app.add_option("RULES", rules_path, "Rule file (for --reference)")->required();
  app.add_option("TRACE", trace_path, "ClassBench trace file")->required();
  app.add_option("-o,--output", out_path, "Output pcap file")->required();
  app.add_option("--reference", reference_path, "Write the reference classification as JSON");
  app.add_option("--format", format, "Rule file format (default: detect)")
      ->check(CLI::IsMember({"classbench", "l3fwd-acl", "iptables"}));
  app.add_option("--rule-action", rule_action, "Action of ClassBench rules without one")
      ->capture_default_str();
  app.add_option("--default-action", default_action, "Action when no rule matches")
      ->capture_default_str();
  app.add_option("--vlan-every", vlan_every,
                 "Tag every K-th frame with an 802.1Q header (0: none)");
  app.add_option("--options-every", options_every, "Give every K-th frame IPv4 options (0: none)");
  app.add_option("--frame-size", frame_size, "Minimum frame size in bytes, no FCS")
      ->check(CLI::Range(60u, 9000u))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  RuleFileOptions ro;
  if (!format.empty()) ro.format = parse_format(format);
  const auto ra = parse_action(rule_action);
  const auto da = parse_action(default_action);
  if (!ra || !da)
    return fail("bad --rule-action or --default-action (accept, accept:<port> or drop)");
  ro.rule_action = *ra;
  ro.default_action = *da;
  auto loaded = load_rule_file(rules_path, ro);
  if (!loaded) return fail(loaded.error().message);
  auto trace = read_trace(trace_path);
  if (!trace) return fail(trace.error().message);

  auto writer = PcapWriter::open(out_path);
  if (!writer) return fail(writer.error().message);
  std::vector<PacketKey> keys;
  keys.reserve(trace->size());
  for (std::size_t i = 0; i < trace->size(); ++i) {
    FrameSpec spec;
    spec.key = (*trace)[i].key;
    spec.sequence = static_cast<std::uint32_t>(i);
    spec.min_size = frame_size;
    if (vlan_every != 0 && i % vlan_every == vlan_every - 1)
      spec.vlan = static_cast<std::uint16_t>(1 + i % 4094);
    if (options_every != 0 && i % options_every == options_every - 1) {
      spec.ip_option_words = static_cast<std::uint8_t>(1 + i % 10);
    }
    writer->write(build_frame(spec), i);
    keys.push_back(wire_key(spec.key));
  }
  if (Status s = writer->close(); !s) return fail(s.error().message);

  if (!reference_path.empty()) {
    const RuleSet& rules = loaded->rules;
    std::vector<RuleId> ids(keys.size());
    LinearScan(rules).classify(keys, ids);
    std::vector<std::uint64_t> hits(rules.size(), 0);
    std::vector<std::int64_t> rule_ids(ids.size());
    std::string decisions(ids.size(), 'A');
    std::uint64_t default_hits = 0, accepted = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      Action a = rules.default_action();
      if (ids[i] == kNoMatch) {
        ++default_hits;
        rule_ids[i] = -1;
      } else {
        ++hits[ids[i]];
        rule_ids[i] = ids[i];
        a = rules[ids[i]].action;
      }
      if (a.kind == Action::Kind::kDrop) {
        decisions[i] = 'D';
      } else {
        ++accepted;
      }
    }
    nlohmann::json j = {{"packets", keys.size()},
                        {"rules", rules.size()},
                        {"rule_hits", hits},
                        {"default_hits", default_hits},
                        {"default_action", to_string(rules.default_action())},
                        {"accepted", accepted},
                        {"dropped", keys.size() - accepted},
                        {"rule_ids", rule_ids},
                        {"decisions", decisions}};
    std::ofstream out(reference_path, std::ios::binary | std::ios::trunc);
    out << j.dump() << '\n';
    out.close();
    if (!out) return fail(reference_path + ": write error");
  }
  std::printf("lacl-pcapgen: %zu frames -> %s\n", keys.size(), out_path.c_str());
  return 0;
}
