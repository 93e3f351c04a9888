// The artifact loader: load_artifact, load_artifact_file and inspect_artifact refuse, with a
// reason, any file that is not exactly what artifact_write.cpp writes, and prove the classifier
// in it exact before it serves (see lacl/artifact.hpp).
#include "lacl/artifact.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <new>
#include <nlohmann/json.hpp>
#include <utility>

#include "artifact_codec.hpp"
#include "lacl/isa.hpp"

namespace lacl {
namespace {

using namespace detail::artifact;  // NOLINT(google-build-using-namespace): the codec

// ---- the sections -------------------------------------------------------------------------

ArtifactMeta read_meta(std::span<const std::byte> s) {
  Reader r(s, "meta");
  ArtifactMeta m;
  m.source_digest = r.u64("the source digest");
  m.tool_version = r.str("the tool version");
  m.options = r.str("the options");
  m.source_name = r.str("the source name");
  m.source_format = r.str("the source format");
  r.finish();
  return m;
}

// The stored report is informational, so it is read leniently: a key this lacl does not know
// is ignored and a missing one keeps its default; but a key of the wrong type or range, which
// only damage can produce, refuses the file.
class ReportReader {
 public:
  explicit ReportReader(const nlohmann::json& j) : j_(j) {}

  void get(const char* object, const char* key, double& out) const {
    if (const nlohmann::json* v = at(object, key)) {
      if (!v->is_number()) refuse("malformed compile report: '%s' is not a number", key);
      out = v->get<double>();
    }
  }
  void get(const char* object, const char* key, std::uint32_t& out) const {
    if (const nlohmann::json* v = at(object, key)) {
      if (!v->is_number_unsigned() || v->get<std::uint64_t>() > 0xFFFFFFFFu) {
        refuse("malformed compile report: '%s' is not a 32-bit unsigned integer", key);
      }
      out = static_cast<std::uint32_t>(v->get<std::uint64_t>());
    }
  }
  void get(const char* object, const char* key, std::string& out) const {
    if (const nlohmann::json* v = at(object, key)) {
      if (!v->is_string()) refuse("malformed compile report: '%s' is not a string", key);
      out = v->get<std::string>();
    }
  }
  void get(const char* object, const char* key, std::vector<std::string>& out) const {
    if (const nlohmann::json* v = at(object, key)) {
      if (!v->is_array()) refuse("malformed compile report: '%s' is not an array", key);
      for (const nlohmann::json& e : *v) {
        if (!e.is_string()) refuse("malformed compile report: '%s' holds a non-string", key);
        out.push_back(e.get<std::string>());
      }
    }
  }

 private:
  const nlohmann::json* at(const char* object, const char* key) const {
    const nlohmann::json* o = &j_;
    if (object != nullptr) {
      auto it = j_.find(object);
      if (it == j_.end()) return nullptr;
      if (!it->is_object()) refuse("malformed compile report: '%s' is not an object", object);
      o = &*it;
    }
    auto it = o->find(key);
    return it == o->end() ? nullptr : &*it;
  }

  const nlohmann::json& j_;
};

CompileReport read_report(std::span<const std::byte> s) {
  const std::string_view text(reinterpret_cast<const char*>(s.data()), s.size());
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) refuse("malformed compile report: section 'report' is not valid JSON");
  if (!j.is_object()) refuse("malformed compile report: not a JSON object");
  const ReportReader r(j);
  CompileReport rep;
  r.get(nullptr, "tuning", rep.tuning);
  r.get("knobs", "epsilon", rep.epsilon);
  r.get("knobs", "max_collisions", rep.max_collisions);
  r.get("knobs", "max_pieces", rep.max_pieces);
  r.get("knobs", "whole_search", rep.whole_search);
  r.get("remainder", "algorithm", rep.remainder_algorithm);
  r.get("time_ms", "partition", rep.partition_ms);
  r.get("time_ms", "index", rep.index_ms);
  r.get("time_ms", "remainder", rep.remainder_ms);
  r.get("time_ms", "tuning", rep.tuning_ms);
  r.get("time_ms", "total", rep.total_ms);
  return rep;
}

const char* empty_range(const detail::RuleRow& r) {
  if (r.src_lo > r.src_hi) return "src_ip";
  if (r.dst_lo > r.dst_hi) return "dst_ip";
  if (r.sport_lo > r.sport_hi) return "src_port";
  if (r.dport_lo > r.dport_hi) return "dst_port";
  if (r.proto_lo > r.proto_hi) return "proto";
  return nullptr;
}

bool same_rule(const detail::RuleRow& a, const detail::RuleRow& b) {
  return a.src_lo == b.src_lo && a.src_hi == b.src_hi && a.dst_lo == b.dst_lo &&
         a.dst_hi == b.dst_hi && a.sport_lo == b.sport_lo && a.sport_hi == b.sport_hi &&
         a.dport_lo == b.dport_lo && a.dport_hi == b.dport_hi && a.proto_lo == b.proto_lo &&
         a.proto_hi == b.proto_hi && a.id == b.id;
}

// Where each rule was seen: in which structure (an index, or the remainder), and for a field
// index, its first and last interval, how many intervals list it and its first row.
class Cover {
 public:
  static constexpr std::uint8_t kRemainder = 0xFF;

