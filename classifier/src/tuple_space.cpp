#include "lacl/tuple_space.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace lacl {
namespace {

// How many leading bits a rule fixes on each field: an address range's common prefix, a port or
// protocol only when exact (16/8 bits) and nothing otherwise.
struct Lengths {
  std::uint8_t src, dst, sport, dport, proto;
  auto key() const { return std::tie(src, dst, sport, dport, proto); }
  bool covers(const Lengths& r) const {  // this tuple keeps no more bits than r fixes
    return src <= r.src && dst <= r.dst && sport <= r.sport && dport <= r.dport && proto <= r.proto;
  }
  int total() const { return src + dst + sport + dport + proto; }
};

std::uint8_t common_prefix(const Range& r) {
  return static_cast<std::uint8_t>(r.lo == r.hi ? 32 : std::countl_zero(r.lo ^ r.hi));
}

Lengths lengths_of(const Rule& r) {
  return {common_prefix(r.field[0]), common_prefix(r.field[1]),
          static_cast<std::uint8_t>(r.field[2].lo == r.field[2].hi ? 16 : 0),
          static_cast<std::uint8_t>(r.field[3].lo == r.field[3].hi ? 16 : 0),
          static_cast<std::uint8_t>(r.field[4].lo == r.field[4].hi ? 8 : 0)};
}

std::uint32_t mask32(unsigned len) {
  return len == 0 ? 0u : ~std::uint32_t{0} << (32 - len);
}

TupleSpace::Tuple tuple_of(const Lengths& l) {
  TupleSpace::Tuple t{};
  t.src_mask = mask32(l.src);
  t.dst_mask = mask32(l.dst);
  t.port_mask = (l.sport ? 0xFFFF0000u : 0u) | (l.dport ? 0x0000FFFFu : 0u);
  t.proto_mask = l.proto ? 0xFFu : 0u;
  return t;
}

PacketKey low_corner(const Rule& r) {
  return {r.field[0].lo, r.field[1].lo, static_cast<std::uint16_t>(r.field[2].lo),
          static_cast<std::uint16_t>(r.field[3].lo), static_cast<std::uint8_t>(r.field[4].lo)};
}

struct MaskedKey {
  std::uint32_t src, dst, ports, proto;
  bool operator==(const MaskedKey&) const = default;
};
struct MaskedKeyHash {
  std::size_t operator()(const MaskedKey& k) const {
    return std::hash<std::uint64_t>{}((std::uint64_t{k.src} << 32 | k.dst) * 31 +
                                      (std::uint64_t{k.ports} << 8 | k.proto));
  }
};

struct TupleBuild {
  Lengths lengths;
  TupleSpace::Tuple tuple;
  std::vector<RuleId> members;
  std::unordered_map<MaskedKey, std::uint32_t, MaskedKeyHash> buckets;

  MaskedKey masked(const Rule& r) const {
    const PacketKey k = low_corner(r);
    return {k.src_ip & tuple.src_mask, k.dst_ip & tuple.dst_mask,
            ((std::uint32_t{k.src_port} << 16) | k.dst_port) & tuple.port_mask,
            k.proto & tuple.proto_mask};
  }
};

// The tuple a new rule opens: coarser than the rule so that later rules of nearby lengths share
// it (TupleMerge's relaxation); the collision cap keeps the shared slots short.
Lengths relaxed(Lengths l, const TupleSpace::Params& p) {
  const unsigned grid = std::max<std::uint32_t>(p.ip_grid, 1);
  l.src = static_cast<std::uint8_t>(l.src - l.src % grid);
  l.dst = static_cast<std::uint8_t>(l.dst - l.dst % grid);
  if (!p.hash_ports) l.sport = l.dport = l.proto = 0;
  return l;
}

}  // namespace

