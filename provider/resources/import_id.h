#pragma once
// `terraform import homeserver_sqlite_app.x <namespace>/<name>`: the id a resource's `id` holds.

#include <optional>
#include <string>

namespace hs::provider {

struct AppId {
  std::string namespace_;
  std::string name;
};

std::string format_app_id(const std::string& namespace_, const std::string& name);

// Parses "namespace/name"; on failure returns nullopt and sets `error` to what is wrong.
std::optional<AppId> parse_app_id(const std::string& id, std::string& error);

}  // namespace hs::provider
