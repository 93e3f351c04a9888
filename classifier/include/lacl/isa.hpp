// Which instruction-set variant of the lookup pipeline runs: chosen at run time from what the
// CPU has, or forced with the environment variable LACL_ISA=scalar|avx2|avx512.
#pragma once

#include <optional>
#include <string_view>

#include "lacl/result.hpp"

namespace lacl {

enum class Isa : unsigned char { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

/// "scalar", "avx2" or "avx512".
const char* isa_name(Isa isa) noexcept;
std::optional<Isa> parse_isa(std::string_view name) noexcept;

/// True when this CPU (and OS) can run `isa`.
bool isa_supported(Isa isa) noexcept;
/// The best ISA this CPU supports.
Isa best_isa() noexcept;

/// The ISA to use: LACL_ISA when set (an unknown value, or one this CPU cannot run, is an
/// error, never a silent fallback), otherwise best_isa().
Result<Isa> select_isa();

}  // namespace lacl