  explicit Cover(std::size_t rules)
      : owner_(rules, 0), first_(rules), last_(rules), count_(rules), row_(rules) {}

  /// Records that interval `j` of index `owner` lists `rows[k]`.
  void listed(std::uint8_t owner, std::span<const detail::RuleRow> rows, std::uint32_t k,
              std::uint32_t j, const char* where) {
    const RuleId id = rows[k].id;
    if (owner_[id] == 0) {
      owner_[id] = owner;
      first_[id] = last_[id] = j;
      count_[id] = 1;
      row_[id] = k;
      ids_.push_back(id);
      return;
    }
    if (owner_[id] != owner) refuse("bad rule cover: rule %u is in two places", id);
    if (owner == kRemainder) refuse("bad rule cover: rule %u occurs twice in the remainder", id);
    if (!same_rule(rows[k], rows[row_[id]]))
      refuse("bad %s: the pieces of rule %u differ", where, id);
    last_[id] = j;
    ++count_[id];
  }
  /// The rules first seen since the last call.
  std::vector<RuleId> take_new() { return std::exchange(ids_, {}); }
  std::uint32_t first(RuleId id) const { return first_[id]; }
  std::uint32_t last(RuleId id) const { return last_[id]; }
  std::uint32_t count(RuleId id) const { return count_[id]; }
  std::uint32_t row(RuleId id) const { return row_[id]; }
  /// Refuses unless every rule was seen.
  void check_complete() const {
    for (std::size_t id = 0; id < owner_.size(); ++id) {
      if (owner_[id] == 0)
        refuse("bad rule cover: rule %zu is in no index and not in the remainder", id);
    }
  }

 private:
  std::vector<std::uint8_t> owner_;
  std::vector<std::uint32_t> first_, last_, count_, row_;
  std::vector<RuleId> ids_;
};

// Reads `n` rule rows, checking ids and ranges.
detail::AlignedVector<detail::RuleRow> read_rows(Reader& r, std::size_t n, std::uint64_t rule_count,
                                                 const char* where) {
  detail::AlignedVector<detail::RuleRow> rows;
  rows.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const detail::RuleRow row = r.row("a rule row");
    if (row.id >= rule_count) {
      refuse("index out of range: %s row %zu has rule id %u (rule count %llu)", where, i, row.id,
             static_cast<Ull>(rule_count));
    }
    if (const char* f = empty_range(row)) {
      refuse("bad rule row: %s row %zu has an empty %s range", where, i, f);
    }
    rows.push_back(row);
  }
  return rows;
}

