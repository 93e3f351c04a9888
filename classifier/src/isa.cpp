#include "lacl/isa.hpp"

#include <cstdlib>
#include <string>

namespace lacl {

const char* isa_name(Isa isa) noexcept {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

std::optional<Isa> parse_isa(std::string_view name) noexcept {
  if (name == "scalar") return Isa::kScalar;
  if (name == "avx2") return Isa::kAvx2;
  if (name == "avx512") return Isa::kAvx512;
  return std::nullopt;
}

bool isa_supported(Isa isa) noexcept {
  __builtin_cpu_init();
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  }
  return false;
}

Isa best_isa() noexcept {
  if (isa_supported(Isa::kAvx512)) return Isa::kAvx512;
  if (isa_supported(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kScalar;
}

Result<Isa> select_isa() {
  const char* env = std::getenv("LACL_ISA");
  if (env == nullptr || *env == '\0') return best_isa();
  auto isa = parse_isa(env);
  if (!isa)
    return Error{std::string("LACL_ISA=") + env +
                 ": unknown ISA (expected scalar, avx2 or avx512)"};
  if (!isa_supported(*isa))
    return Error{std::string("LACL_ISA=") + env + ": this CPU cannot run it"};
  return *isa;
}

}  // namespace lacl
