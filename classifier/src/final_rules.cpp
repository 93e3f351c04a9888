#include "lacl/detail/final_rules.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <utility>

#include "lacl/detail/radix_sort.hpp"

namespace lacl::detail {
namespace {

// Rows that meet meet on both addresses, so the search groups the later rows by address. A
// range's level is the size, as a power of two, of the smallest aligned block that holds it (0
// for one value, 8 for a /24, 32 for the whole space). A store for queries of level at most
// `narrow` on a field raises every level on it to narrow or a multiple of kStep above: a row
// lies in one block of its raised level, and so does a query, and two ranges in blocks of the
// same size meet only if the blocks are the same one. So each group of raised levels is one
// block to look in. Stores of narrow 8, 16, 24 and 28 keep the blocks small for narrow
// queries and still serve wider ones; the step keeps the groups few.
constexpr unsigned kStep = 4;
constexpr unsigned kMaxLevels = (32 - 8) / kStep + 1;  // raised levels 8, 12 .. 32

unsigned level(std::uint32_t lo, std::uint32_t hi) {
  return static_cast<unsigned>(std::bit_width(lo ^ hi));
}
// The block of value v at level l (a 64-bit shift: at level 32 every value is in block 0).
std::uint64_t block(std::uint32_t v, unsigned l) {
  return std::uint64_t{v} >> l;
}

// The stores' narrows, and the smallest that a level fits (32 for none).
constexpr std::array<unsigned, 4> kNarrows = {8, 16, 24, 28};
unsigned narrow_for(unsigned l) {
  for (unsigned n : kNarrows)
    if (l <= n) return n;
  return 32;
}

// Which address fields a store groups by: both, the destination only (for queries wide on the
// source) or the source only.
enum class Keyed { kBoth, kDst, kSrc };

// A row's structure rides in its reserved bits (the rows here are copies).
std::uint32_t structure(const RuleRow& r) {
  return r.reserved;
}

// The later structures' rows, grouped by raised levels on the keyed fields and within a group
// by block; each block's rows in id order.
class Store {
 public:
  // Rebuilds the store over `later` (the rows by id, which it refers to), reusing its memory.
  void build(std::span<const RuleRow> later, Keyed keyed, unsigned narrow, bool by_port,
             bool by_proto) {
    later_ = later;
    keyed_ = keyed;
    narrow_ = narrow;
    by_port_ = by_port;
    by_proto_ = by_proto;
    slots_.clear();
    used_.clear();
    groups_.fill(Group{});
    // Each row's block, counted in its slot; then the rows placed block by block, still in id
    // order within each.
    table_.assign(std::bit_ceil(2 * later.size() + 1), 0);
    mask_ = table_.size() - 1;
    slot_of_.resize(later.size());
    for (std::size_t i = 0; i < later.size(); ++i) {
      const Key k = composite(later[i], group_of(later[i]), port_of(later[i]));
      std::uint32_t& at = table_[find(k)];
      if (at == 0) {
        slots_.push_back({k, 0, 0});
        at = static_cast<std::uint32_t>(slots_.size());
      }
      ++slots_[at - 1].end;  // a count until the placement below
      slot_of_[i] = at - 1;
    }
    std::uint32_t begin = 0;
    for (Slot& slot : slots_) {
      const std::uint32_t count = slot.end;
      slot.begin = slot.end = begin;  // end advances as rows are placed
      begin += count;
      Group& g = groups_[slot.key.blocks >> kGroupShift];
      g.used = true;
      g.combos = static_cast<std::uint8_t>(g.combos | 1u << combo(slot.key.port));
    }
    rows_.resize(later.size());
    for (std::uint32_t i = 0; i < later.size(); ++i) {
      Slot& slot = slots_[slot_of_[i]];
      rows_[slot.end++] = i;
      Group& g = groups_[slot.key.blocks >> kGroupShift];
      g.first_id = std::min(g.first_id, later[i].id);
      g.last_structure = std::max(g.last_structure, structure(later[i]));
    }
    for (std::uint32_t g = 0; g < groups_.size(); ++g)
      if (groups_[g].used) used_.push_back(g);
  }

  // Whether a row of a structure after s, of a smaller id, meets r, whose level on the keyed
  // fields is at most the store's narrow. Each row looked at costs one of `budget`; once it is
  // spent, the answer is yes.
  bool beaten(const RuleRow& r, std::uint32_t s, std::int64_t& budget) const {
    // By port and protocol: the rows of r's destination port and protocol, then those of a
    // range of either.
    const std::uint32_t mine = port_of(r);
    const std::uint32_t port = mine & kPortMask, proto = mine & kProtoMask;
    for (std::uint32_t gi : used_) {
      const Group& g = groups_[gi];
      if (g.first_id >= r.id || g.last_structure <= s) continue;
      for (const std::uint32_t p : {port, 0u}) {
        for (const std::uint32_t t : {proto, 0u}) {
          if (g.combos >> combo(t | p) & 1) {
            const std::uint32_t at = table_[find(composite(r, gi, t | p))];
            if (at != 0 && scan(slots_[at - 1], r, s, budget)) return true;
          }
          if (t == 0) break;
        }
        if (p == 0) break;
      }
    }
    return false;
  }

