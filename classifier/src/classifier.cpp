#include "lacl/classifier.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <new>
#include <numeric>

#include <time.h>

#include "field_indexes.hpp"
#include "lacl/detail/final_rules.hpp"
#include "lacl/detail/lookup_isa.hpp"
#include "lacl/detail/lookup_pipeline.hpp"
#include "lacl/partition.hpp"

namespace lacl {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

using detail::build_field_indexes;
using detail::kMaxChunk;

// A lower bound on what a linear scan costs per rule and key (one row compare on a fast core).
// It only decides whether the scan is worth measuring, never what is chosen.
constexpr double kLinearNsPerRuleFloor = 0.25;

// A cut tree's leaf size before the tuner measures others (8 and 32): on acl5_10k's trace, 12
// to 16 ran fastest (4 to 32 tried; AVX2).
constexpr std::uint32_t kDefaultTreeLeaf = 16;

class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n) for n >= 1 (up to a bias of n / 2^64): the high half of a 64 x 64-bit
  /// product, where a division cost several times as much (the draws were 8% of a compile).
  std::uint64_t below(std::uint64_t n) noexcept {
    __extension__ using U128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<U128>(next()) * n) >> 64);
  }
  std::uint32_t in(const Range& r) noexcept {
    return static_cast<std::uint32_t>(r.lo + below(std::uint64_t{r.hi} - r.lo + 1));
  }

 private:
  std::uint64_t s_;
};

// Synthetic traffic for tuning, drawn from the rules like a ClassBench trace: each field at a
// corner of a random rule's range or inside it, plus a share of uniformly random headers that
// exercise the no-match paths. Like ClassBench's trace generator, each header comes in a run
// of ceil(0.1 / U) copies (U uniform in (0, 1]: nine runs in ten are single packets, the rest
// a heavy tail), here cut at one chunk: packets of a flow arrive together, and whether the
// lookup's branches see the same key twice in a row changes which layout is faster.
std::vector<PacketKey> tuning_traffic(std::span<const Rule> rules, std::size_t n,
                                      std::uint64_t seed) {
  SplitMix rng(seed);
  std::vector<PacketKey> keys;
  keys.reserve(n);
  while (keys.size() < n) {
    PacketKey k;
    std::array<std::uint32_t, kNumFields> v{};
    if (rules.empty() || rng.below(10) == 0) {
      for (std::size_t f = 0; f < kNumFields; ++f)
        v[f] = static_cast<std::uint32_t>(rng.next() & kFieldMax[f]);
    } else {
      const Rule& r = rules[rng.below(rules.size())];
      for (std::size_t f = 0; f < kNumFields; ++f) {
        const std::uint64_t pick = rng.below(3);
        v[f] = pick == 0 ? r.field[f].lo : pick == 1 ? r.field[f].hi : rng.in(r.field[f]);
      }
    }
    k = {v[0], v[1], static_cast<std::uint16_t>(v[2]), static_cast<std::uint16_t>(v[3]),
         static_cast<std::uint8_t>(v[4])};
    const double u = static_cast<double>((rng.next() >> 11) + 1) * 0x1.0p-53;
    const double copies = std::min(std::ceil(0.1 / u), static_cast<double>(kMaxChunk));
    keys.insert(keys.end(), std::min(static_cast<std::size_t>(copies), n - keys.size()), k);
  }
  return keys;
}

// A candidate configuration under measurement.
struct Candidate {
  std::vector<ISetIndex> isets;
  std::size_t layers = 0;  // iSets of the partition in `isets`
  TupleSpace remainder;
  std::uint32_t batch = 32;
  detail::ClassifyFn fn = nullptr;
  BitVectors bits;                          // the remainder instead, when not empty
  CutTree tree;                             // the remainder instead, when not empty
  std::vector<detail::RuleRow> rest_rows;   // bits' or tree's rules, kept for the floors
  bool final_rules = false;                 // the lookup stops at final rules
  std::vector<std::uint64_t> finals;        // lacl::final_rules' bits, when final_rules

  std::span<const detail::RuleRow> remainder_rows() const {
    return bits.empty() && tree.empty() ? remainder.rows()
                                        : std::span<const detail::RuleRow>(rest_rows);
  }

  /// The indexes' bytes, as Classifier::bytes counts them.
  std::size_t index_bytes() const {
    std::size_t b = 0;
    for (const ISetIndex& s : isets)
      b += sizeof(s) + s.bytes();
    return b;
  }
  /// As Classifier::bytes counts them, less what every candidate holds alike (the Classifier
  /// itself, the actions and the final rules' bits).
  std::size_t bytes() const {
    return index_bytes() + remainder.bytes() + bits.bytes() + tree.bytes();
  }
};

// The storage the pipeline's views of a classifier point into.
struct Views {
  std::array<detail::ISetView, CompileOptions::kMaxISets> isets;
  detail::BitVectorsView bits;
  detail::CutTreeView tree;
};