TupleSpace TupleSpace::build(std::span<const Rule> rules, std::span<const RuleId> ids,
                             Params params) {
  std::vector<RuleId> order(ids.begin(), ids.end());
  std::sort(order.begin(), order.end());
  std::vector<TupleBuild> builds;
  for (RuleId id : order) {
    const Rule& r = rules[id];
    const Lengths l = lengths_of(r);
    TupleBuild* chosen = nullptr;
    for (TupleBuild& b : builds) {
      if (!b.lengths.covers(l)) continue;
      auto it = b.buckets.find(b.masked(r));
      if (it != b.buckets.end() && it->second >= params.max_collisions) continue;
      if (chosen == nullptr || b.lengths.total() > chosen->lengths.total()) chosen = &b;
    }
    if (chosen == nullptr) {
      // Prefer the relaxed tuple; fall back to the rule's own lengths when the relaxed one exists
      // but its slot for this rule is already full.
      for (Lengths cand : {relaxed(l, params), l}) {
        auto it = std::find_if(builds.begin(), builds.end(),
                               [&](const TupleBuild& b) { return b.lengths.key() == cand.key(); });
        if (it == builds.end()) {
          builds.push_back(TupleBuild{cand, tuple_of(cand), {}, {}});
          chosen = &builds.back();
          break;
        }
        if (it->buckets[it->masked(r)] < params.max_collisions) {
          chosen = &*it;
          break;
        }
      }
      if (chosen == nullptr) {  // even the rule's exact tuple is full: accept a longer slot
        chosen = &*std::find_if(builds.begin(), builds.end(),
                                [&](const TupleBuild& b) { return b.lengths.key() == l.key(); });
      }
    }
    chosen->members.push_back(id);
    ++chosen->buckets[chosen->masked(r)];
  }

  // Members were added in id order, so members.front() is each tuple's best rule.
  std::sort(builds.begin(), builds.end(), [](const TupleBuild& a, const TupleBuild& b) {
    return a.members.front() < b.members.front();
  });

  TupleSpace ts;
  for (TupleBuild& b : builds) {
    Tuple t = b.tuple;
    t.best = b.members.front();
    const std::size_t distinct = b.buckets.size();
    t.slot_bits = distinct <= 1 ? 0u : static_cast<std::uint32_t>(std::bit_width(distinct - 1)) + 1;
    t.slot_base = static_cast<std::uint32_t>(ts.slots_.size());
    const std::size_t nslots = std::size_t{1} << t.slot_bits;
    std::vector<std::vector<RuleId>> per_slot(nslots);
    for (RuleId id : b.members)
      per_slot[slot_of(t, low_corner(rules[id]))].push_back(id);
    for (auto& slot : per_slot) {
      ts.slots_.push_back(static_cast<std::uint32_t>(ts.rows_.size()));
      for (RuleId id : slot)
        ts.rows_.push_back(detail::RuleRow::from(rules[id], id));  // ids ascending
    }
    ts.slots_.push_back(static_cast<std::uint32_t>(ts.rows_.size()));
    ts.tuples_.push_back(t);
  }
  return ts;
}

bool TupleSpace::assemble(TupleSpace& out, detail::AlignedVector<Tuple> tuples,
                          detail::AlignedVector<std::uint32_t> slots,
                          detail::AlignedVector<detail::RuleRow> rows) {
  std::size_t expect_base = 0;
  RuleId prev_best = 0;
  for (std::size_t i = 0; i < tuples.size(); ++i) {
    const Tuple& t = tuples[i];
    if (t.slot_bits > 30 || t.slot_base != expect_base) return false;
    if (i > 0 && t.best < prev_best) return false;
    prev_best = t.best;
    expect_base += (std::size_t{1} << t.slot_bits) + 1;
    if (expect_base > slots.size()) return false;
    if (t.proto_mask != 0 && t.proto_mask != 0xFF) return false;
  }
  if (expect_base != slots.size()) return false;
  // The tuples' slots partition the rows: each tuple's list starts where the previous one ended,
  // from row 0 to the last, so no row is left out of every slot (it would never be found) or
  // listed by two tuples.
  std::uint32_t next_row = 0;
  for (const Tuple& t : tuples) {
    if (slots[t.slot_base] != next_row) return false;
    next_row = slots[t.slot_base + (std::size_t{1} << t.slot_bits)];
  }
  if (next_row != rows.size()) return false;
  for (std::size_t i = 0; i < tuples.size(); ++i) {
    const std::size_t n = (std::size_t{1} << tuples[i].slot_bits) + 1;
    const std::uint32_t* s = slots.data() + tuples[i].slot_base;
    for (std::size_t j = 0; j < n; ++j) {
      if (s[j] > rows.size() || (j > 0 && s[j] < s[j - 1])) return false;
      if (j > 0) {  // rows of a slot in strictly increasing id order, none better than the tuple's
        for (std::uint32_t r = s[j - 1]; r < s[j]; ++r) {
          if (rows[r].id < tuples[i].best || (r > s[j - 1] && rows[r].id <= rows[r - 1].id))
            return false;
        }
      }
    }
  }
  out.tuples_ = std::move(tuples);
  out.slots_ = std::move(slots);
  out.rows_ = std::move(rows);
  return true;
}

}  // namespace lacl