 private:
  static constexpr unsigned kGroupShift = 48;  // a composite key: group, source, destination
  struct Key {
    std::uint64_t blocks = 0;  // group, source block, destination block
    std::uint32_t port = 0;    // port_of
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct Slot {
    Key key;
    std::uint32_t begin = 0, end = 0;
  };
  // Which of the port keys (one port or a range, one protocol or a range) a key has.
  static unsigned combo(std::uint32_t port) {
    return ((port & kPortMask) != 0 ? 1u : 0u) | ((port & kProtoMask) != 0 ? 2u : 0u);
  }
  struct Group {
    bool used = false;
    std::uint8_t combos = 0;  // a bit per combo of its keys
    RuleId first_id = kNoMatch;
    std::uint32_t last_structure = 0;
  };

  // Whether a row of slot's, of a smaller id than r's and a structure after s, meets r.
  bool scan(const Slot& slot, const RuleRow& r, std::uint32_t s, std::int64_t& budget) const {
    for (std::uint32_t j = slot.begin; j < slot.end; ++j) {
      const RuleRow& q = later_[rows_[j]];
      if (q.id >= r.id) return false;
      if (--budget < 0 || (structure(q) > s && q.overlaps(r))) return true;
    }
    return false;
  }

  unsigned levels() const { return (32 - narrow_) / kStep + 1; }
  // A range's raised level, as steps above narrow_.
  unsigned raised(std::uint32_t lo, std::uint32_t hi) const {
    return (std::max(level(lo, hi), narrow_) - narrow_ + kStep - 1) / kStep;
  }
  std::uint32_t group_of(const RuleRow& r) const {
    const unsigned s = raised(r.src_lo, r.src_hi);
    const unsigned d = raised(r.dst_lo, r.dst_hi);
    switch (keyed_) {
      case Keyed::kBoth:
        return s * levels() + d;
      case Keyed::kDst:
        return d;
      case Keyed::kSrc:
        return s;
    }
    return 0;
  }
  // With by_port_, one destination port plus one (0 for a range of them), and with by_proto_,
  // one protocol plus one (0 for a range), above it.
  static constexpr std::uint32_t kPortMask = 0x1FFFF, kProtoMask = ~kPortMask;
  std::uint32_t port_of(const RuleRow& r) const {
    const std::uint32_t port = by_port_ && r.dport_lo == r.dport_hi ? r.dport_lo + 1u : 0u;
    const std::uint32_t proto = by_proto_ && r.proto_lo == r.proto_hi ? r.proto_lo + 1u : 0u;
    return proto << 17 | port;
  }
  // Group g's block that holds row r: group, source block, destination block (24 bits each,
  // as a raised level is at least 8), and `port`.
  Key composite(const RuleRow& r, std::uint32_t g, std::uint32_t port) const {
    const unsigned s = (keyed_ == Keyed::kBoth ? g / levels() : g) * kStep + narrow_;
    const unsigned d = (keyed_ == Keyed::kBoth ? g % levels() : g) * kStep + narrow_;
    const std::uint64_t src = keyed_ == Keyed::kDst ? 0 : block(r.src_lo, s);
    const std::uint64_t dst = keyed_ == Keyed::kSrc ? 0 : block(r.dst_lo, d);
    return {std::uint64_t{g} << kGroupShift | src << 24 | dst, port};
  }
  // The slot of `key`, or the empty slot where it would go.
  std::size_t find(const Key& key) const {
    std::uint64_t h = key.blocks ^ std::uint64_t{key.port} * 0x9E3779B97F4A7C15ull;
    h = (h ^ h >> 33) * 0xFF51AFD7ED558CCDull;  // MurmurHash3's 64-bit finaliser
    h = (h ^ h >> 33) * 0xC4CEB9FE1A85EC53ull;
    std::size_t i = (h ^ h >> 33) & mask_;
    while (table_[i] != 0 && slots_[table_[i] - 1].key != key)
      i = (i + 1) & mask_;
    return i;
  }

