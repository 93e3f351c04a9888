// Seeded generators of ClassBench-like rule sets and packet traces. They make the data for the
// demo and the default tests, so the project never needs ../shared. Output is a pure function of
// the arguments: the same (profile, count, seed) gives the same rules on every machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "lacl/classbench.hpp"
#include "lacl/rule.hpp"

namespace lacl {

/// Rule families modelled on ClassBench's seed files.
///  - kAcl: access lists: mostly long destination prefixes, many exact destination ports,
///          TCP-heavy, source often wildcard or short.
///  - kFw:  firewalls: many wildcards and short prefixes on both addresses, arbitrary port
///          ranges, heavy overlap.
///  - kIpc: IP chains: a mix of both address lengths, well-known port ranges, UDP and TCP.
enum class Profile : std::uint8_t { kAcl, kFw, kIpc };

/// "acl", "fw" or "ipc".
const char* profile_name(Profile p) noexcept;
std::optional<Profile> parse_profile(std::string_view name) noexcept;

/// `count` distinct rules (exact duplicates are not emitted) of the given profile, with every
/// field valid (see RuleSet::check) and every rule's action `accept`. Prefix lengths, port
/// classes (wildcard, exact, well-known ranges such as 0:1023 / 1024:65535, arbitrary ranges) and
/// protocols (tcp, udp, icmp, wildcard, ...) follow the profile's mix, and addresses are drawn
/// from a small set of clustered "networks" so rules nest and overlap like the real seed files.
std::vector<Rule> generate_rules(Profile profile, std::size_t count, std::uint64_t seed);

/// `count` headers drawn from `rules`: per header a rule is chosen (uniformly, or with Zipf
/// locality of exponent `zipf` over a seeded permutation of the rules when zipf > 0) and each field
/// is taken at a corner (lo or hi), just inside or beside a corner, or uniformly in the interior;
/// a share of headers is uniformly random over the whole space. `rule` is the generating rule's
/// index, or -1 for the random headers. Empty `rules` gives only random headers.
std::vector<TraceEntry> generate_trace(std::span<const Rule> rules, std::size_t count,
                                       std::uint64_t seed, double zipf = 0.0);

}  // namespace lacl
