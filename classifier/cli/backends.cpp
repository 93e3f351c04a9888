#include "backends.hpp"

#include "lacl/classifier.hpp"
#include "lacl/linear_scan.hpp"

namespace lacl::cli {
namespace {

class LinearBackend final : public Backend {
 public:
  explicit LinearBackend(const RuleSet& rules) : scan_(rules) {}
  void classify(std::span<const PacketKey> keys, std::span<RuleId> out) const override {
    scan_.classify(keys, out);
  }

 private:
  LinearScan scan_;
};

class LaclBackend final : public Backend {
 public:
  explicit LaclBackend(Classifier c) : c_(std::move(c)) {}
  void classify(std::span<const PacketKey> keys, std::span<RuleId> out) const override {
    c_.classify(keys, out);
  }

 private:
  Classifier c_;
};

}  // namespace

std::string backend_names() {
  return "lacl, linear";
}

Result<std::unique_ptr<Backend>> make_backend(std::string_view name, const RuleSet& rules) {
  if (name == "lacl") {
    auto c = Classifier::compile(rules);
    if (!c) return c.error();
    return std::unique_ptr<Backend>(std::make_unique<LaclBackend>(std::move(*c)));
  }
  if (name == "linear") return std::unique_ptr<Backend>(std::make_unique<LinearBackend>(rules));
  return Error{"unknown backend '" + std::string(name) + "' (expected " + backend_names() + ")"};
}

}  // namespace lacl::cli
