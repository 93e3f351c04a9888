#include "lacl/dataplane/generation.hpp"

#include <algorithm>

#include "lacl/dataplane/counters.hpp"

namespace lacl::dataplane {

namespace {
constexpr std::size_t kWordsPerLine = detail::kCacheLine / sizeof(std::uint64_t);
}

GenerationCounters::GenerationCounters(std::size_t rules)
    : rules_(rules),
      words_((kHeader + rules + kWordsPerLine - 1) / kWordsPerLine * kWordsPerLine, 0) {}

Generation::Generation(std::uint64_t n, LoadedClassifier l, std::size_t workers)
    : number(n), loaded(std::move(l)) {
  counters.reserve(workers);
  for (std::size_t w = 0; w < workers; ++w)
    counters.emplace_back(loaded.backend->rule_count());
}

GenerationSummary summarize(const Generation& g, bool with_hits) {
  GenerationSummary s;
  s.number = g.number;
  s.source = g.loaded.source;
  s.kind = g.loaded.kind;
  s.rules = g.loaded.backend->rule_count();
  s.load_ms = g.loaded.load_ms;
  if (with_hits) s.hits.assign(s.rules, 0);
  for (const GenerationCounters& c : g.counters) {
    const std::uint64_t* w = c.words();
    s.classified += peek(w[0]);
    s.no_match += peek(w[1]);
    s.malformed += peek(w[2]);
    if (with_hits) {
      for (std::size_t r = 0; r < s.rules; ++r)
        s.hits[r] += peek(w[GenerationCounters::kHeader + r]);
    }
  }
  return s;
}

void HitHistory::retire(const Generation& g) {
  GenerationSummary s = summarize(g, true);
  if (hits_.size() < s.hits.size()) hits_.resize(s.hits.size(), 0);
  for (std::size_t r = 0; r < s.hits.size(); ++r)
    hits_[r] += s.hits[r];
  no_match_ += s.no_match;
  classified_ += s.classified;
  if (!keep_generation_hits_) {
    s.hits.clear();
    s.hits.shrink_to_fit();
  }
  retired_.push_back(std::move(s));
}

}  // namespace lacl::dataplane
