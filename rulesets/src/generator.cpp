// TEMPORARY placeholder so the tree configures while the generator is written (helper replaces it).
#include "lacl/generator.hpp"
namespace lacl {
const char* profile_name(Profile) noexcept { return "acl"; }
std::optional<Profile> parse_profile(std::string_view) noexcept { return Profile::kAcl; }
std::vector<Rule> generate_rules(Profile, std::size_t, std::uint64_t) { return {}; }
std::vector<TraceEntry> generate_trace(std::span<const Rule>, std::size_t, std::uint64_t, double) { return {}; }
}  // namespace lacl
