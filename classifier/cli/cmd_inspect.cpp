// `lacl inspect FILE.lacl`: validates an artifact exactly as the loader does and describes it:
// what it was compiled from and how, what the classifier holds, and the file's sections.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "commands.hpp"
#include "lacl/artifact.hpp"
#include "lacl/classbench.hpp"

namespace lacl::cli {
namespace {

struct InspectOptions {
  std::string artifact;
  bool json = false;
};

std::string hex(std::uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

void print_text(const std::string& path, const ArtifactInfo& info) {
  std::cout << "artifact:   " << path << '\n'
            << "  format version " << info.version << ", " << info.file_bytes
            << " bytes, whole-file crc32c " << hex(info.file_crc32c, 8) << '\n'
            << "tool:       lacl " << info.meta.tool_version << '\n'
            << "source:     " << info.meta.source_name << " (" << info.meta.source_format
            << ", digest " << hex(info.meta.source_digest, 16) << ")\n"
            << "options:    " << info.meta.options << '\n'
            << "default:    " << to_string(info.default_action) << '\n'
            << info.report.to_text() << "sections:\n";
  char line[160];
  std::snprintf(line, sizeof line, "  %-12s %12s %12s  %s\n", "name", "offset", "length", "crc32c");
  std::cout << line;
  for (const ArtifactInfo::Section& s : info.sections) {
    std::snprintf(line, sizeof line, "  %-12s %12llu %12llu  %s\n", s.name.c_str(),
                  static_cast<unsigned long long>(s.offset),
                  static_cast<unsigned long long>(s.length), hex(s.crc32c, 8).c_str());
    std::cout << line;
  }
}

void print_json(const std::string& path, const ArtifactInfo& info) {
  nlohmann::json j;
  j["file"] = path;
  j["format_version"] = info.version;
  j["bytes"] = info.file_bytes;
  j["crc32c"] = hex(info.file_crc32c, 8);
  j["tool_version"] = info.meta.tool_version;
  j["options"] = info.meta.options;
  j["source"] = {{"name", info.meta.source_name},
                 {"format", info.meta.source_format},
                 {"digest", hex(info.meta.source_digest, 16)}};
  j["default_action"] = to_string(info.default_action);
  j["report"] = nlohmann::json::parse(info.report.to_json());
  j["sections"] = nlohmann::json::array();
  for (const ArtifactInfo::Section& s : info.sections) {
    j["sections"].push_back({{"name", s.name},
                             {"offset", s.offset},
                             {"length", s.length},
                             {"crc32c", hex(s.crc32c, 8)}});
  }
  // The meta strings are whatever the writer stored: replace invalid UTF-8 rather than fail.
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void run_inspect(const InspectOptions& o) {
  auto text = read_file(o.artifact);
  if (!text) return fail(text.error().message);
  auto info = inspect_artifact(std::as_bytes(std::span(text->data(), text->size())), o.artifact);
  if (!info) return fail(info.error().message);
  if (o.json) {
    print_json(o.artifact, *info);
  } else {
    print_text(o.artifact, *info);
  }
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Validate a compiled artifact (FILE.lacl) and describe it: source, options, tool version, "
      "iSets, coverage, memory and sections");
  cmd->add_option("ARTIFACT", o->artifact, "Artifact written by `lacl compile -o`")->required();
  cmd->add_flag("--json", o->json, "Print the description as JSON");
  cmd->callback([o] { run_inspect(*o); });
}

}  // namespace lacl::cli