// One field index. Besides what RangeIndex::assemble proves (the window of every value holds
// its interval), the candidate lists must be exact: interval j lists, in strictly increasing
// id order, precisely the rules of this index whose range on the field meets it, at most one
// per merged iSet. The lookup takes interval 0 for values below the first key, so a rule's
// intervals are slot(lo) .. slot(hi) with slot(v) = the last j with key_j <= v, or 0.
ISetIndex read_index(Reader& r, std::size_t i, std::uint64_t rule_count, Cover& cover) {
  char where[40];
  std::snprintf(where, sizeof where, "iSet index %zu", i);
  const std::uint32_t field = r.u8("an index's field");
  const std::uint32_t whole = r.u8("an index's search");  // 0 through the model, 1 whole
  r.zeros(2, "an index's reserved bytes");
  if (field >= kNumFields) {
    refuse("index out of range: %s field %u (fields are 0 to %zu)", where, field, kNumFields - 1);
  }
  ISetIndex s;
  s.field = static_cast<Field>(field);
  s.isets = r.u32("an index's iSet count");
  s.rules = r.u32("an index's rule count");
  const std::uint32_t shift = r.u32("an index's radix shift");
  const std::uint32_t domain_max = r.u32("an index's domain max");
  const std::uint32_t layout = r.u32("an index's list layout");
  if (layout > kLanesLayout) refuse("bad %s: unknown list layout %u", where, layout);
  // The lookup takes a field value as it is, so the index must cover the field's whole domain,
  // and a shift of 32 or more would be undefined on a 32-bit value.
  if (domain_max != kFieldMax[field]) {
    refuse("bad %s: domain max %u, but field %s ends at %u", where, domain_max, field_name(s.field),
           kFieldMax[field]);
  }
  if (shift >= 32) refuse("bad %s: radix shift %u", where, shift);
  if (s.isets == 0 || s.isets > CompileOptions::kMaxISets) {
    refuse("bad %s: %u iSets (1 to %u)", where, s.isets, CompileOptions::kMaxISets);
  }
  const std::uint64_t nkeys = r.u64("an index's key count");
  const std::uint64_t nsegs = r.u64("an index's segment count");
  const std::uint64_t nradix = r.u64("an index's radix count");
  const std::uint64_t noffsets = r.u64("an index's offset count");
  const std::uint64_t nrows = r.u64("an index's row count");
  if (nkeys == 0) refuse("bad %s: no keys", where);
  if (whole > 1) refuse("bad %s: unknown search %u", where, whole);
  if (whole == 1 && nkeys > kWholeSearchMax) {
    refuse("bad %s: searched whole, but %llu intervals (at most %u)", where,
           static_cast<Ull>(nkeys), kWholeSearchMax);
  }
  s.whole = whole == 1;
  // Without offsets, interval j's one candidate is row j.
  if (noffsets != 0 && noffsets != nkeys + 1) {
    refuse("bad %s: %llu offsets for %llu intervals (expected none or one more)", where,
           static_cast<Ull>(noffsets), static_cast<Ull>(nkeys));
  }

  detail::AlignedVector<std::uint32_t> keys(r.count(nkeys, 4, "the keys"));
  for (auto& k : keys)
    k = r.u32("a key");
  detail::AlignedVector<RangeIndex::Segment> segs(r.count(nsegs, 16, "the segments"));
  for (auto& g : segs) {
    g.key = r.u32("a segment");
    g.base = r.u32("a segment");
    g.slope = r.u32("a segment");
    g.below = static_cast<std::uint16_t>(r.u16("a segment"));
    g.above = static_cast<std::uint16_t>(r.u16("a segment"));
  }
  detail::AlignedVector<std::uint32_t> radix(r.count(nradix, 4, "the radix table"));
  for (auto& x : radix)
    x = r.u32("a radix entry");
  s.offsets.resize(r.count(noffsets, 4, "the offsets"));
  for (auto& x : s.offsets)
    x = r.u32("an offset");
  s.rows = read_rows(r, r.count(nrows, 32, "the rows"), rule_count, where);

  const std::size_t n = keys.size();
  if (s.offsets.empty()) {
    if (s.rows.size() != n) {
      refuse("bad %s: no offsets, but %zu rows for %zu intervals", where, s.rows.size(), n);
    }
  } else if (s.offsets[0] != 0 || s.offsets.back() != s.rows.size()) {
    refuse("bad %s: the offsets do not span the %zu rows", where, s.rows.size());
  }
  auto begin = [&](std::size_t j) {
    return static_cast<std::uint32_t>(s.offsets.empty() ? j : s.offsets[j]);
  };
  for (std::size_t j = 0; j < n; ++j) {
    if (begin(j + 1) < begin(j)) refuse("bad %s: offset %zu decreases", where, j + 1);
    if (begin(j + 1) - begin(j) > s.isets) {
      refuse("bad %s: interval %zu lists %u candidates, more than its %u iSets", where, j,
             begin(j + 1) - begin(j), s.isets);
    }
  }
  if (!RangeIndex::assemble(s.index, std::move(keys), std::move(segs), std::move(radix), shift,
                            domain_max)) {
    refuse(
        "bad %s (%s): the index does not verify (key order, segments, radix table or error "
        "bounds)",
        where, field_name(s.field));
  }

  const auto owner = static_cast<std::uint8_t>(i + 1);
  for (std::uint32_t j = 0; j < n; ++j) {
    for (std::uint32_t k = begin(j); k < begin(j + 1); ++k) {
      if (k > begin(j) && s.rows[k].id <= s.rows[k - 1].id) {
        refuse("bad %s: the candidates of interval %u are not in priority order", where, j);
      }
      cover.listed(owner, s.rows, k, j, where);
    }
  }
  const std::vector<RuleId> ids = cover.take_new();
  if (ids.size() != s.rules) {
    refuse("bad %s: %zu distinct rules, its header says %u", where, ids.size(), s.rules);
  }
  for (RuleId id : ids) {
    const Range range = s.rows[cover.row(id)].range(s.field);
    const std::uint32_t a = s.index.slot_of(range.lo);
    const std::uint32_t b = s.index.slot_of(range.hi);
    if (cover.first(id) != a || cover.last(id) != b || cover.count(id) != b - a + 1) {
      refuse("bad %s: rule %u is listed in %u intervals within %u..%u, its range meets %u..%u",
             where, id, cover.count(id), cover.first(id), cover.last(id), a, b);
    }
  }
  if (layout == kLanesLayout) {
    if (s.offsets.empty()) refuse("bad %s: lanes layout without candidate lists", where);
    if (!s.use_lanes(true)) {
      refuse("bad %s: lanes layout, but a candidate list does not cover its interval whole",
             where);
    }
  }
  return s;
}

