#include "lacl/cut_tree.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <utility>

#include "lacl/detail/candidate_lanes.hpp"

namespace lacl {

namespace {

using detail::RuleRow;

// The part of the space a node stands for: [lo[f], hi[f]] on each field f.
struct Box {
  std::array<std::uint32_t, kNumFields> lo{};
  std::array<std::uint32_t, kNumFields> hi{};
};

// A cut's values as 64-bit numbers, padded past the last with one more than any field value,
// so that a child's number is a count of compares that has no branch and vectorises.
struct CutValues {
  std::array<std::uint64_t, CutTree::kFanout> v;

  explicit CutValues(std::span<const std::uint32_t> at) {
    v.fill(std::uint64_t{1} << 32);
    std::copy(at.begin(), at.end(), v.begin());
  }
  std::size_t child(std::uint32_t x) const noexcept {
    std::size_t n = 0;
    for (std::uint64_t c : v)
      n += c <= x ? 1 : 0;
    return n;
  }
};

// The children of a cut that the values [a, b] meet: first .. last.
std::pair<std::size_t, std::size_t> children_of(const CutValues& cut, std::uint32_t a,
                                                std::uint32_t b) {
  return {cut.child(a), cut.child(b)};
}

// The rules' ranges field by field: lo[f][i] and hi[f][i] of rows[i].
struct Bounds {
  std::array<std::vector<std::uint32_t>, kNumFields> lo;
  std::array<std::vector<std::uint32_t>, kNumFields> hi;

  // Whether rule i covers the box whole on every field.
  bool covers(std::uint32_t i, const Box& b) const noexcept {
    for (std::size_t f = 0; f < kNumFields; ++f) {
      if (lo[f][i] > b.lo[f] || hi[f][i] < b.hi[f]) return false;
    }
    return true;
  }

