#include "lacl/bench/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <mutex>

#include "lacl/dpdk/eal.hpp"

namespace lacl::bench {
namespace {

struct EalState {
  std::once_flag once;
  bool ready = false;
  bool cleaned = false;
  bool own_runtime_dir = false;  ///< the default arguments named a per-process file prefix
  std::string error;
  std::string args;
};

EalState& state() {
  static EalState s;
  return s;
}

}  // namespace

std::vector<std::string> default_eal_args(unsigned memory_mib) {
  return {"--no-huge",
          "-m",
          std::to_string(memory_mib),
          "--no-pci",
          "--file-prefix",
          "lacl-bench-" + std::to_string(::getpid()),
          "--no-shconf",
          "--no-telemetry",
          "--log-level=lib.eal:error",
          "--force-max-simd-bitwidth=512"};
}

std::vector<std::string> split_eal_args(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
      ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t')
      ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

Status init_eal(const EalOptions& options) {
  EalState& s = state();
  std::call_once(s.once, [&] {
    std::vector<std::string> args = {"lacl-bench"};
    const std::vector<std::string> rest =
        options.args.empty() ? default_eal_args(options.memory_mib) : options.args;
    args.insert(args.end(), rest.begin(), rest.end());
    // rte_eal_init may permute argv and keeps pointers into it: give it storage that lives on.
    static std::vector<std::string> storage;
    static std::vector<char*> argv;
    storage = args;
    for (std::string& a : storage)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string joined;
    for (std::size_t i = 1; i < args.size(); ++i)
      joined += (i > 1 ? " " : "") + args[i];
    if (rte_eal_init(static_cast<int>(argv.size() - 1), argv.data()) < 0) {
      s.error = "EAL initialisation failed (" + joined + "): " + rte_strerror(rte_errno);
      return;
    }
    s.ready = true;
    s.args = joined;
    s.own_runtime_dir = options.args.empty();
  });
  if (!s.ready) return Error{s.error};
  return Ok{};
}

bool eal_ready() noexcept {
  return state().ready && !state().cleaned;
}

std::string eal_args_used() {
  return state().ready ? state().args : std::string();
}

void cleanup_eal() noexcept {
  EalState& s = state();
  if (!s.ready || s.cleaned) return;
  // With --no-shconf EAL writes no files, but still creates the per-prefix runtime directory
  // (/var/run/dpdk/lacl-bench-<pid> as root): remove it, empty, so runs leave nothing behind.
  const std::string dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  s.cleaned = true;
  if (s.own_runtime_dir) ::rmdir(dir.c_str());
}

std::size_t eal_heap_bytes() noexcept {
  return eal_ready() ? dpdk::eal_heap_bytes() : 0;
}

}  // namespace lacl::bench
