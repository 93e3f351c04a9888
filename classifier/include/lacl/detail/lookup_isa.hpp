// The per-ISA entry points of the lookup pipeline; each lives in its own translation unit
// (src/lookup_<isa>.cpp) compiled with its own flags, and is only called on a CPU that has it.
#pragma once

#include "lacl/detail/lookup_pipeline.hpp"
#include "lacl/isa.hpp"

namespace lacl::detail {

void classify_scalar(const LookupTables&, std::span<const PacketKey>, std::span<RuleId>,
                     std::size_t) noexcept;
void classify_avx2(const LookupTables&, std::span<const PacketKey>, std::span<RuleId>,
                   std::size_t) noexcept;
void classify_avx512(const LookupTables&, std::span<const PacketKey>, std::span<RuleId>,
                     std::size_t) noexcept;

/// The entry point for `isa` (defined in a baseline translation unit).
ClassifyFn classify_fn(Isa isa) noexcept;

}  // namespace lacl::detail
