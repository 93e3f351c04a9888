// Reading and writing ClassBench rule files and packet traces (see ../shared/rulesets/README.md).
//
// Rule line:  @<src-ip>/<len> <dst-ip>/<len> <sp-lo> : <sp-hi> <dp-lo> : <dp-hi> 0x<p>/0x<m>
//             0x<flags>/0x<mask> [action]
// Fields are separated by TABs or spaces, a trailing TAB and CRLF line ends are accepted, and blank
// lines and lines starting with '#' are skipped. Besides prefixes, an address may be an explicit
// range `a.b.c.d-e.f.g.h` (lacl's extension, written only for ranges that are not a prefix). The
// optional action column is `accept`, `accept:<port>` or `drop`; without it a rule gets the
// caller's default rule action.
//
// Trace line: <src-ip> <dst-ip> <src-port> <dst-port> <proto> <flags> [<rule>], decimal, host
// order.
//
// Every malformed element is reported as `file:line:column: problem`, the column 1-based.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lacl/result.hpp"
#include "lacl/rule.hpp"

namespace lacl {

/// One trace line: the header and, when the line has it, the rule it was generated from.
struct TraceEntry {
  PacketKey key{};
  std::uint32_t flags = 0;
  std::int64_t rule = -1;  ///< generating rule (0-based), or -1 when the column is absent
  friend bool operator==(const TraceEntry&, const TraceEntry&) = default;
};

/// Parses ClassBench rule text; `file` is only used in error messages.
Result<std::vector<Rule>> parse_classbench_rules(std::string_view text, std::string_view file,
                                                 Action rule_action = Action::accept());
/// Reads and parses a ClassBench rule file.
Result<std::vector<Rule>> read_classbench_rules(const std::string& path,
                                                Action rule_action = Action::accept());

/// One rule as a ClassBench line (with a trailing TAB, without the newline). The action column
/// is written only when `with_action`.
std::string format_classbench_rule(const Rule& r, bool with_action = false);
void write_classbench_rules(std::ostream& out, std::span<const Rule> rules,
                            bool with_action = false);

Result<std::vector<TraceEntry>> parse_trace(std::string_view text, std::string_view file);
Result<std::vector<TraceEntry>> read_trace(const std::string& path);
std::string format_trace_entry(const TraceEntry& e);
/// The headers of a trace, in order.
std::vector<PacketKey> trace_keys(std::span<const TraceEntry> trace);
void write_trace(std::ostream& out, std::span<const TraceEntry> trace);

/// Reads a whole file into a string; the error names the file and the OS reason.
Result<std::string> read_file(const std::string& path);

}  // namespace lacl
