// libFuzzer target: the artifact loader on arbitrary bytes. Each input is loaded as it is and
// again with its checksums fixed up (detail::reseal_artifact), so mutations reach the
// structural checks behind the CRCs. The loader must refuse cleanly or return a classifier that
// is exact for the rule rows it holds; anything else traps. Built and run by run.sh.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "lacl/artifact.hpp"

namespace {

// First match over all of a classifier's rows (an index's as rows, whether it holds them as rows
// or as lanes): the loaded classifier must agree with it.
lacl::RuleId scan(const lacl::Classifier& c, const lacl::PacketKey& k) {
  lacl::RuleId best = lacl::kNoMatch;
  auto visit = [&](const lacl::detail::RuleRow& r) {
    if (r.id < best && r.matches(k)) best = r.id;
  };
  for (const lacl::ISetIndex& s : c.isets()) {
    for (const auto& r : s.candidate_rows())  // whichever layout holds them
      visit(r);
  }
  for (const auto& r : c.remainder_rows())
    visit(r);
  return best;
}

void exercise(std::span<const std::byte> bytes) {
  auto info = lacl::inspect_artifact(bytes, "fuzz");
  auto c = lacl::load_artifact(bytes, "fuzz");
  if (info.ok() != c.ok()) __builtin_trap();  // the two validate alike
  if (!c) {
    if (std::strncmp(c.error().message.c_str(), "fuzz: ", 6) != 0) __builtin_trap();
    return;
  }
  (void)info->report.to_text();
  // Probe keys at the corners of the rows the classifier holds, plus a few fixed ones.
  std::vector<lacl::PacketKey> keys = {{0, 0, 0, 0, 0}, {~0u, ~0u, 0xFFFF, 0xFFFF, 0xFF}};
  auto corners = [&](const lacl::detail::RuleRow& r) {
    if (keys.size() > 512) return;
    keys.push_back({r.src_lo, r.dst_lo, r.sport_lo, r.dport_lo, r.proto_lo});
    keys.push_back({r.src_hi, r.dst_hi, r.sport_hi, r.dport_hi, r.proto_hi});
    keys.push_back({r.src_hi + 1, r.dst_lo - 1, static_cast<std::uint16_t>(r.sport_hi + 1),
                    static_cast<std::uint16_t>(r.dport_lo - 1), r.proto_lo});
  };
  for (const lacl::ISetIndex& s : c->isets()) {
    for (const auto& r : s.candidate_rows())
      corners(r);
  }
  for (const auto& r : c->remainder_rows())
    corners(r);
  std::vector<lacl::RuleId> out(keys.size());
  c->classify(keys, out);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (out[i] != scan(*c, keys[i])) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> raw(reinterpret_cast<const std::byte*>(data), size);
  exercise(raw);
  std::vector<std::byte> sealed(raw.begin(), raw.end());
  lacl::detail::reseal_artifact(sealed);
  exercise(sealed);
  return 0;
}