bool is_prefix_mask(std::uint32_t m) {
  return m == 0 || std::has_single_bit(~m + 1u);
}

// The remainder is exact when every rule sits in the slot every packet it matches hashes to:
// the tuple's masks keep only bits that are equal over the rule's ranges (a prefix mask within
// an address range's common prefix; a port or the protocol only when exact), and the rule is
// in the slot of its own low corner.
void check_remainder_exact(const TupleSpace& ts) {
  const auto tuples = ts.tuples();
  const auto slots = ts.slots();
  const auto rows = ts.rows();
  for (std::size_t t = 0; t < tuples.size(); ++t) {
    const TupleSpace::Tuple& tp = tuples[t];
    const std::uint32_t sport_mask = tp.port_mask >> 16;
    const std::uint32_t dport_mask = tp.port_mask & 0xFFFFu;
    if (!is_prefix_mask(tp.src_mask) || !is_prefix_mask(tp.dst_mask) ||
        (sport_mask != 0 && sport_mask != 0xFFFFu) || (dport_mask != 0 && dport_mask != 0xFFFFu)) {
      refuse("bad remainder: tuple %zu has a mask that is not a prefix", t);
    }
    const std::size_t nslots = std::size_t{1} << tp.slot_bits;
    for (std::size_t s = 0; s < nslots; ++s) {
      for (std::uint32_t i = slots[tp.slot_base + s]; i < slots[tp.slot_base + s + 1]; ++i) {
        const detail::RuleRow& row = rows[i];
        const bool fixed = (row.src_lo & tp.src_mask) == (row.src_hi & tp.src_mask) &&
                           (row.dst_lo & tp.dst_mask) == (row.dst_hi & tp.dst_mask) &&
                           (sport_mask == 0 || row.sport_lo == row.sport_hi) &&
                           (dport_mask == 0 || row.dport_lo == row.dport_hi) &&
                           (tp.proto_mask == 0 || row.proto_lo == row.proto_hi);
        if (!fixed)
          refuse("bad remainder: tuple %zu masks bits that rule %u does not fix", t, row.id);
        const PacketKey corner{row.src_lo, row.dst_lo, row.sport_lo, row.dport_lo, row.proto_lo};
        const std::uint32_t want = TupleSpace::slot_of(tp, corner);
        if (want != s) {
          refuse("bad remainder: rule %u is in slot %zu of tuple %zu, its hash says %u", row.id, s,
                 t, want);
        }
      }
    }
  }
}

struct Remainder {
  TupleSpace tuples;
  BitVectors bits;
  CutTree tree;
};

