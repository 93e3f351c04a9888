// lacl: the command-line tool. Generates rule sets and traces, classifies traces with any backend,
// and (as the later subcommands land) compiles, inspects and benchmarks classifiers.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "lacl: a learned 5-tuple packet classifier.\n"
      "Compiles ClassBench-style rule files into an exact learned index and classifies traces."};
  app.require_subcommand(1);
  app.set_version_flag("--version", LACL_VERSION);

  lacl::cli::add_gen_command(app);
  lacl::cli::add_classify_command(app);
  lacl::cli::add_compile_command(app);
  lacl::cli::add_inspect_command(app);
  lacl::cli::add_bench_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return lacl::cli::exit_code();
}
