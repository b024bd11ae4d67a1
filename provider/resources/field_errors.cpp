#include "resources/field_errors.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace hs::provider {
namespace {

// Top-level attributes whose rules read each other (render/validate.cpp): an unknown in one of a group
// hides errors in all of them.
const std::vector<std::set<std::string>> kRelated = {
    {"ports", "metrics_port", "service"},  // service: a multi-port Service reports unnamed ports at ports[i]
    {"credentials_secret", "name"},       {"replica", "database_path"}, {"env", "secret_env"},
    {"alerts", "alerts_secret"},
};

// One-way: an unknown `first` may change the errors (or warnings) reported at `second`, not the reverse.
const std::vector<std::pair<std::string, std::string>> kAffects = {
    {"ports", "readiness_probe"},      {"ports", "liveness_probe"}, {"ports", "startup_probe"},  // port names
    {"credentials_secret", "replica"},  // access_key_id_env needs a credentials_secret
    {"node_selector", "replica"},       // the file replica warning
    {"verify", "alerts_secret"},        // alerts_secret.healthcheck_url needs a verify block
};

// Whether an unknown `unknown` may change an error at `error`.
bool related(const std::string& unknown, const std::string& error) {
  if (unknown == error) return true;
  if (std::find(kAffects.begin(), kAffects.end(), std::pair(unknown, error)) != kAffects.end()) return true;
  return std::any_of(kRelated.begin(), kRelated.end(),
                     [&](const auto& g) { return g.count(unknown) && g.count(error); });
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