// The pipeline's view of a classifier's parts; `views` is the storage the view points into.
detail::LookupTables tables_of(std::span<const ISetIndex> isets, const TupleSpace& remainder,
                               const BitVectors& bits, const CutTree& tree,
                               std::span<const std::uint64_t> finals, Views& views) noexcept {
  for (std::size_t i = 0; i < isets.size(); ++i) {
    const RangeIndex& ix = isets[i].index;
    const auto n = static_cast<std::uint32_t>(ix.size());
    const std::uint32_t width = isets[i].whole ? std::bit_ceil(n) : ix.search_width();
    // Blocks a window can touch: a whole search's n keys from the first, or a model's widest
    // window from anywhere in a block. Two passes of one vector compare each beat one pass
    // once the window needs more than two (measured: even at two they tie), and the first
    // pass compares at most one vector of block keys.
    constexpr std::uint32_t kBlock = RangeIndex::kBlock;
    const std::uint32_t lanes =
        isets[i].whole ? (n - 1) / kBlock + 1 : (ix.max_window() - 1) / kBlock + 2;
    views.isets[i] = {static_cast<std::uint32_t>(isets[i].field),
                      isets[i].best,
                      ix.keys()[0],
                      ix.radix_shift(),
                      n,
                      width,
                      ix.radix_steps(),
                      isets[i].whole,
                      static_cast<std::uint32_t>(ix.segments().size()),
                      ix.segment_columns().empty() ? nullptr : ix.segment_columns().data(),
                      static_cast<std::uint32_t>(ix.segment_columns().size() / 4),
                      ix.radix_table().data(),
                      ix.stored_segments().data(),
                      ix.keys().data(),
                      ix.block_keys().data(),
                      width > 2 * kBlock && lanes <= kBlock ? lanes : 0u,  // see kTwoLevelMaxWindow
                      isets[i].offsets.empty() ? nullptr : isets[i].offsets.data(),
                      isets[i].rows.data(),
                      isets[i].lanes.empty() ? nullptr : isets[i].lanes.data(),
                      isets[i].lanes.empty() ? nullptr : isets[i].links.data(),
                      isets[i].floors.data(),
                      nullptr,
                      0};
  }
  // Final rules matter only while something is left to visit: not after the last structure.
  const bool off = finals.empty();
  const std::size_t checked = remainder.size() != 0 || !bits.empty() || !tree.empty() ? isets.size()
                              : isets.empty()                                         ? 0
                                              : isets.size() - 1;
  for (std::size_t i = 0; i < checked && !off; ++i) {
    views.isets[i].finals = finals.data();
    views.isets[i].final_limit = static_cast<std::uint32_t>(finals.size() * 64 - 1);
  }
  detail::TupleSpaceView rv{remainder.tuples().data(),
                            static_cast<std::uint32_t>(remainder.tuple_count()),
                            remainder.slots().data(), remainder.rows().data()};
  const detail::BitVectorsView* bv = nullptr;
  if (!bits.empty()) {
    detail::BitVectorsView& b = views.bits;
    b.fields = static_cast<std::uint32_t>(bits.fields().size());
    b.words = static_cast<std::uint32_t>(bits.words_per_vector());
    b.chunks = static_cast<std::uint32_t>(bits.chunks_per_vector());
    b.best = bits.id_of(0);
    b.ids = bits.ids().empty() ? nullptr : bits.ids().data();
    for (std::size_t f = 0; f < bits.fields().size(); ++f) {
      const BitVectors::FieldTable& t = bits.fields()[f];
      b.field[f] = static_cast<std::uint32_t>(t.field);
      b.levels[f] = static_cast<std::uint32_t>(t.levels.size());
      for (std::size_t k = 0; k < t.levels.size(); ++k)
        b.level[f][k] = t.levels[k].data();
      b.top_width[f] = t.top_width;
      b.last[f] = t.intervals - 1;
      b.chunk_of[f] = t.chunk_of.data();
      b.chunk_words[f] = t.chunks.data();
    }
    bv = &b;
  }
  const detail::CutTreeView* tv = nullptr;
  if (!tree.empty()) {
    views.tree = {tree.nodes().data(), tree.keys().data(), tree.lanes().data(), tree.depth(),
                  tree.best()};
    tv = &views.tree;
  }
  const bool wide = std::any_of(isets.begin(), isets.end(),
                                [](const ISetIndex& s) { return s.wide_lists; });
  return {std::span(views.isets.data(), isets.size()), rv, bv, tv, wide};
}

// The pipeline's bit-vector search takes 16 keys per level, at most kMaxLevels levels (a
// 32-bit field has at most 16^8 intervals).
static_assert(BitVectors::kFanout == 16 && BitVectors::kChunkWords == 8 &&
              BitVectors::kTopKeys % 16 == 0);

// A whole search reads std::bit_ceil(n) keys from the first; the keys are padded with at least
// kSearchOverread copies of the last.
static_assert(detail::kSearchOverread >= kWholeSearchMax / 2);

// Searches whole the indexes of at most `most` intervals, the others through their model.
void search_whole(std::vector<ISetIndex>& isets, std::uint32_t most) {
  for (ISetIndex& s : isets)
    s.whole = s.index.size() <= most;
}

// Call after any change to c.isets or the remainder: the floors depend on both.
void link(Candidate& c) { link_floors(c.isets, c.remainder_rows()); }

void classify_with(const Candidate& c, std::span<const PacketKey> keys, std::span<RuleId> out) {
  Views views;
  c.fn(tables_of(c.isets, c.remainder, c.bits, c.tree, c.finals, views), keys, out, c.batch);
}

constexpr std::size_t kMeasurePasses = 4;  // one to warm the caches, then the timed ones

// Nanoseconds per key of each candidate, the best of a few passes: the minimum filters out the
// noise of a shared machine better than the mean. Each pass classifies its own slice of
// `traffic`: repeating the same keys would let the branch predictor learn their sequence, which
// flatters branchy lookups (rows over lanes, say) in a way real traffic never does. Several
// candidates are timed in turn within each pass, so a change in the machine's load between two
// measurements cannot decide between them.
std::vector<double> measure_ns(std::span<Candidate* const> cands,
                               std::span<const PacketKey> traffic, bool linked = false) {
  const std::size_t n = std::max<std::size_t>(traffic.size() / kMeasurePasses, 1);
  auto pass = [&](std::size_t i) { return traffic.subspan(std::min(i * n, traffic.size() - n), n); };
  std::vector<RuleId> out(n);
  for (std::size_t k = 0; k < cands.size(); ++k) {
    // A candidate timed twice (the incumbent, around another) is linked and warmed once.
    const auto before = cands.first(k);
    if (std::find(before.begin(), before.end(), cands[k]) != before.end()) continue;
    if (!linked) link(*cands[k]);
    classify_with(*cands[k], pass(0), out);  // warm
  }
  // The thread's own CPU time, not wall time: on a shared machine a run that was preempted
  // would otherwise look slow, and the choice would follow the neighbours' load.
  auto cpu_ns = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
  };
  std::vector<double> best(cands.size(), 1e300);
  for (std::size_t i = 1; i < kMeasurePasses; ++i) {
    for (std::size_t k = 0; k < cands.size(); ++k) {
      const double t0 = cpu_ns();
      classify_with(*cands[k], pass(i), out);
      best[k] = std::min(best[k], cpu_ns() - t0);
    }
  }
  for (double& b : best)
    b /= static_cast<double>(n);
  return best;
}

