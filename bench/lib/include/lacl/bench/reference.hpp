// The expected answers every benchmarked backend is verified against before it is timed.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "lacl/bench/timed_backend.hpp"
#include "lacl/result.hpp"
#include "lacl/rule_set.hpp"

namespace lacl::bench {

/// Up to this many rules the linear scan answers every packet of the trace.
inline constexpr std::size_t kLinearReferenceMaxRules = 20000;
/// Above it, lacl's answers are the reference, checked against the linear scan on this many
/// packets spread evenly over the trace (the scan costs about rules x packets).
inline constexpr std::size_t kReferenceSample = 4096;

struct Reference {
  std::vector<RuleId> answers;        ///< one per trace packet
  bool full_linear = true;            ///< the linear scan computed every answer
  std::size_t sample = 0;             ///< otherwise: packets where lacl was checked ...
  std::size_t sample_mismatches = 0;  ///< ... and how many of them differed (lacl is wrong there)
  std::string method;                 ///< one line for reports
};

/// The reference answers for `keys`. Large sets use lacl's answers: `lacl` is compiled here when
/// it holds no classifier yet (and kept, so the caller can time the same build); its compile error
/// is returned. A sample mismatch is not an error: it is recorded, and the caller must report
/// lacl's answers as wrong.
Result<Reference> make_reference(const RuleSet& rules, std::span<const PacketKey> keys,
                                 CompiledLacl& lacl);

}  // namespace lacl::bench