  explicit Bounds(std::span<const RuleRow> rows) {
    for (std::size_t f = 0; f < kNumFields; ++f) {
      lo[f].reserve(rows.size());
      hi[f].reserve(rows.size());
      for (const RuleRow& r : rows) {
        const Range x = r.range(static_cast<Field>(f));
        lo[f].push_back(x.lo);
        hi[f].push_back(x.hi);
      }
    }
  }
};

// A node's cut on one field: the cut values (ascending, each in (lo, hi] of the node's box:
// child c takes the values from cut c - 1 up to cut c, less one; the first from the box's low
// end) and what it leaves: the most rules of one child and the rules of all children.
struct Cut {
  std::uint32_t field = 0;
  std::vector<std::uint32_t> at;
  std::size_t most = 0;
  std::size_t total = 0;
};

// The cut of `rules` (indexes into the rows, all inside `box`) on field f: at every value where
// one of their ranges begins or ends inside the box when there are at most kFanout - 1 such
// values, else at evenly spaced ones of the rules' starts, so that about as many rules start in
// each child. None when no range begins or ends inside the box.
std::optional<Cut> cut_on(const Bounds& b, std::span<const std::uint32_t> rules, const Box& box,
                          std::uint32_t f, std::vector<std::uint32_t>& starts) {
  constexpr std::size_t kCuts = CutTree::kFanout - 1;
  const std::uint32_t lo = box.lo[f];
  const std::uint32_t hi = box.hi[f];
  const std::vector<std::uint32_t>& rlo = b.lo[f];
  const std::vector<std::uint32_t>& rhi = b.hi[f];
  // The distinct values where a range begins or ends, while there are at most kCuts of them.
  std::array<std::uint32_t, kCuts + 1> few{};
  std::size_t distinct = 0;
  auto note = [&](std::uint32_t v) {
    if (distinct > kCuts) return;
    const auto end = few.begin() + static_cast<std::ptrdiff_t>(distinct);
    if (std::find(few.begin(), end, v) == end) few[distinct++] = v;
  };
  for (std::uint32_t i : rules) {
    if (rlo[i] > lo) note(rlo[i]);
    if (rhi[i] < hi) note(rhi[i] + 1);
    if (distinct > kCuts) break;
  }
  if (distinct == 0) return std::nullopt;
  Cut cut;
  cut.field = f;
  if (distinct <= kCuts) {
    cut.at.assign(few.begin(), few.begin() + static_cast<std::ptrdiff_t>(distinct));
    std::sort(cut.at.begin(), cut.at.end());
  } else {
    // Where a start falls on the box's low end, the next quantile's start takes its place. Of
    // many rules, an evenly spaced sample of kSample: the quantiles move little, and the sorts
    // of the upper levels' nodes were most of a build.
    constexpr std::size_t kSample = 1024;
    const std::size_t step = (rules.size() + kSample - 1) / kSample;
    starts.clear();
    for (std::size_t k = 0; k < rules.size(); k += step)
      starts.push_back(std::max(rlo[rules[k]], lo));
    std::sort(starts.begin(), starts.end());
    for (std::size_t k = 1; k <= kCuts; ++k) {
      const std::uint32_t at = starts[k * starts.size() / (kCuts + 1)];
      if (at > lo && (cut.at.empty() || at > cut.at.back())) cut.at.push_back(at);
    }
    if (cut.at.empty()) return std::nullopt;
  }
  std::array<std::size_t, CutTree::kFanout> count{};
  const CutValues values(cut.at);
  for (std::uint32_t i : rules) {
    const auto [first, last] = children_of(values, std::max(rlo[i], lo), std::min(rhi[i], hi));
    for (std::size_t c = first; c <= last; ++c)
      ++count[c];
    cut.total += last - first + 1;
  }
  cut.most = *std::max_element(count.begin(), count.end());
  return cut;
}

}  // namespace

std::optional<CutTree> CutTree::build(std::span<const RuleRow> rows, std::uint32_t leaf_size,
                                      std::size_t max_bytes,
                                      std::chrono::steady_clock::time_point deadline) {
  CutTree t;
  t.leaf_size_ = std::clamp(leaf_size, kMinLeaf, kMaxLeaf);
  t.rules_ = rows.size();
  if (rows.empty()) return t;
  t.best_ = rows.front().id;
  constexpr std::size_t kLaneBytes = detail::lane_layout(detail::kNoIndexedField).bytes;

  struct Work {
    std::uint32_t node;
    std::uint32_t depth;
    Box box;
    std::vector<std::uint32_t> rules;  // indexes into rows, in priority order
  };
  std::deque<Work> queue;
  Work root{0, 0, {}, {}};
  for (std::size_t f = 0; f < kNumFields; ++f)
    root.box.hi[f] = kFieldMax[f];
  root.rules.resize(rows.size());
  for (std::uint32_t i = 0; i < rows.size(); ++i)
    root.rules[i] = i;
  t.nodes_.push_back({});
  queue.push_back(std::move(root));

  const Bounds bounds(rows);
  std::vector<RuleRow> leaf_rows;
  std::vector<std::uint32_t> leaf_offsets{0};
  std::vector<bool> listed(rows.size(), false);
  std::vector<std::uint32_t> starts;
  std::size_t pending = rows.size();  // rules listed by the nodes still in the queue
  // What the tree takes so far, counting each rule still to place as a leaf's candidate: a
  // node's rules end in its leaves unless a rule that covers a leaf cuts them short, so a tree
  // that outgrows the cap on this count rarely ends within it, and the build stops early.
  auto bytes_so_far = [&] {
    return t.nodes_.size() * sizeof(Node) + t.keys_.size() * sizeof(std::uint32_t) +
           (leaf_rows.size() + pending) * kLaneBytes;
  };
  while (!queue.empty()) {
    Work w = std::move(queue.front());
    queue.pop_front();
    pending -= w.rules.size();
    // Nothing after a rule that covers the whole box can match in it before that rule.
    for (std::size_t k = 0; k < w.rules.size(); ++k) {
      if (bounds.covers(w.rules[k], w.box)) {
        w.rules.resize(k + 1);
        break;
      }
    }
    std::optional<Cut> best;
    if (w.rules.size() > t.leaf_size_) {
      // The cut whose largest child is smallest, counting the replication too (the children's
      // mean size, weighted twice: against once, the trees of acl5_10k, acl1_1k, acl4_1k and
      // acl1_10k came out 6-21% smaller at the same depths, and acl5_10k's ran no slower). A
      // cut that leaves some child with every rule is not taken: where no cut separates the
      // rules, cutting on would only copy them into more leaves. So a build ends, every node's
      // children each holding fewer rules than it.
      auto score = [](const Cut& c) {
        return static_cast<double>(c.most) +
               2.0 * static_cast<double>(c.total) / static_cast<double>(c.at.size() + 1);
      };
      for (std::uint32_t f = 0; f < kNumFields; ++f) {
        std::optional<Cut> cut = cut_on(bounds, w.rules, w.box, f, starts);
        if (!cut || cut->most >= w.rules.size()) continue;
        if (!best || score(*cut) < score(*best)) best = std::move(cut);
      }
    }
    if (!best) {  // a leaf
      Node& leaf = t.nodes_[w.node];
      leaf = {w.node,
              static_cast<std::uint32_t>(leaf_rows.size()),
              static_cast<std::uint32_t>(w.rules.size()),
              0,
              0,
              0};
      for (std::uint32_t i : w.rules) {
        leaf_rows.push_back(rows[i]);
        listed[i] = true;
      }
      leaf_offsets.push_back(static_cast<std::uint32_t>(leaf_rows.size()));
      t.depth_ = std::max(t.depth_, w.depth);
    } else {
      const auto child = static_cast<std::uint32_t>(t.nodes_.size());
      const auto cuts = static_cast<std::uint32_t>(best->at.size());
      t.nodes_[w.node] = {child,
                          static_cast<std::uint32_t>(t.keys_.size() / kFanout),
                          0,
                          static_cast<std::uint8_t>(best->field),
                          static_cast<std::uint8_t>(cuts),
                          0};
      t.keys_.push_back(0);
      t.keys_.insert(t.keys_.end(), best->at.begin(), best->at.end());
      t.keys_.resize(t.keys_.size() + kFanout - 1 - cuts, 0xFFFFFFFFu);
      t.nodes_.resize(t.nodes_.size() + cuts + 1);
      const std::uint32_t f = best->field;
      std::array<Work, kFanout> kids;
      for (std::uint32_t c = 0; c <= cuts; ++c) {
        kids[c] = {child + c, w.depth + 1, w.box, {}};
        kids[c].box.lo[f] = c == 0 ? w.box.lo[f] : best->at[c - 1];
        kids[c].box.hi[f] = c == cuts ? w.box.hi[f] : best->at[c] - 1;
        kids[c].rules.reserve(best->most);
      }
      const CutValues values(best->at);
      for (std::uint32_t i : w.rules) {  // in priority order, so each child's list is too
        const auto [first, last] = children_of(values, std::max(bounds.lo[f][i], w.box.lo[f]),
                                               std::min(bounds.hi[f][i], w.box.hi[f]));
        for (std::size_t c = first; c <= last; ++c)
          kids[c].rules.push_back(i);
      }
      pending += best->total;
      for (std::uint32_t c = 0; c <= cuts; ++c)
        queue.push_back(std::move(kids[c]));
    }
    if (bytes_so_far() > max_bytes) return std::nullopt;
    if (deadline != std::chrono::steady_clock::time_point::max() &&
        std::chrono::steady_clock::now() > deadline) {
      return std::nullopt;
    }
  }
  if (t.keys_.empty()) t.keys_.resize(kFanout, 0xFFFFFFFFu);  // a root leaf still reads block 0
  t.lanes_ = detail::pack_lanes(leaf_offsets, leaf_rows, detail::kNoIndexedField);
  t.candidates_ = leaf_rows.size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!listed[i]) t.shadowed_.push_back(rows[i]);
  }
  if (t.bytes() > max_bytes) return std::nullopt;
  return t;
}

