#include "resources/state_upgrade.h"

#include <nlohmann/json.hpp>

#include "resources/app_schema.h"
#include "tfplugin/codec.h"

namespace hs::provider {

tfplugin::UpgradeResponse upgrade_app_state(int64_t version, const std::string& raw_state_json,
                                            const tfplugin::Type& type) {
  tfplugin::UpgradeResponse out;
  if (version > kAppSchemaVersion) {
    out.diagnostics.add_error(
        "State written by a newer provider",
        "This homeserver_sqlite_app was stored with schema version " + std::to_string(version) +
            " but this provider only knows versions up to " + std::to_string(kAppSchemaVersion) +
            ". Use the provider version that wrote the state (or newer); an older provider can't read it.");
    return out;
  }
  std::string json = raw_state_json;
  if (version < kAppSchemaVersion) {
    // Older layouts: keep what still exists under the same name; nulls for the rest.
    nlohmann::json old = nlohmann::json::parse(raw_state_json, nullptr, false);
    if (!old.is_object()) {
      out.diagnostics.add_error("Corrupt state", "the stored homeserver_sqlite_app (schema version " +
                                                     std::to_string(version) + ") is not a JSON object");
      return out;
    }
    nlohmann::json kept = nlohmann::json::object();
    for (const auto& [name, _] : type.attributes())
      if (old.contains(name)) kept[name] = old[name];
    json = kept.dump();
  }
  std::string error;
  auto value = tfplugin::decode_json(json, type, error);
  if (!value) {
    out.diagnostics.add_error("Corrupt state", "the stored homeserver_sqlite_app (schema version " +
                                                   std::to_string(version) + ") can't be read: " + error);
    return out;
  }
  // List blocks are never null in state (terraform's rule); an old state may lack them.
  if ((*value)[attr::kReplica].is_null())
    value = value->with_attribute(attr::kReplica,
                                  tfplugin::Value::list(type.attributes().at(attr::kReplica).element(), {}));
  out.upgraded_state = *value;
  return out;
}

}  // namespace hs::provider