// tree_leaf: the leaf size of a remainder held as a cut tree (from the classifier section's
// flags), 0 when it is not one.
Remainder read_remainder(std::span<const std::byte> s, std::uint32_t version,
                         std::uint64_t rule_count, std::uint32_t tree_leaf, Cover& cover) {
  Reader r(s, "remainder");
  const std::uint64_t ntuples = r.u64("the tuple count");
  const std::uint64_t nslots = r.u64("the slot count");
  const std::uint64_t nrows = r.u64("the row count");
  detail::AlignedVector<TupleSpace::Tuple> tuples(r.count(ntuples, 32, "the tuples"));
  for (auto& t : tuples) {
    t.src_mask = r.u32("a tuple");
    t.dst_mask = r.u32("a tuple");
    t.port_mask = r.u32("a tuple");
    t.proto_mask = r.u32("a tuple");
    t.slot_base = r.u32("a tuple");
    t.slot_bits = r.u32("a tuple");
    t.best = r.u32("a tuple");
    t.reserved = 0;
    r.zeros(4, "a tuple's reserved field");
  }
  detail::AlignedVector<std::uint32_t> slots(r.count(nslots, 4, "the slot offsets"));
  for (auto& x : slots)
    x = r.u32("a slot offset");
  auto rows = read_rows(r, r.count(nrows, 32, "the rows"), rule_count, "remainder");
  r.finish();
  for (std::uint32_t k = 0; k < rows.size(); ++k)
    cover.listed(Cover::kRemainder, rows, k, 0, "remainder");
  (void)cover.take_new();
  Remainder out;
  const bool rows_only = tuples.empty() && slots.empty() && !rows.empty();
  const char* kind = tree_leaf != 0 ? "cut-tree" : "bit-vector";
  if (rows_only && (version >= 2 || tree_leaf != 0)) {
    for (std::size_t k = 1; k < rows.size(); ++k) {
      if (rows[k].id <= rows[k - 1].id) {
        refuse("bad remainder: %s row %zu (rule %u) is not after rule %u", kind, k, rows[k].id,
               rows[k - 1].id);
      }
    }
  }
  if (tree_leaf != 0) {
    if (!tuples.empty() || !slots.empty())
      refuse("bad remainder: a cut tree's remainder holds tuples or slots");
    std::optional<CutTree> tree = CutTree::build(rows, tree_leaf, CutTree::kMaxBytes);
    if (!tree) {
      refuse("bad remainder: a cut tree of %zu rules would take more than %zu bytes", rows.size(),
             CutTree::kMaxBytes);
    }
    out.tree = std::move(*tree);
    return out;
  }
  if (version >= 2 && rows_only) {  // bit vectors
    std::optional<BitVectors> bits = BitVectors::build(rows, BitVectors::kMaxBytes);
    if (!bits) {
      refuse("bad remainder: bit vectors of %zu rules would take more than %zu bytes",
             rows.size(), BitVectors::kMaxBytes);
    }
    out.bits = std::move(*bits);
    return out;
  }
  TupleSpace& ts = out.tuples;
  if (!TupleSpace::assemble(ts, std::move(tuples), std::move(slots), std::move(rows))) {
    refuse(
        "bad remainder: the tuple space does not verify (tuple order, slot offsets or row "
        "order)");
  }
  check_remainder_exact(ts);
  return out;
}

struct Loaded {
  Container container;
  ArtifactMeta meta;
  Classifier classifier;
};