RuleId CutTree::classify(const PacketKey& k, RuleId best) const noexcept {
  if (empty()) return best;
  const Node* n = &nodes_[0];
  while (n->cuts != 0) {
    const std::uint32_t v = k.get(static_cast<Field>(n->field));
    const std::uint32_t* cut = &keys_[std::size_t{kFanout} * n->first + 1];
    const auto child = static_cast<std::uint32_t>(std::upper_bound(cut, cut + n->cuts, v) - cut);
    n = &nodes_[n->child + child];
  }
  constexpr std::size_t kLaneBytes = detail::lane_layout(detail::kNoIndexedField).bytes;
  const std::uint8_t* list = lanes_.data() + kLaneBytes * n->first;
  for (std::uint32_t i = 0; i < n->count; ++i) {
    const RuleRow r = detail::lane_row(list, n->count, i, detail::kNoIndexedField, {});
    if (r.id >= best) break;
    if (r.matches(k)) return r.id;
  }
  return best;
}

std::vector<RuleRow> CutTree::rows() const {
  std::vector<RuleRow> out(shadowed_.begin(), shadowed_.end());
  constexpr std::size_t kLaneBytes = detail::lane_layout(detail::kNoIndexedField).bytes;
  for (const Node& n : nodes_) {
    if (n.cuts != 0) continue;
    const std::uint8_t* list = lanes_.data() + kLaneBytes * n.first;
    for (std::uint32_t i = 0; i < n.count; ++i)
      out.push_back(detail::lane_row(list, n.count, i, detail::kNoIndexedField, {}));
  }
  std::sort(out.begin(), out.end(), [](const RuleRow& a, const RuleRow& b) { return a.id < b.id; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const RuleRow& a, const RuleRow& b) { return a.id == b.id; }),
            out.end());
  return out;
}

std::size_t CutTree::bytes() const noexcept {
  return nodes_.size() * sizeof(Node) + keys_.size() * sizeof(std::uint32_t) + lanes_.size() +
         shadowed_.size() * sizeof(RuleRow);
}

}  // namespace lacl