double measure_ns(Candidate& c, std::span<const PacketKey> traffic) {
  Candidate* one[] = {&c};
  return measure_ns(one, traffic)[0];
}

// `cand` timed against `incumbent` in the same passes: returns cand's ns/key and refreshes
// incumbent_ns.
double measure_against(Candidate& cand, Candidate& incumbent, std::span<const PacketKey> traffic,
                       double& incumbent_ns) {
  Candidate* both[] = {&incumbent, &cand};
  const std::vector<double> ns = measure_ns(both, traffic);
  incumbent_ns = ns[0];
  return ns[1];
}

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

}  // namespace

namespace detail {
ClassifyFn classify_fn(Isa isa) noexcept {
  switch (isa) {
    case Isa::kAvx512:
      return &classify_avx512;
    case Isa::kAvx2:
      return &classify_avx2;
    case Isa::kScalar:
      break;
  }
  return &classify_scalar;
}
}  // namespace detail

Result<Classifier> Classifier::compile(const RuleSet& set, const CompileOptions& options) try {
  const auto t_start = Clock::now();
  const std::span<const Rule> rules = set.rules();
  Classifier c;
  if (options.isa) {
    if (!isa_supported(*options.isa))
      return Error{std::string("this CPU cannot run ISA ") + isa_name(*options.isa)};
    c.isa_ = *options.isa;
  } else {
    auto isa = select_isa();
    if (!isa) return isa.error();
    c.isa_ = *isa;
  }
  c.rule_count_ = rules.size();
  c.default_action_ = set.default_action();
  c.actions_.reserve(rules.size());
  for (const Rule& r : rules)
    c.actions_.push_back(r.action);
  CompileReport& rep = c.report_;
  rep.rules = rules.size();

  // 1. Partition: every iSet the greedy finds, largest first; how many to keep is tuned below.
  auto t0 = Clock::now();
  const std::uint32_t max_isets = std::min<std::uint32_t>(
      options.max_isets ? options.max_isets : CompileOptions::kMaxISets, CompileOptions::kMaxISets);
  const Partition part =
      partition_rules(rules, max_isets, std::max<std::uint32_t>(options.min_iset_size, 1));
  rep.partition_ms = ms_since(t0);

  // 2. Index every candidate iSet (tuning epsilon on the way).
  // With no tuning budget nothing is measured, not even the start: the compile is the partition
  // and the indexes alone.
  const bool tuned = options.tuning_budget_ms > 0;
  // Keys per measured pass: enough to spread over the rules, few enough to be quick. Each pass
  // gets its own keys (see measure_ns).
  const std::size_t pass_keys = std::clamp<std::size_t>(rules.size(), 1024, 8192);
  std::vector<PacketKey> traffic;
  if (tuned && options.traffic.empty()) {
    traffic = tuning_traffic(rules, kMeasurePasses * pass_keys, options.seed);
  } else if (tuned) {
    const std::size_t n = std::min(kMeasurePasses * pass_keys, options.traffic.size());
    for (std::size_t i = 0; i < n; ++i)
      traffic.push_back(options.traffic[i * options.traffic.size() / n]);
  }

  std::vector<RuleId> all_ids(rules.size());
  std::iota(all_ids.begin(), all_ids.end(), RuleId{0});
  TupleSpace::Params tuple_params;
  // The remainder's rules when the first `keep` iSets are indexed.
  auto rest_of = [&](std::size_t keep) {
    std::vector<RuleId> rest = part.remainder;
    for (std::size_t i = keep; i < part.isets.size(); ++i) {
      rest.insert(rest.end(), part.isets[i].rules.begin(), part.isets[i].rules.end());
    }
    return rest;
  };
  // The remainder as a tuple space when the first `keep` iSets are indexed.
  auto remainder_of = [&](std::size_t keep, std::uint32_t collisions) {
    TupleSpace::Params p = tuple_params;
    p.max_collisions = collisions;
    return TupleSpace::build(rules, rest_of(keep), p);
  };
  // The rules `ids` as rows, in id order.
  auto rows_of = [&](std::vector<RuleId> ids) {
    std::sort(ids.begin(), ids.end());
    std::vector<detail::RuleRow> rows;
    rows.reserve(ids.size());
    for (RuleId id : ids)
      rows.push_back(detail::RuleRow::from(rules[id], id));
    return rows;
  };
  // The rules `ids` as cand's remainder in bit vectors of at most max_bytes; false, and cand
  // unchanged, when they would take more.
  auto use_bits = [&](Candidate& cand, std::vector<RuleId> ids, std::size_t max_bytes) {
    std::vector<detail::RuleRow> rows = rows_of(std::move(ids));
    std::optional<BitVectors> bits = BitVectors::build(rows, max_bytes);
    if (!bits) return false;
    cand.bits = std::move(*bits);
    cand.tree = CutTree{};
    cand.rest_rows = std::move(rows);
    cand.remainder = TupleSpace{};
    return true;
  };
  // The same as a cut tree with leaves of at most `leaf` rules, built by `deadline`.
  auto use_tree = [&](Candidate& cand, std::vector<RuleId> ids, std::uint32_t leaf,
                      std::size_t max_bytes,
                      Clock::time_point deadline = Clock::time_point::max()) {
    std::vector<detail::RuleRow> rows = rows_of(std::move(ids));
    std::optional<CutTree> tree = CutTree::build(rows, leaf, max_bytes, deadline);
    if (!tree) return false;
    cand.tree = std::move(*tree);
    cand.bits = BitVectors{};
    cand.rest_rows = std::move(rows);
    cand.remainder = TupleSpace{};
    return true;
  };
  const bool forced_tree = options.cut_tree.value_or(false);
  if (forced_tree && options.bit_vectors.value_or(false))
    return Error{"the remainder cannot be both bit vectors and a cut tree"};
  std::uint32_t tree_leaf =
      options.tree_leaf != 0 ? std::clamp(options.tree_leaf, CutTree::kMinLeaf, CutTree::kMaxLeaf)
                             : kDefaultTreeLeaf;
  const bool forced_bits = options.bit_vectors.value_or(false);
  bool lanes = options.lanes.value_or(true);
  // With the epsilon left to the compiler, an AVX-512 lookup's models are fitted coarser where
  // that makes them few enough segments to be searched in registers (ModelFit).
  const std::uint32_t register_segments =
      options.epsilon == 0 && c.isa_ == Isa::kAvx512 ? detail::kRegisterSegments : 0;
  auto fit = [&](std::uint32_t eps) { return detail::ModelFit{eps, register_segments}; };
  Candidate best;  // the incumbent: the starting configuration, then the tuner's choices
  // The memory cap, counted as Classifier::bytes counts: the tuner never takes the classifier
  // over it, or further over it, for speed; within it, it spends memory only on a measurable
  // gain: more than the measurement's own spread, the start timed twice in the same passes.
  // When the starting configuration is over the cap, one within it wins unless it is
  // measurably slower. (A set of a few rules may fit no configuration.) Never below
  // max_bytes_floor.
  // What every candidate holds alike: the Classifier, the actions and, with final rules, a
  // bit per rule (counted for every candidate: a few bytes too many for those without).
  const std::size_t fixed_bytes =
      sizeof(Classifier) + rules.size() * sizeof(Action) +
      (rules.empty() ? 0
                     : detail::final_rules_words(static_cast<std::uint32_t>(rules.size() - 1)) *
                           sizeof(std::uint64_t));
  const std::size_t byte_cap =
      std::max(options.max_bytes_per_rule * rules.size(), options.max_bytes_floor);
  auto fits = [&](const Candidate& x) { return x.bytes() + fixed_bytes <= byte_cap; };
  // Bit vectors may take what is left of the cap once the candidate's indexes are counted, or
  // when the incumbent is already over it, what is left of the incumbent's size.
  auto bits_allowance = [&](const Candidate& x) -> std::size_t {
    const std::size_t cap = byte_cap > fixed_bytes ? byte_cap - fixed_bytes : 0;
    const std::size_t room = std::max(cap, best.bytes());
    return room > x.index_bytes() ? room - x.index_bytes() : 0;
  };
  // A candidate with the first `keep` iSets indexed and the rest in the remainder, which takes
  // the form of like's: bit vectors when they fit the allowance, else a tuple space.
  auto candidate = [&](std::size_t keep, std::uint32_t eps, double pieces, std::uint32_t collisions,
                       const Candidate& like) {
    Candidate cand;
    cand.isets = build_field_indexes(rules, part, keep, fit(eps), pieces, lanes);
    cand.layers = keep;
    const bool rest = !like.bits.empty() ? use_bits(cand, rest_of(keep), bits_allowance(cand))
                      : !like.tree.empty()
                          ? use_tree(cand, rest_of(keep), tree_leaf, bits_allowance(cand))
                          : false;
    if (!rest) cand.remainder = remainder_of(keep, collisions);
    cand.batch = like.batch;
    cand.fn = like.fn;
    return cand;
  };

  best.fn = detail::classify_fn(c.isa_);
  best.batch = options.batch ? std::min<std::uint32_t>(options.batch, kMaxChunk) : kMaxChunk;
  std::uint32_t epsilon = options.epsilon ? options.epsilon : 16;
  std::uint32_t collisions = options.max_collisions ? options.max_collisions : 8;
  double pieces = options.max_pieces > 0 ? options.max_pieces : 2.0;

  t0 = Clock::now();
  best.isets = build_field_indexes(rules, part, part.isets.size(), fit(epsilon), pieces, lanes);
  best.layers = part.isets.size();
  rep.index_ms = ms_since(t0);
  t0 = Clock::now();
  const bool forced_rest = forced_bits ? use_bits(best, rest_of(best.layers), BitVectors::kMaxBytes)
                           : forced_tree
                               ? use_tree(best, rest_of(best.layers), tree_leaf, CutTree::kMaxBytes)
                               : false;
  if (!forced_rest) best.remainder = remainder_of(best.layers, collisions);
  rep.remainder_ms = ms_since(t0);
  const auto t_tune = Clock::now();
  const double untuned_ms = rep.partition_ms + rep.index_ms + rep.remainder_ms;
  double budget_ms =
      options.tuning_ratio > 0
          ? std::min(options.tuning_budget_ms, options.tuning_ratio * untuned_ms)
          : options.tuning_budget_ms;
  auto budget_left = [&] { return ms_since(t_tune) < budget_ms; };
  double best_ns = tuned ? measure_ns(best, traffic) : 0;
  double spread = 0;
  int spread_pairs = 0;  // pairs of timings of the start the spread was taken from
  auto note_spread = [&](double a, double b) {
    spread = std::max(spread, std::abs(a - b) / std::min(a, b));
    ++spread_pairs;
  };
  auto over_cap = [&](const Candidate& x, const std::string& what) {
    if (fits(x) || !fits(best)) return false;
    rep.tuning.push_back(what + ": over the memory budget");
    return true;
  };
  // Whether `cand`, measured at ns per key, replaces the incumbent.
  auto wins = [&](const Candidate& cand, double ns) {
    const bool in = fits(cand);
    if (in != fits(best)) return in && ns <= best_ns * (1 + spread);
    if (cand.bytes() <= best.bytes()) return ns < best_ns;
    return in && ns < best_ns * (1 - spread);
  };
  const std::size_t start_line = rep.tuning.size();
  const bool start_fits = fits(best);
  const double start_ns = best_ns;
  // Over the cap, getting within it comes first: both ways of shrinking the start (the bit
  // vectors and the indexes that split no range) get their turn, at the cost of a longer
  // compile (CompileOptions::tuning_ratio).
  if (!start_fits && options.tuning_ratio > 0) {
    budget_ms = std::min(options.tuning_budget_ms, 2 * options.tuning_ratio * untuned_ms);
  }
  // cand's ns per key, timed against the incumbent (refreshing best_ns). Until the spread has
  // been taken, between two timings of the incumbent, whose difference is the spread: so the
  // first stages, the only ones a small set's budget reaches, are judged against it. The
  // incumbent's time is then the mean of its two, each the best of as many passes as the
  // candidate's: the better of the two would favour it.
  auto time_candidate = [&](Candidate& cand) {
    if (spread_pairs > 0) return measure_against(cand, best, traffic, best_ns);
    Candidate* three[] = {&best, &cand, &best};
    const std::vector<double> t3 = measure_ns(three, traffic);
    note_spread(t3[0], t3[2]);
    best_ns = (t3[0] + t3[2]) / 2;
    return t3[1];
  };

  // How far merged iSets may split ranges into pieces: more pieces, fewer index lookups but
  // longer lists and more memory. Each cap is tried once; within the budget, unless `anyway`.
  std::vector<double> pieces_tried;
  auto try_pieces = [&](double cap, bool anyway = false) {
    if (best.isets.empty() || (!anyway && !budget_left()) ||
        std::find(pieces_tried.begin(), pieces_tried.end(), cap) != pieces_tried.end()) {
      return;
    }
    pieces_tried.push_back(cap);
    Candidate cand = candidate(best.layers, epsilon, cap, collisions, best);
    if (over_cap(cand, fmt("at most %.0f candidates per rule", cap))) return;
    const double ns = time_candidate(cand);
    rep.tuning.push_back(fmt("at most %.0f candidates per rule: %.1f ns/key (%.0f indexes)", cap,
                             ns, static_cast<double>(cand.isets.size())));
    if (wins(cand, ns)) {
      best_ns = ns;
      best = std::move(cand);
      pieces = cap;
    }
  };

  // 3. Tuning by measurement, one knob at a time: a candidate replaces the incumbent when
  //    `wins` says so (faster on the tuning traffic, within the memory rules above); within the
  //    time budget.
  // An explicit false rules out that structure alone; an explicit true forces it, and rules out
  // the others.
  const bool try_bits = !options.bit_vectors && !forced_tree;
  const bool try_tree = !options.cut_tree && !forced_bits;
  if (tuned && try_bits && !rules.empty()) {
    // The remainder as bit vectors: one interval lookup per field and a few ANDs however the
    // rules overlap, at rules / 8 bytes per interval. Tried for the remainder behind the
    // indexes, then for every rule with no index at all; first, since for a small set the
    // second can replace all that the later stages tune. A build stops as soon as it outgrows
    // the memory it may take, so a large set costs little to rule out. The first layout that
    // applies is measured even once the budget is spent: at 1K rules the start's own timing
    // can spend it in a cold process, and fw1_1k's first compile in a `lacl bench` process
    // then kept indexes that run at a third of its vectors' speed (209 against 74-79 cycles
    // per packet, AVX2).
    struct Layout {
      std::size_t keep;
      const char* what;
    };
    bool measured_one = false;
    for (const Layout l : {Layout{best.layers, "remainder as bit vectors"},
                           Layout{0, "no index, every rule in bit vectors"}}) {
      if (measured_one && !budget_left()) break;
      if (l.keep == best.layers && (best.remainder.size() == 0 || best.isets.empty())) continue;
      Candidate cand;
      cand.layers = l.keep;
      if (l.keep == best.layers) cand.isets = best.isets;
      cand.batch = best.batch;
      cand.fn = best.fn;
      if (!use_bits(cand, rest_of(l.keep), bits_allowance(cand))) {
        rep.tuning.push_back(std::string(l.what) + ": over the memory budget");
        continue;
      }
      const double ns = time_candidate(cand);
      measured_one = true;
      rep.tuning.push_back(std::string(l.what) +
                           fmt(": %.1f ns/key (vectors of %.0f words in %.0f distinct chunks)",
                               ns, static_cast<double>(cand.bits.words_per_vector()),
                               static_cast<double>(cand.bits.chunk_count())));
      if (wins(cand, ns)) {
        best_ns = ns;
        best = std::move(cand);
      }
    }
  }
  // A tree build may take twice the whole tuning budget, timing noise included: acl5_10k's
  // builds in 4 ms against a budget of 7 (its untuned compile), and a tree that outgrows its
  // memory stops early but can take a while to get there at a large set (acl1_100k: 50-60 ms,
  // against a budget of about 100).
  auto tree_deadline = [&] {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double, std::milli>(2 * budget_ms));
  };
  auto tree_refused = [](Clock::time_point deadline) {
    return std::string(Clock::now() > deadline ? ": not built within the tuning budget"
                                               : ": over the memory budget");
  };
  if (tuned && try_tree && !rules.empty()) {
    // A cut tree: every rule first, where the cuts separate rules that the indexes list
    // together (acl5_10k: the indexes visit 1.4 lists of 20 candidates per packet, a tree's
    // leaf holds at most 16), then the remainder behind the indexes while it is a tuple space
    // (a remainder that bit vectors already took is small enough for them). Like the bit
    // vectors, the first that fits is measured even once the budget is spent, and a tree that
    // outgrows the memory it may take stops building.
    struct Layout {
      std::size_t keep;
      const char* what;
    };
    const std::size_t layers = best.layers;
    const bool behind = best.remainder.size() != 0 && !best.isets.empty();
    bool measured_one = false;
    for (const Layout l : {Layout{0, "no index, every rule in a cut tree"},
                           Layout{layers, "remainder as a cut tree"}}) {
      if (measured_one && !budget_left()) break;
      // Behind the start's indexes, unless a tree of every rule has already displaced them.
      if (l.keep != 0 && (!behind || best.layers != layers)) continue;
      Candidate cand;
      cand.layers = l.keep;
      if (l.keep != 0) cand.isets = best.isets;
      cand.batch = best.batch;
      cand.fn = best.fn;
      const Clock::time_point deadline = tree_deadline();
      if (!use_tree(cand, rest_of(l.keep), tree_leaf, bits_allowance(cand), deadline)) {
        rep.tuning.push_back(std::string(l.what) + tree_refused(deadline));
        if (Clock::now() > deadline) break;
        continue;
      }
      const double ns = time_candidate(cand);
      measured_one = true;
      rep.tuning.push_back(std::string(l.what) + fmt(": %.1f ns/key (%.0f nodes, depth %.0f)", ns,
                                                     static_cast<double>(cand.tree.nodes().size()),
                                                     static_cast<double>(cand.tree.depth())));
      if (wins(cand, ns)) {
        best_ns = ns;
        best = std::move(cand);
      }
    }
  }
  if (tuned && !best.tree.empty() && options.tree_leaf == 0) {
    // The leaf size: smaller leaves, shorter lists to validate but a deeper walk and more
    // replicated rules.
    for (std::uint32_t leaf : {8u, 32u}) {
      if (!budget_left()) break;
      Candidate cand = best;
      const Clock::time_point deadline = tree_deadline();
      if (!use_tree(cand, rest_of(best.layers), leaf, bits_allowance(cand), deadline)) {
        rep.tuning.push_back(fmt("cut tree leaves of %.0f rules", leaf) + tree_refused(deadline));
        continue;
      }
      const double ns = measure_against(cand, best, traffic, best_ns);
      rep.tuning.push_back(fmt("cut tree leaves of %.0f rules: %.1f ns/key (%.0f nodes)", leaf, ns,
                               static_cast<double>(cand.tree.nodes().size())));
      if (wins(cand, ns)) {
        best_ns = ns;
        best = std::move(cand);
        tree_leaf = leaf;
      }
    }
  }
  if (tuned && options.max_pieces <= 0 && !fits(best)) {
    // Still over the memory cap: the indexes that split no range (one candidate per piece of
    // a rule), the smallest, before the stages that only trade speed. fw2_10k: 80 -> 46 bytes
    // per rule, and faster too (its two large iSets merged made 1.33 candidates per interval).
    // Measured even when the budget is spent: whether the cap holds should not depend on how
    // busy the machine was (fw2_10k's first compile in a `lacl bench` process kept its 755
    // KiB start in some runs).
    try_pieces(1.0, true);
  }
  while (tuned && spread_pairs < 2 && budget_left()) {
    Candidate* twice[] = {&best, &best};
    const std::vector<double> ns = measure_ns(twice, traffic);
    note_spread(ns[0], ns[1]);
  }
  if (tuned) {
    rep.tuning.insert(
        rep.tuning.begin() + static_cast<std::ptrdiff_t>(start_line),
        fmt("all %.0f iSets indexed: %.1f ns/key ", static_cast<double>(part.isets.size()),
            start_ns) +
            (spread_pairs == 0 ? std::string("(no budget left to time its spread)")
                               : fmt("(timing spread %.1f%%)", 100 * spread)) +
            (start_fits ? "" : ", over the memory budget"));
  } else {
    rep.tuning.push_back(fmt("all %.0f iSets indexed; no tuning budget, nothing measured",
                             static_cast<double>(best.layers)));
  }
  if (!options.lanes && !best.isets.empty() && budget_left()) {
    // The other layout of the candidate lists: lanes validate a list in a few vector compares
    // with no branch on the traffic, rows stop at the first match and can touch fewer cache
    // lines. First, since the layout shifts what the other knobs are worth (with lanes, longer
    // lists cost less).
    Candidate cand = best;
    for (ISetIndex& s : cand.isets)
      s.use_lanes(!lanes);
    const std::string what = std::string("candidate lists as ") + (lanes ? "rows" : "lanes");
    if (!over_cap(cand, what)) {
      const double ns = measure_against(cand, best, traffic, best_ns);
      rep.tuning.push_back(what + fmt(": %.1f ns/key", ns));
      if (wins(cand, ns)) {
        best_ns = ns;
        best.isets = std::move(cand.isets);
        lanes = !lanes;
      }
    }
  }
  if (!options.epsilon && !best.isets.empty()) {
    // The error target: only the models change, not the candidate lists, so a candidate is a
    // refit, cheap beside a rebuild; hence early, before the stages that rebuild.
    for (std::uint32_t eps : {4u, 8u, 32u, 64u}) {
      if (!budget_left()) break;
      Candidate cand = best;
      detail::refit_models(cand.isets, fit(eps));
      if (over_cap(cand, fmt("epsilon %.0f", eps))) continue;
      const double ns = measure_against(cand, best, traffic, best_ns);
      rep.tuning.push_back(fmt("epsilon %.0f: %.1f ns/key", eps, ns));
      if (wins(cand, ns)) {
        best_ns = ns;
        best.isets = std::move(cand.isets);
        epsilon = eps;
      }
    }
  }
  if (!options.max_isets && part.isets.size() > 1) {
    // Fewer iSets indexed: the small tail of the partition goes to the remainder, where a
    // handful of rules costs less than an index lookup each. Candidates: the fewest iSets that
    // cover a given share of the rules.
    std::vector<std::size_t> counts;
    for (double share : {0.999, 0.995, 0.99, 0.95, 0.9, 0.0}) {
      std::size_t covered = 0;
      std::size_t keep = 0;
      while (keep < part.isets.size() &&
             static_cast<double>(covered) < share * static_cast<double>(rules.size())) {
        covered += part.isets[keep++].rules.size();
      }
      keep = std::max<std::size_t>(keep, 1);
      if (keep < part.isets.size() &&
          std::find(counts.begin(), counts.end(), keep) == counts.end()) {
        counts.push_back(keep);
      }
    }
    // Fewest last: each pushes more rules to the remainder, so once one is slower than the
    // incumbent, the rest (a rebuild and a slow measurement each) are not tried.
    for (std::size_t keep : counts) {
      if (!budget_left()) break;
      Candidate cand = candidate(keep, epsilon, pieces, collisions, best);
      if (over_cap(cand, fmt("index %.0f iSets", static_cast<double>(keep)))) continue;
      const double ns = measure_against(cand, best, traffic, best_ns);
      rep.tuning.push_back(fmt("index %.0f iSets: %.1f ns/key", static_cast<double>(keep), ns));
      if (!wins(cand, ns)) {
        if (fits(cand) == fits(best)) break;
        continue;
      }
      best_ns = ns;
      best = std::move(cand);
    }
  }
  if (!options.max_isets && !rules.empty() && budget_left() &&
      static_cast<double>(rules.size()) * kLinearNsPerRuleFloor < best_ns) {
    // No index at all: a plain scan in priority order, which a few dozen rules can afford. Only
    // measured when the scan's floor (every rule checked once) could beat what was measured.
    Candidate cand;
    cand.remainder = TupleSpace::build(rules, all_ids, TupleSpace::linear_params());
    cand.batch = best.batch;
    cand.fn = best.fn;
    const double ns = measure_against(cand, best, traffic, best_ns);
    rep.tuning.push_back(fmt("no index, linear scan: %.1f ns/key", ns));
    if (wins(cand, ns)) {
      best_ns = ns;
      best = std::move(cand);
    }
  }
  if (options.max_pieces <= 0) {
    for (double cap : {1.0, 4.0, 8.0})
      try_pieces(cap);
  }
  if (!options.max_collisions && best.remainder.size() > 0) {
    // The tuple shapes: coarser tuples mean fewer probes but longer slots.
    const TupleSpace::Params shapes[] = {{0, 8, false}, {0, 8, true}, {0, 1, true}, {0, 16, false}};
    TupleSpace::Params best_shape = tuple_params;
    for (const TupleSpace::Params& shape : shapes) {
      if (!budget_left()) break;
      tuple_params = shape;
      Candidate cand = best;
      cand.remainder = remainder_of(best.layers, collisions);
      if (over_cap(cand, fmt("remainder tuples on a /%.0f grid", shape.ip_grid))) continue;
      const double ns = measure_against(cand, best, traffic, best_ns);
      rep.tuning.push_back(fmt("remainder tuples on a /%.0f grid, ", shape.ip_grid) +
                           (shape.hash_ports ? "ports hashed" : "addresses only") +
                           fmt(": %.1f ns/key (%.0f tuples)", ns,
                               static_cast<double>(cand.remainder.tuple_count())));
      if (wins(cand, ns)) {
        best_ns = ns;
        best.remainder = std::move(cand.remainder);
        best_shape = shape;
      }
    }
    tuple_params = best_shape;
  }
  if (!options.max_collisions && best.remainder.size() > 0) {
    for (std::uint32_t cap : {2u, 4u, 16u, 64u}) {
      if (!budget_left()) break;
      Candidate cand = best;
      cand.remainder = remainder_of(best.layers, cap);
      if (over_cap(cand, fmt("remainder slot cap %.0f", cap))) continue;
      const double ns = measure_against(cand, best, traffic, best_ns);
      rep.tuning.push_back(fmt("remainder slot cap %.0f: %.1f ns/key (%.0f tuples)", cap, ns,
                               static_cast<double>(cand.remainder.tuple_count())));
      if (wins(cand, ns)) {
        best_ns = ns;
        best.remainder = std::move(cand.remainder);
        collisions = cap;
      }
    }
  }
  std::uint32_t whole = std::min(options.whole_search.value_or(0), kWholeSearchMax);
  search_whole(best.isets, whole);
  if (!options.whole_search && !best.isets.empty()) {
    // Small indexes searched whole: one vector search of all their keys instead of the radix
    // table, the segment and the model. Which sizes gain depends on the vector width.
    for (std::uint32_t most : {16u, 64u, kWholeSearchMax}) {
      if (!budget_left()) break;
      if (std::none_of(best.isets.begin(), best.isets.end(),
                       [&](const ISetIndex& s) { return s.index.size() <= most; })) {
        break;
      }
      Candidate cand = best;
      search_whole(cand.isets, most);
      const double ns = measure_against(cand, best, traffic, best_ns);
      rep.tuning.push_back(fmt("indexes of up to %.0f intervals searched whole: %.1f ns/key",
                               most, ns));
      if (ns < best_ns) {
        best_ns = ns;
        best.isets = std::move(cand.isets);
        whole = most;
      }
    }
  }
  if (!options.batch) {
    for (std::uint32_t batch : {8u, 16u, 32u, 64u, 128u}) {
      if (!budget_left()) break;
      if (batch == best.batch) continue;
      Candidate cand = best;
      cand.batch = batch;
      const double ns = measure_against(cand, best, traffic, best_ns);
      rep.tuning.push_back(fmt("batch %.0f: %.1f ns/key", batch, ns));
      if (ns < best_ns) {
        best_ns = ns;
        best.batch = batch;
      }
    }
  }
  // Whether the lookup stops at final rules: a look at a bit per key and index, which pays
  // where keys that found their rule early would otherwise visit later structures, and costs a
  // few percent where the floors already stop them. On ClassBench's traces (the same artifacts
  // with and without, timed in turn): fw1_10k 44 -> 30 cycles per packet, fw5_10k 54 -> 44,
  // acl4_10k 91 -> 77, acl2_10k 67 -> 57, fw3_10k 53 -> 46, ipc1_10k 61 -> 56; acl1_10k 31 ->
  // 33 and acl5_1k 30 -> 31.5 the other way. So on unless measured otherwise: measured last,
  // on the chosen structure, while the budget lasts. It matters only when something comes
  // after the first index.
  const bool anything_after =
      !best.isets.empty() && (best.isets.size() > 1 || best.remainder.size() != 0 ||
                              !best.bits.empty() || !best.tree.empty());
  best.final_rules = anything_after && options.final_rules.value_or(true);
  link(best);
  if (tuned && anything_after && !options.final_rules && budget_left()) {
    // The same structure twice, linked once.
    Candidate cand = best;
    cand.final_rules = true;
    cand.finals = lacl::final_rules(cand.isets, cand.remainder_rows());
    best.final_rules = false;
    Candidate* both[] = {&best, &cand};
    const std::vector<double> ns = measure_ns(both, traffic, /*linked=*/true);
    best_ns = ns[0];
    rep.tuning.push_back(fmt("final rules checked: %.1f ns/key", ns[1]));
    if (wins(cand, ns[1])) {
      best_ns = ns[1];
      best = std::move(cand);
    }
  }
  if (tuned) {
    rep.tuning_ms = ms_since(t_tune);
    rep.tuning.push_back(
        fmt("chosen: %.1f ns/key on %.0f ", best_ns, static_cast<double>(traffic.size())) +
        (options.traffic.empty() ? "synthetic keys" : "keys sampled from the given traffic"));
  }

  // Linked above; the final rules' stage found them already when it chose them.
  c.final_rules_ = best.final_rules;
  if (best.final_rules) {
    c.finals_ = best.finals.empty() ? lacl::final_rules(best.isets, best.remainder_rows())
                                    : std::move(best.finals);
  }
  c.isets_ = std::move(best.isets);
  c.remainder_ = std::move(best.remainder);
  c.bits_ = std::move(best.bits);
  c.tree_ = std::move(best.tree);
  c.batch_ = best.batch;
  rep.epsilon = epsilon;
  rep.max_pieces = pieces;
  rep.max_collisions = collisions;
  rep.batch = c.batch_;
  rep.whole_search = whole;
  c.describe_structure();
  rep.total_ms = ms_since(t_start);
  return c;
} catch (const std::bad_alloc&) {
  return Error{"out of memory while compiling"};
} catch (const std::exception& e) {
  return Error{std::string("internal error while compiling: ") + e.what()};
}

