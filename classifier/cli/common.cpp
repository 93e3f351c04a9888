#include <cerrno>
#include <cstring>
#include <iostream>

#include "commands.hpp"

namespace lacl::cli {
namespace {
int g_exit_code = 0;
}

void fail(const std::string& message, int code) {
  std::cerr << "lacl: " << message << '\n';
  if (g_exit_code == 0) g_exit_code = code;
}

bool check(const Status& s) {
  if (!s) fail(s.error().message);
  return s.ok();
}

int exit_code() { return g_exit_code; }

Output::Output(const std::string& path) : path_(path) {
  if (path.empty() || path == "-") return;
  file_.open(path, std::ios::binary | std::ios::trunc);
  if (!file_) {
    fail(path + ": cannot open for writing: " + std::strerror(errno));
    ok_ = false;
  }
}

bool Output::close() {
  stream().flush();
  if (!stream()) {
    fail((path_.empty() || path_ == "-" ? std::string("stdout") : path_) + ": write error");
    return false;
  }
  if (file_.is_open()) file_.close();
  return true;
}

}  // namespace lacl::cli