Loaded load(std::span<const std::byte> bytes) {
  Loaded out;
  out.container = open_container(bytes);
  const auto& sec = out.container.section;
  out.meta = read_meta(sec[kMeta]);
  CompileReport report = read_report(sec[kReport]);

  Reader sum(sec[kSummary], "classifier");
  const std::uint64_t rule_count = sum.u64("the rule count");
  const Action default_action = sum.action("the default action");
  const std::uint32_t batch = sum.u32("the batch");
  // Since version 3, flags (kFinalRulesFlag; since version 4, kCutTreeFlag and the leaf size);
  // before, a reserved zero.
  std::uint32_t flags = 0;
  std::uint32_t tree_leaf = 0;
  if (out.container.version >= 3) {
    flags = sum.u32("the flags");
    const std::uint32_t known =
        kFinalRulesFlag | (out.container.version >= 4 ? kCutTreeFlag | kTreeLeafMask : 0u);
    if ((flags & ~known) != 0) {
      refuse("section 'classifier': unknown flags 0x%x", flags & ~known);
    }
    const std::uint32_t leaf = (flags & kTreeLeafMask) >> kTreeLeafShift;
    if ((flags & kCutTreeFlag) != 0) {
      if (leaf == 0) refuse("section 'classifier': a cut tree with leaves of 0 rules");
      tree_leaf = leaf;
    } else if (leaf != 0) {
      refuse("section 'classifier': a leaf size (%u) without a cut tree", leaf);
    }
  } else {
    sum.zeros(4, "the reserved field");
  }
  sum.finish();
  if (rule_count >= kNoMatch) {
    refuse("index out of range: rule count %llu (at most %u)", static_cast<Ull>(rule_count),
           kNoMatch - 1);
  }
  if (batch == 0) refuse("section 'classifier': batch 0");

  Reader act(sec[kActions], "actions");
  std::vector<Action> actions(act.count(rule_count, 4, "the actions"));
  for (Action& a : actions)
    a = act.action("a rule's action");
  act.finish();

  Cover cover(actions.size());
  Reader is(sec[kISets], "isets");
  const std::uint64_t nindex = is.u64("the index count");
  // The lookup keeps one view per index on its stack, sized for kMaxISets: each index merges
  // one or more iSets, so there are never more indexes than that.
  if (nindex > CompileOptions::kMaxISets) {
    refuse("index out of range: %llu iSet indexes (at most %u)", static_cast<Ull>(nindex),
           CompileOptions::kMaxISets);
  }
  std::vector<ISetIndex> isets;
  std::size_t layers = 0;
  for (std::size_t i = 0; i < nindex; ++i) {
    isets.push_back(read_index(is, i, rule_count, cover));
    layers += isets.back().isets;
  }
  is.finish();
  if (layers > CompileOptions::kMaxISets) {
    refuse("index out of range: the indexes merge %zu iSets (at most %u)", layers,
           CompileOptions::kMaxISets);
  }
  Remainder rem =
      read_remainder(sec[kRemainder], out.container.version, rule_count, tree_leaf, cover);
  cover.check_complete();

  out.classifier = Classifier::assemble(static_cast<std::size_t>(rule_count), default_action,
                                        std::move(actions), std::move(isets), std::move(rem.tuples),
                                        std::move(rem.bits), std::move(rem.tree), batch,
                                        (flags & kFinalRulesFlag) != 0, std::move(report));
  return out;
}

template <class T, class F>
Result<T> guarded(std::string_view name, F&& f) {
  try {
    // The classifier takes the lookup ISA from LACL_ISA when set: a bad value is an error here,
    // never a silent fallback.
    if (auto isa = select_isa(); !isa) return Error{std::string(name) + ": " + isa.error().message};
    return f();
  } catch (const Refusal& r) {
    return Error{std::string(name) + ": " + r.reason};
  } catch (const std::bad_alloc&) {
    return Error{std::string(name) + ": out of memory while loading"};
  } catch (const std::exception& e) {
    return Error{std::string(name) + ": internal error while loading: " + e.what()};
  }
}

}  // namespace

Result<Classifier> load_artifact(std::span<const std::byte> bytes, std::string_view name) {
  return guarded<Classifier>(name, [&] { return std::move(load(bytes).classifier); });
}

Result<ArtifactInfo> inspect_artifact(std::span<const std::byte> bytes, std::string_view name) {
  return guarded<ArtifactInfo>(name, [&] {
    Loaded l = load(bytes);
    ArtifactInfo info;
    info.version = l.container.version;
    info.file_bytes = l.container.file_bytes;
    info.file_crc32c = l.container.file_crc;
    info.meta = std::move(l.meta);
    info.report = l.classifier.report();
    info.default_action = l.classifier.default_action();
    info.sections = std::move(l.container.table);
    return info;
  });
}

Result<Classifier> load_artifact_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{os_error(path, "cannot open")};
  std::vector<std::byte> bytes;
  std::array<std::byte, 1 << 16> buf;
  try {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      bytes.reserve(static_cast<std::size_t>(st.st_size));
    }
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Error e{os_error(path, "cannot read")};
        ::close(fd);
        return e;
      }
      if (n == 0) break;
      bytes.insert(bytes.end(), buf.begin(), buf.begin() + n);
    }
  } catch (const std::bad_alloc&) {
    ::close(fd);
    return Error{path + ": out of memory while reading"};
  }
  ::close(fd);
  return load_artifact(bytes, path);
}

}  // namespace lacl