  std::span<const RuleRow> later_;
  Keyed keyed_ = Keyed::kBoth;
  unsigned narrow_ = 8;
  bool by_port_ = false, by_proto_ = false;
  std::vector<std::uint32_t> slot_of_;  // while building: each row's slot
  std::vector<Slot> slots_;             // a block's rows: rows_[begin .. end)
  std::vector<std::uint32_t> table_;    // by hash of the key: its slot plus one, 0 for none
  std::vector<std::uint32_t> rows_;     // indexes in later_, by (block, id)
  std::size_t mask_ = 0;
  std::array<Group, kMaxLevels * kMaxLevels> groups_{};
  std::vector<std::uint32_t> used_;
};

}  // namespace

std::vector<std::uint64_t> final_rules(std::span<const RuleRow> rows,
                                       std::span<const std::uint32_t> structure_of,
                                       std::uint32_t structures, std::int64_t per_row) {
  RuleId top = 0;
  for (const RuleRow& r : rows)
    top = std::max(top, r.id);
  std::vector<std::uint64_t> finals(rows.empty() ? 0 : final_rules_words(top));
  std::vector<std::uint64_t> beaten(finals.size(), 0);
  auto bit = [](std::vector<std::uint64_t>& v, RuleId id) -> void {
    v[id / 64] |= std::uint64_t{1} << (id % 64);
  };
  // Only a later structure's row can beat one: the first structure's rows are never looked at.
  std::vector<RuleRow> later;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (structure_of[i] == 0) continue;
    later.push_back(rows[i]);
    later.back().reserved = static_cast<std::uint16_t>(structure_of[i]);
  }
  radix_sort(
      later, [](const RuleRow& r) { return std::uint64_t{r.id}; }, 32);

  // Each row that needs a search, by the store that serves it: how keyed, narrow (kNarrows),
  // whether by port and by protocol; kWide for rows wide on both addresses. The rows of one
  // store are searched together, so that one store's memory serves them all in turn.
  constexpr std::uint32_t kWide = 3 * kNarrows.size() * 4;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> queries;  // (store, row)
  for (std::uint32_t i = 0; i < rows.size(); ++i) {
    const RuleRow& r = rows[i];
    bit(finals, r.id);
    if (structure_of[i] + 1 >= structures) continue;  // the last structure's rows are final
    const unsigned src = narrow_for(level(r.src_lo, r.src_hi));
    const unsigned dst = narrow_for(level(r.dst_lo, r.dst_hi));
    if (src == 32 && dst == 32) {
      queries.emplace_back(kWide, i);
      continue;
    }
    const Keyed k = src < 32 && dst < 32 ? Keyed::kBoth : src < 32 ? Keyed::kSrc : Keyed::kDst;
    const unsigned narrow = k == Keyed::kBoth ? std::max(src, dst) : std::min(src, dst);
    const auto n = static_cast<std::uint32_t>(std::find(kNarrows.begin(), kNarrows.end(), narrow) -
                                              kNarrows.begin());
    const std::uint32_t by =
        (r.dport_lo == r.dport_hi ? 1u : 0u) | (r.proto_lo == r.proto_hi ? 2u : 0u);
    queries.emplace_back((static_cast<std::uint32_t>(k) * kNarrows.size() + n) * 4 + by, i);
  }
  radix_sort(
      queries, [](const auto& q) { return std::uint64_t{q.first}; }, 8);
  Store store;
  // `later` by protocol, for the wide rows: rows of one protocol, then the others.
  constexpr std::size_t kProtos = 256;
  std::vector<std::vector<RuleRow>> by_proto;
  std::uint32_t built = kWide;
  for (const auto& query : queries) {
    const std::uint32_t which = query.first;
    const std::uint32_t i = query.second;  // not a structured binding: lambdas capture it
    const RuleRow& r = rows[i];
    // A rule one of whose pieces is beaten is beaten.
    if (beaten[r.id / 64] >> (r.id % 64) & 1) continue;
    std::int64_t budget = per_row;
    bool b = false;
    if (which != kWide) {
      if (which != built) {
        const std::uint32_t kn = which / 4;
        store.build(later, static_cast<Keyed>(kn / kNarrows.size()), kNarrows[kn % kNarrows.size()],
                    (which & 1) != 0, (which & 2) != 0);
        built = which;
      }
      b = store.beaten(r, structure_of[i], budget);
    } else {
      // Wide on both addresses: the later rows of a smaller id that can share its protocol,
      // in turn. Such a row is rarely final, and then because the rows before it have other
      // protocols.
      if (by_proto.empty()) {
        by_proto.resize(kProtos + 1);
        for (const RuleRow& q : later)
          by_proto[q.proto_lo == q.proto_hi ? q.proto_lo : kProtos].push_back(q);
      }
      auto scan = [&](std::span<const RuleRow> qs) {
        for (const RuleRow& q : qs) {
          if (q.id >= r.id) return false;
          if (--budget < 0 || (structure(q) > structure_of[i] && q.overlaps(r))) return true;
        }
        return false;
      };
      b = r.proto_lo == r.proto_hi ? scan(by_proto[kProtos]) || scan(by_proto[r.proto_lo])
                                   : scan(later);
    }
    if (b) bit(beaten, r.id);
  }
  for (std::size_t w = 0; w < finals.size(); ++w)
    finals[w] &= ~beaten[w];
  return finals;
}

}  // namespace lacl::detail
