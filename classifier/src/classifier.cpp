#include "lacl/classifier.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <new>
#include <numeric>

#include "lacl/detail/lookup_isa.hpp"
#include "lacl/detail/lookup_pipeline.hpp"
#include "lacl/partition.hpp"

namespace lacl {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

using detail::kMaxChunk;

class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint32_t in(const Range& r) noexcept {
    return static_cast<std::uint32_t>(r.lo + next() % (std::uint64_t{r.hi} - r.lo + 1));
  }

 private:
  std::uint64_t s_;
};

// Synthetic traffic for tuning, drawn from the rules like a ClassBench trace: each field at a
// corner of a random rule's range or inside it, plus a share of uniformly random headers that
// exercise the no-match paths.
std::vector<PacketKey> tuning_traffic(std::span<const Rule> rules, std::size_t n, std::uint64_t seed) {
  SplitMix rng(seed);
  std::vector<PacketKey> keys(n);
  for (PacketKey& k : keys) {
    std::array<std::uint32_t, kNumFields> v{};
    if (rules.empty() || rng.next() % 10 == 0) {
      for (std::size_t f = 0; f < kNumFields; ++f) v[f] = static_cast<std::uint32_t>(rng.next() & kFieldMax[f]);
    } else {
      const Rule& r = rules[rng.next() % rules.size()];
      for (std::size_t f = 0; f < kNumFields; ++f) {
        const std::uint64_t pick = rng.next() % 3;
        v[f] = pick == 0 ? r.field[f].lo : pick == 1 ? r.field[f].hi : rng.in(r.field[f]);
      }
    }
    k = {v[0], v[1], static_cast<std::uint16_t>(v[2]), static_cast<std::uint16_t>(v[3]),
         static_cast<std::uint8_t>(v[4])};
  }
  return keys;
}

ISetIndex build_iset(std::span<const Rule> rules, const ISetSpec& spec, std::uint32_t epsilon) {
  const auto f = static_cast<std::size_t>(spec.field);
  std::vector<std::uint32_t> keys;
  keys.reserve(spec.rules.size());
  ISetIndex s;
  s.field = spec.field;
  s.rows.reserve(spec.rules.size());
  for (RuleId id : spec.rules) {
    keys.push_back(rules[id].field[f].lo);
    s.rows.push_back(detail::RuleRow::from(rules[id], id));
  }
  s.index = RangeIndex::build(keys, kFieldMax[f], RangeIndex::Params{epsilon, 0});
  return s;
}

// A candidate configuration under measurement.
struct Candidate {
  std::vector<ISetIndex> isets;
  TupleSpace remainder;
  std::uint32_t batch = 32;
  detail::ClassifyFn fn = nullptr;
};

using ISetViews = std::array<detail::ISetView, CompileOptions::kMaxISets>;

// The pipeline's view of a classifier's parts; `views` is the storage the view points into.
detail::LookupTables tables_of(std::span<const ISetIndex> isets, const TupleSpace& remainder,
                               ISetViews& views) noexcept {
  for (std::size_t i = 0; i < isets.size(); ++i) {
    const RangeIndex& ix = isets[i].index;
    views[i] = {static_cast<std::uint32_t>(isets[i].field), ix.keys()[0], ix.radix_shift(),
                static_cast<std::uint32_t>(ix.size()), ix.search_width(), ix.radix_table().data(),
                ix.stored_segments().data(), ix.keys().data(), isets[i].rows.data()};
  }
  detail::TupleSpaceView rv{remainder.tuples().data(), static_cast<std::uint32_t>(remainder.tuple_count()),
                            remainder.slots().data(), remainder.rows().data()};
  return {std::span(views.data(), isets.size()), rv};
}

void classify_with(const Candidate& c, std::span<const PacketKey> keys, std::span<RuleId> out) {
  ISetViews views;
  c.fn(tables_of(c.isets, c.remainder, views), keys, out, c.batch);
}

