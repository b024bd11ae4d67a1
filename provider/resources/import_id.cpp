#include "resources/import_id.h"

#include "render/syntax.h"

namespace hs::provider {

std::string format_app_id(const std::string& namespace_, const std::string& name) {
  return namespace_ + "/" + name;
}

std::optional<AppId> parse_app_id(const std::string& id, std::string& error) {
  auto slash = id.find('/');
  if (slash == std::string::npos || id.find('/', slash + 1) != std::string::npos) {
    error = "\"" + id + "\" is not an app id: expected \"namespace/name\", e.g. \"default/blog\"";
    return std::nullopt;
  }
  AppId app{id.substr(0, slash), id.substr(slash + 1)};
  // The same rules as the resource's own attributes, so an import never creates a state the config can't match.
  if (auto why = hs::render::syntax::check_dns1123_label(app.namespace_); !why.empty()) {
    error = "\"" + id + "\": namespace " + why + " (expected \"namespace/name\")";
    return std::nullopt;
  }
  if (auto why = hs::render::syntax::check_dns1123_label(app.name); !why.empty()) {
    error = "\"" + id + "\": name " + why + " (expected \"namespace/name\")";
    return std::nullopt;
  }
  return app;
}

}  // namespace hs::provider
