// The lacl subcommands. Each add_*_command registers a subcommand whose callback does the work;
// failures print `lacl: <message>` to stderr and set the process exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "lacl/result.hpp"

namespace lacl::cli {

void add_gen_command(CLI::App& app);
void add_classify_command(CLI::App& app);
void add_compile_command(CLI::App& app);

/// Records a failure: prints it and makes exit_code() non-zero.
void fail(const std::string& message, int code = 1);
/// Prints an Error and fails when `s` is not ok; returns s.ok().
bool check(const Status& s);
int exit_code();

/// Opens `path` for writing, or stdout when empty or "-". Fails with the OS reason.
class Output {
 public:
  explicit Output(const std::string& path);
  bool ok() const { return ok_; }
  std::ostream& stream() { return file_.is_open() ? file_ : std::cout; }
  /// Flushes and reports a write error (full disk, closed pipe) as a failure.
  bool close();

 private:
  std::string path_;
  std::ofstream file_;
  bool ok_ = true;
};

}  // namespace lacl::cli
