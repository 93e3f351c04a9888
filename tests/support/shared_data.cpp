#include "shared_data.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;

namespace lacl::test {

std::optional<std::string> shared_rulesets_dir() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("LACL_SHARED_RULESETS")) candidates.emplace_back(env);
  candidates.emplace_back("../shared/rulesets");
  candidates.emplace_back("../../shared/rulesets");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec) && fs::exists(fs::path(c) / "acl1_1k.rules.xz", ec)) {
      return fs::canonical(c).string();
    }
  }
  return std::nullopt;
}

std::vector<std::string> shared_set_names(unsigned max_rules_k) {
  std::vector<std::string> names;
  auto dir = shared_rulesets_dir();
  if (!dir) return names;
  for (const auto& e : fs::directory_iterator(*dir)) {
    const std::string f = e.path().filename().string();
    const std::string suffix = ".rules.xz";
    if (f.size() <= suffix.size() || f.substr(f.size() - suffix.size()) != suffix) continue;
    const std::string name = f.substr(0, f.size() - suffix.size());
    const auto us = name.rfind('_');
    const unsigned k = static_cast<unsigned>(std::stoul(name.substr(us + 1)));
    if (k <= max_rules_k) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string shared_file(const std::string& name, const std::string& kind) {
  static const fs::path tmp = [] {
    fs::path p = fs::temp_directory_path() / ("lacl-test-" + std::to_string(::getpid()));
    fs::create_directories(p);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(fs::temp_directory_path() / ("lacl-test-" + std::to_string(::getpid())), ec);
    });
    return p;
  }();
  auto dir = shared_rulesets_dir();
  if (!dir) throw std::runtime_error("shared rulesets are absent");
  const fs::path out = tmp / (name + "." + kind);
  if (!fs::exists(out)) {
    const std::string cmd = "xz -dc '" + (fs::path(*dir) / (name + "." + kind + ".xz")).string() +
                            "' > '" + out.string() + "'";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot decompress: " + cmd);
  }
  return out.string();
}

void require_shared_sets() {
  if (!shared_rulesets_dir()) {
    std::fprintf(stderr, "SKIP: ../shared/rulesets is absent\n");
    std::exit(77);
  }
}

}  // namespace lacl::test
