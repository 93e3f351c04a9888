// Reading and writing DPDK l3fwd ACL rule files: the IPv4 file given to DPDK 22.11's
// `dpdk-l3fwd --lookup=acl --rule_ipv4=FILE` (formerly `l3fwd-acl`'s rule_ipv4.db).
//
// Lines, as examples/l3fwd/l3fwd_acl.c reads them:
//   @<src-ip>/<len> <dst-ip>/<len> <sp-lo> : <sp-hi> <dp-lo> : <dp-hi> <proto>/<mask>
//   R<src-ip>/<len> <dst-ip>/<len> <sp-lo> : <sp-hi> <dp-lo> : <dp-hi> <proto>/<mask> <port>
//   # comment
// `@` lines are ACL rules (action drop), `R` lines route rules (action accept:<port>). The lead
// character, `#`, must be the line's first character; a line of only white space is skipped and
// any other line is an error. Fields are separated by spaces or TABs and the `:` of a port range
// is a field of its own (`0 : 65535`, not `0:65535`). Addresses are strict dotted quads (no
// leading zeros, like inet_pton); every number after them is read as C's strtoul(s, &end, 0)
// reads it: `0x` hex, a leading `0` octal, decimal otherwise, no sign. The protocol is value/mask
// (`0x06/0xff`, `6/0xff`, `0/0`).
//
// Rule order. DPDK gives the n-th rule line of the file (ACL and route lines counted together)
// the rte_acl priority RTE_ACL_MAX_PRIORITY - n, so the earliest matching line wins whatever its
// kind. lacl keeps exactly that: rule id = 0-based index among the file's `@` and `R` lines, and
// the smallest id that matches wins. A packet that matches an `@` line before any `R` line is
// dropped, one that first matches an `R` line leaves by that line's port.
//
// Where lacl differs from DPDK 22.11:
//  - No match: l3fwd drops the packet. lacl applies the caller's default action
//    (RuleFileOptions::default_action, accept unless told): pass drop to reproduce l3fwd.
//  - Protocol masks: rte_acl matches `(proto & mask) == (value & mask)` for any mask; lacl
//    represents one protocol or all, so only masks 0xff and 0x00 are accepted (0x06/0xfe is an
//    error). With mask 0x00 any value means any protocol, as in rte_acl; lacl stores value 0.
//  - Strictness: DPDK ignores fields after the last one it needs and text after the prefix
//    length (`1.2.3.0/24/7`); lacl reports them. lacl accepts CRLF line ends, which DPDK rejects
//    (the CR sticks to the last number).
//  - DPDK requires at least one `R` line, at most 100000 rules, and an output port enabled in its
//    port mask; lacl accepts any number of rules of either kind and ports 0..65534 (65535 is
//    Action::kSamePort), and leaves the port check to the dataplane.
//  - lacl reads IPv4 rules only; DPDK reads a second file for IPv6.
//
// Writing: `@` for drop, `R ... <port>` for accept:<port>, fields separated by single spaces,
// protocol as `0x06/0xff` or `0x00/0x00`. The TCP flags lacl keeps from ClassBench files have no
// column here and are not written. A rule whose address is not a prefix, or whose action is a
// plain `accept` (no port), cannot be written.
//
// Errors are `file:line:column: problem` with the column 1-based.
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lacl/result.hpp"
#include "lacl/rule.hpp"

namespace lacl {

/// Parses l3fwd ACL rule text into rules in file order; `file` is only used in error messages.
Result<std::vector<Rule>> parse_l3fwd_acl_rules(std::string_view text, std::string_view file);
/// Reads and parses an l3fwd ACL rule file.
Result<std::vector<Rule>> read_l3fwd_acl_rules(const std::string& path);

/// One rule as an l3fwd line (without the newline), or why it has no l3fwd form.
Result<std::string> format_l3fwd_acl_rule(const Rule& r);
/// Writes every rule, one line each, or nothing when a rule has no l3fwd form (the error names
/// it by 0-based index).
Status write_l3fwd_acl_rules(std::ostream& out, std::span<const Rule> rules);

}  // namespace lacl
