// lacl-dataplane: EAL first, then lacl's options after `--`, then the application.
#include <csignal>
#include <cstdio>
#include <string>

#include "app.hpp"
#include "dpdk.hpp"
#include "lacl/dataplane/options.hpp"
#include "log.hpp"

namespace {

// Signal handlers can reach only static storage.
lacl::dataplane::SignalFlags g_signals;

void on_signal(int sig) {
  if (sig == SIGHUP) {
    g_signals.reload.store(true);
  } else {
    g_signals.quit.store(true);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lacl::dataplane;
  const int consumed = rte_eal_init(argc, argv);
  if (consumed < 0) {
    log_error("EAL initialisation failed: %s", rte_strerror(rte_errno));
    return 1;
  }
  argc -= consumed;
  argv += consumed;

  int code = 0;
  {
    auto options = parse_options({argv, static_cast<std::size_t>(argc)});
    if (!options) {
      log_error("%s", options.error().message.c_str());
      code = 2;
    } else if (!options->help_text.empty()) {
      std::fputs(options->help_text.c_str(), stdout);
    } else {
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      sigemptyset(&sa.sa_mask);
      sigaction(SIGINT, &sa, nullptr);
      sigaction(SIGTERM, &sa, nullptr);
      sigaction(SIGHUP, &sa, nullptr);
      App app(std::move(*options), g_signals);
      code = app.run();
    }
  }
  rte_eal_cleanup();
  return code;
}
