#include "lacl/dataplane/backend.hpp"

#include <array>

#include "lacl/isa.hpp"

namespace lacl::dataplane {
namespace {

constexpr std::array<std::pair<BackendKind, const char*>, 2> kNames = {
    {{BackendKind::kLacl, "lacl"}, {BackendKind::kRteAcl, "rte_acl"}}};

class LaclBackend final : public Backend {
 public:
  explicit LaclBackend(Classifier c)
      : Backend(actions_of(c), c.default_action()), classifier_(std::move(c)) {}

  void classify(std::span<const PacketKey> keys, std::span<RuleId> out) const noexcept override {
    classifier_.classify(keys, out.first(keys.size()));
  }

  BackendInfo info() const override {
    BackendInfo i;
    i.name = "lacl";
    i.algorithm = isa_name(classifier_.isa());
    i.bytes = classifier_.bytes();
    i.isets = classifier_.isets().size();
    i.coverage = classifier_.report().coverage;
    return i;
  }

 private:
  static std::vector<Action> actions_of(const Classifier& c) {
    std::vector<Action> a(c.rule_count());
    for (std::size_t id = 0; id < a.size(); ++id)
      a[id] = c.action(static_cast<RuleId>(id));
    return a;
  }

  Classifier classifier_;
};

Rule rule_of(const detail::RuleRow& row) {
  Rule r;
  for (std::size_t f = 0; f < kNumFields; ++f)
    r.field[f] = row.range(static_cast<Field>(f));
  r.proto_value = row.proto_lo == row.proto_hi ? row.proto_lo : 0;
  r.proto_mask = row.proto_lo == row.proto_hi ? 0xFF : 0x00;
  return r;
}

}  // namespace

const char* backend_name(BackendKind kind) noexcept {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<BackendKind> parse_backend(std::string_view name) noexcept {
  for (const auto& [k, n] : kNames) {
    if (name == n) return k;
  }
  return std::nullopt;
}

std::unique_ptr<const Backend> make_lacl_backend(Classifier classifier) {
  return std::make_unique<LaclBackend>(std::move(classifier));
}

Result<RuleSet> rules_of(const Classifier& c) {
  const std::size_t n = c.rule_count();
  std::vector<Rule> rules(n);
  std::vector<bool> seen(n, false);
  std::string problem;
  const auto take = [&](const detail::RuleRow& row) {
    if (row.id >= n) {
      problem = "a row names rule " + std::to_string(row.id) + " of " + std::to_string(n);
      return;
    }
    Rule r = rule_of(row);
    if (seen[row.id] && !(rules[row.id] == r)) {
      problem = "the rows of rule " + std::to_string(row.id) + " disagree";
      return;
    }
    rules[row.id] = r;
    seen[row.id] = true;
  };
  for (const ISetIndex& index : c.isets()) {
    for (const detail::RuleRow& row : index.candidate_rows())
      take(row);
  }
  for (const detail::RuleRow& row : c.remainder_rows())
    take(row);
  for (std::size_t id = 0; id < n && problem.empty(); ++id) {
    if (!seen[id]) problem = "rule " + std::to_string(id) + " has no row";
    const Range& p = rules[id].field[4];
    if (p.lo != p.hi && !(p.lo == 0 && p.hi == 255))
      problem = "rule " + std::to_string(id) + " has a protocol range that is not a value or *";
    rules[id].action = c.action(static_cast<RuleId>(id));
  }
  if (!problem.empty()) return Error{"cannot recover the rules from the classifier: " + problem};
  return RuleSet::make(std::move(rules), c.default_action());
}

}  // namespace lacl::dataplane
