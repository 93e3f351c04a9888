#include "lacl/bench/reference.hpp"

#include <string>

#include "lacl/linear_scan.hpp"

namespace lacl::bench {

Result<Reference> make_reference(const RuleSet& rules, std::span<const PacketKey> keys,
                                 CompiledLacl& lacl) {
  Reference ref;
  const LinearScan scan(rules);
  ref.answers.resize(keys.size());
  if (rules.size() <= kLinearReferenceMaxRules) {
    scan.classify(keys, ref.answers);
    ref.method = "linear scan over every packet";
    return ref;
  }
  if (!lacl.classifier) {
    auto c = compile_lacl(rules);
    if (!c) return c.error();
    lacl = std::move(*c);
  }
  lacl.classifier->classify(keys, ref.answers);
  ref.full_linear = false;
  // Evenly spaced indices reach every part of the trace, and ClassBench traces are ordered by
  // nothing that a stride could alias with.
  const std::size_t n = keys.size();
  ref.sample = std::min(n, kReferenceSample);
  for (std::size_t s = 0; s < ref.sample; ++s) {
    const std::size_t i = s * n / ref.sample;
    ref.sample_mismatches += scan.classify(keys[i]) != ref.answers[i];
  }
  ref.method = "lacl's answers (more than " + std::to_string(kLinearReferenceMaxRules) +
               " rules), lacl checked against the linear scan on " + std::to_string(ref.sample) +
               " evenly spaced packets";
  return ref;
}

}  // namespace lacl::bench
