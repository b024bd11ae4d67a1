#include "resources/field_errors.h"

#include <algorithm>
#include <set>
#include <string>

namespace hs::provider {
namespace {

// Top-level attributes whose rules read another top-level attribute (render/validate.cpp): an unknown
// in one of a group hides errors in all of them.
const std::vector<std::set<std::string>> kRelated = {
    {"ports", "metrics_port", "readiness_probe", "liveness_probe", "startup_probe", "service"},
    {"credentials_secret", "name"},
    {"replica", "database_path", "credentials_secret", "node_selector"},  // + the file replica warning
    {"env", "secret_env"},
    {"alerts", "verify", "alerts_secret"},
};

bool related(const std::string& a, const std::string& b) {
  if (a == b) return true;
  return std::any_of(kRelated.begin(), kRelated.end(), [&](const auto& g) { return g.count(a) && g.count(b); });
}

}  // namespace

bool is_prefix(const hs::render::FieldPath& prefix, const hs::render::FieldPath& path) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

std::vector<hs::render::FieldError> errors_not_affected_by_unknowns(std::vector<hs::render::FieldError> errors,
                                                                   const std::vector<hs::render::FieldPath>& unknown) {
  if (unknown.empty()) return errors;
  std::erase_if(errors, [&](const hs::render::FieldError& e) {
    // Rules across elements (duplicate replica names, port conflicts) report at one element but read its
    // siblings: an unknown anywhere in the same (or a related) top-level attribute may change them.
    return std::any_of(unknown.begin(), unknown.end(), [&](const hs::render::FieldPath& u) {
      if (e.path.empty() || u.empty()) return true;
      return related(u.front().name, e.path.front().name);
    });
  });
  return errors;
}

}  // namespace hs::provider