// Nanoseconds per key of the best of a few runs: the minimum filters out the noise of a shared
// machine better than the mean.
double measure_ns(const Candidate& c, std::span<const PacketKey> keys) {
  std::vector<RuleId> out(keys.size());
  classify_with(c, keys, out);  // warm
  double best = 1e300;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = Clock::now();
    classify_with(c, keys, out);
    best = std::min(best, std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
  }
  return best / static_cast<double>(keys.size());
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
    if (!isa_supported(*options.isa)) return Error{std::string("this CPU cannot run ISA ") + isa_name(*options.isa)};
    c.isa_ = *options.isa;
  } else {
    auto isa = select_isa();
    if (!isa) return isa.error();
    c.isa_ = *isa;
  }
  c.rule_count_ = rules.size();
  c.default_action_ = set.default_action();
  c.actions_.reserve(rules.size());
  for (const Rule& r : rules) c.actions_.push_back(r.action);
  CompileReport& rep = c.report_;
  rep.rules = rules.size();

  // 1. Partition: every iSet the greedy finds, largest first; how many to keep is tuned below.
  auto t0 = Clock::now();
  const std::uint32_t max_isets = std::min<std::uint32_t>(
      options.max_isets ? options.max_isets : CompileOptions::kMaxISets, CompileOptions::kMaxISets);
  const Partition part = partition_rules(rules, max_isets, std::max<std::uint32_t>(options.min_iset_size, 1));
  rep.partition_ms = ms_since(t0);

  // 2. Index every candidate iSet (tuning epsilon on the way).
  const auto traffic = tuning_traffic(rules, std::min<std::size_t>(8192, std::max<std::size_t>(1024, rules.size())), options.seed);
  const auto t_tune = Clock::now();
  auto budget_left = [&] { return ms_since(t_tune) < options.tuning_budget_ms; };

  TupleSpace::Params tuple_params;
  auto remainder_of = [&](std::size_t keep, std::uint32_t collisions) {
    std::vector<RuleId> rest = part.remainder;
    for (std::size_t i = keep; i < part.isets.size(); ++i) {
      rest.insert(rest.end(), part.isets[i].rules.begin(), part.isets[i].rules.end());
    }
    TupleSpace::Params p = tuple_params;
    p.max_collisions = collisions;
    return TupleSpace::build(rules, rest, p);
  };
  // The first `count` iSets of the partition, indexed with `eps`.
  auto build_isets = [&](std::size_t count, std::uint32_t eps) {
    std::vector<ISetIndex> out;
    for (std::size_t i = 0; i < count; ++i) out.push_back(build_iset(rules, part.isets[i], eps));
    return out;
  };

  Candidate best;
  best.fn = detail::classify_fn(c.isa_);
  best.batch = options.batch ? std::min<std::uint32_t>(options.batch, kMaxChunk) : 32;
  std::uint32_t epsilon = options.epsilon ? options.epsilon : 16;
  std::uint32_t collisions = options.max_collisions ? options.max_collisions : 8;

  t0 = Clock::now();
  best.isets = build_isets(part.isets.size(), epsilon);
  rep.index_ms = ms_since(t0);
  t0 = Clock::now();
  best.remainder = remainder_of(best.isets.size(), collisions);
  rep.remainder_ms = ms_since(t0);
  double best_ns = measure_ns(best, traffic);

  // 3. Tuning by measurement, one knob at a time, each a strict improvement of the measured
  //    ns/key on the synthetic traffic; within the time budget.
  if (!options.max_isets && best.isets.size() > 1) {
    // Fewer iSets: each dropped iSet's rules go to the remainder.
    for (std::size_t keep = best.isets.size() - 1; keep >= 1 && budget_left(); --keep) {
      Candidate cand;
      cand.isets.assign(best.isets.begin(), best.isets.begin() + static_cast<std::ptrdiff_t>(keep));
      cand.remainder = remainder_of(keep, collisions);
      cand.batch = best.batch;
      cand.fn = best.fn;
      const double ns = measure_ns(cand, traffic);
      rep.tuning.push_back(fmt("keep %.0f iSets: %.1f ns/key", static_cast<double>(keep), ns));
      if (ns < best_ns) {
        best_ns = ns;
        best = std::move(cand);
      }
    }
  }
  if (!options.epsilon && !best.isets.empty()) {
    for (std::uint32_t eps : {4u, 8u, 32u, 64u}) {
      if (!budget_left()) break;
      Candidate cand{build_isets(best.isets.size(), eps), best.remainder, best.batch, best.fn};
      const double ns = measure_ns(cand, traffic);
      rep.tuning.push_back(fmt("epsilon %.0f: %.1f ns/key", eps, ns));
      if (ns < best_ns) {
        best_ns = ns;
        best.isets = std::move(cand.isets);
        epsilon = eps;
      }
    }
  }
  if (!options.max_collisions && best.remainder.size() > 0) {
    // The tuple shapes: coarser tuples mean fewer probes but longer slots.
    const TupleSpace::Params shapes[] = {{0, 8, false}, {0, 8, true}, {0, 1, true}, {0, 16, false}};
    TupleSpace::Params best_shape = tuple_params;
    for (const TupleSpace::Params& shape : shapes) {
      if (!budget_left()) break;
      tuple_params = shape;
      Candidate cand{best.isets, remainder_of(best.isets.size(), collisions), best.batch, best.fn};
      const double ns = measure_ns(cand, traffic);
      rep.tuning.push_back(fmt("remainder tuples on a /%.0f grid, ", shape.ip_grid) +
                           (shape.hash_ports ? "ports hashed" : "addresses only") +
                           fmt(": %.1f ns/key (%.0f tuples)", ns,
                               static_cast<double>(cand.remainder.tuple_count())));
      if (ns < best_ns) {
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
      Candidate cand{best.isets, remainder_of(best.isets.size(), cap), best.batch, best.fn};
      const double ns = measure_ns(cand, traffic);
      rep.tuning.push_back(fmt("remainder slot cap %.0f: %.1f ns/key (%.0f tuples)", cap, ns,
                               static_cast<double>(cand.remainder.tuple_count())));
      if (ns < best_ns) {
        best_ns = ns;
        best.remainder = std::move(cand.remainder);
        collisions = cap;
      }
    }
  }
  if (!options.batch) {
    for (std::uint32_t batch : {8u, 16u, 64u}) {
      if (!budget_left()) break;
      const std::uint32_t saved = best.batch;
      best.batch = batch;
      const double ns = measure_ns(best, traffic);
      rep.tuning.push_back(fmt("batch %.0f: %.1f ns/key", batch, ns));
      if (ns < best_ns) {
        best_ns = ns;
      } else {
        best.batch = saved;
      }
    }
  }
  rep.tuning_ms = ms_since(t_tune);
  rep.tuning.push_back(fmt("chosen: %.1f ns/key on %.0f synthetic keys", best_ns, static_cast<double>(traffic.size())));

  c.isets_ = std::move(best.isets);
  c.remainder_ = std::move(best.remainder);
  c.batch_ = best.batch;
  rep.epsilon = epsilon;
  rep.max_collisions = collisions;
  rep.batch = c.batch_;
  std::size_t covered = 0;
  for (const ISetIndex& s : c.isets_) {
    covered += s.rows.size();
    rep.isets.push_back({s.field, s.rows.size(), s.index.segments().size(),
                         static_cast<std::uint32_t>(std::bit_width(s.index.radix_table().size() - 2)),
                         s.index.max_window(), s.index.mean_window(),
                         s.index.bytes() + detail::bytes_of(s.rows)});
  }
  rep.remainder_rules = c.remainder_.size();
  rep.remainder_algorithm = "tuple-space";
  rep.remainder_tuples = c.remainder_.tuple_count();
  rep.remainder_bytes = c.remainder_.bytes();
  rep.coverage = rules.empty() ? 1.0 : static_cast<double>(covered) / static_cast<double>(rules.size());
  rep.bytes = c.bytes();
  rep.total_ms = ms_since(t_start);
  return c;
} catch (const std::bad_alloc&) {
  return Error{"out of memory while compiling"};
} catch (const std::exception& e) {
  return Error{std::string("internal error while compiling: ") + e.what()};
}