void Classifier::classify(std::span<const PacketKey> keys, std::span<RuleId> out) const noexcept {
  Views views;
  detail::classify_fn(isa_)(tables_of(isets_, remainder_, bits_, tree_, finals_, views), keys, out,
                            batch_);
}

std::vector<detail::RuleRow> Classifier::remainder_rows() const {
  if (!bits_.empty()) return bits_.rows();
  if (!tree_.empty()) return tree_.rows();
  return {remainder_.rows().begin(), remainder_.rows().end()};
}

RuleId Classifier::classify(const PacketKey& key) const noexcept {
  RuleId id = kNoMatch;
  classify(std::span(&key, 1), std::span(&id, 1));
  return id;
}

void Classifier::describe_structure() {
  CompileReport& rep = report_;
  rep.rules = rule_count_;
  rep.batch = batch_;
  rep.isets.clear();
  rep.final_rules = final_rules_;
  rep.lanes = std::any_of(isets_.begin(), isets_.end(),
                          [](const ISetIndex& s) { return !s.lanes.empty(); });
  std::size_t covered = 0;
  for (const ISetIndex& s : isets_) {
    covered += s.rules;
    std::size_t max_list = 0;
    for (std::size_t j = 0; j + 1 < s.offsets.size(); ++j) {
      max_list = std::max<std::size_t>(max_list, s.offsets[j + 1] - s.offsets[j]);
    }
    if (s.offsets.empty() && !s.rows.empty()) max_list = 1;
    const std::size_t candidates = s.candidate_count();
    rep.isets.push_back(
        {s.field, s.isets, s.rules, s.index.size(), candidates, max_list,
         static_cast<double>(candidates) / static_cast<double>(s.index.size()),
         s.index.segments().size(),
         static_cast<std::uint32_t>(std::bit_width(s.index.radix_table().size() - 2)),
         s.index.max_window(), s.index.mean_window(), s.bytes(), s.whole});
  }
  rep.remainder_nodes = tree_.nodes().size();
  rep.remainder_depth = tree_.depth();
  rep.remainder_leaf = tree_.leaf_size();
  rep.remainder_candidates = tree_.candidate_count();
  if (!tree_.empty()) {
    rep.remainder_rules = tree_.size();
    rep.remainder_algorithm = "cut-tree";
    rep.remainder_tuples = 0;
    rep.remainder_chunks = 0;
    rep.remainder_words = 0;
    rep.remainder_bytes = tree_.bytes();
  } else if (!bits_.empty()) {
    rep.remainder_rules = bits_.size();
    rep.remainder_algorithm = "bit-vectors";
    rep.remainder_tuples = 0;
    rep.remainder_chunks = bits_.chunk_count();
    rep.remainder_words = bits_.words_per_vector();
    rep.remainder_bytes = bits_.bytes();
  } else {
    rep.remainder_rules = remainder_.size();
    rep.remainder_algorithm = remainder_.is_linear() ? "linear" : "tuple-space";
    rep.remainder_tuples = remainder_.tuple_count();
    rep.remainder_chunks = 0;
    rep.remainder_words = 0;
    rep.remainder_bytes = remainder_.bytes();
  }
  rep.coverage =
      rule_count_ == 0 ? 1.0 : static_cast<double>(covered) / static_cast<double>(rule_count_);
  rep.bytes = bytes();
}