void Classifier::classify(std::span<const PacketKey> keys, std::span<RuleId> out) const noexcept {
  ISetViews views;
  detail::classify_fn(isa_)(tables_of(isets_, remainder_, views), keys, out, batch_);
}

RuleId Classifier::classify(const PacketKey& key) const noexcept {
  RuleId id = kNoMatch;
  classify(std::span(&key, 1), std::span(&id, 1));
  return id;
}

std::size_t Classifier::bytes() const noexcept {
  std::size_t b = sizeof(*this) + actions_.size() * sizeof(Action) + remainder_.bytes();
  for (const ISetIndex& s : isets_) b += sizeof(s) + s.index.bytes() + detail::bytes_of(s.rows);
  return b;
}

Classifier Classifier::assemble(std::size_t rule_count, Action default_action,
                                std::vector<Action> actions, std::vector<ISetIndex> isets,
                                TupleSpace remainder, std::uint32_t batch, CompileReport report) {
  Classifier c;
  c.rule_count_ = rule_count;
  c.default_action_ = default_action;
  c.actions_ = std::move(actions);
  c.isets_ = std::move(isets);
  c.remainder_ = std::move(remainder);
  c.batch_ = std::clamp<std::uint32_t>(batch, 1, kMaxChunk);
  c.report_ = std::move(report);
  auto isa = select_isa();
  c.isa_ = isa ? *isa : best_isa();
  return c;
}

}  // namespace lacl