std::size_t Classifier::bytes() const noexcept {
  std::size_t b = sizeof(*this) + actions_.size() * sizeof(Action) + remainder_.bytes() +
                  bits_.bytes() + tree_.bytes() + finals_.size() * sizeof(std::uint64_t);
  for (const ISetIndex& s : isets_) {
    b += sizeof(s) + s.bytes();
  }
  return b;
}

Classifier Classifier::assemble(std::size_t rule_count, Action default_action,
                                std::vector<Action> actions, std::vector<ISetIndex> isets,
                                TupleSpace remainder, BitVectors bits, CutTree tree,
                                std::uint32_t batch, bool stop_at_final, CompileReport report) {
  Classifier c;
  c.rule_count_ = rule_count;
  c.default_action_ = default_action;
  c.actions_ = std::move(actions);
  c.isets_ = std::move(isets);
  for (ISetIndex& s : c.isets_) {
    s.best = kNoMatch;
    for (const detail::RuleRow& row : s.candidate_rows())
      s.best = std::min(s.best, row.id);
  }
  c.remainder_ = std::move(remainder);
  c.bits_ = std::move(bits);
  c.tree_ = std::move(tree);
  // The floors need the remainder's rules, which bit vectors give back only by a pass over
  // every interval's chunk numbers (BitVectors::rows): skipped when there is no index to set
  // floors in.
  c.final_rules_ = stop_at_final && !c.isets_.empty();
  if (!c.isets_.empty()) {
    const std::vector<detail::RuleRow> rows = c.remainder_rows();
    link_floors(c.isets_, rows);
    if (stop_at_final) c.finals_ = lacl::final_rules(c.isets_, rows);
  }
  c.batch_ = std::clamp<std::uint32_t>(batch, 1, kMaxChunk);
  c.report_ = std::move(report);
  c.describe_structure();
  auto isa = select_isa();
  c.isa_ = isa ? *isa : best_isa();
  return c;
}

}  // namespace lacl
