#pragma once
// The schema of `homeserver_sqlite_app` (resource and data source): the inputs of render's AppSpec
// under their HCL names, plus the computed results.
//
// HCL shape, chosen to read like the Kubernetes and litestream config it stands for:
//   - `replica`, `verify`, `alerts` are blocks (one `replica { }` per backup target, like litestream's
//     list of replicas; `verify { }` / `alerts { }` switch a feature on by being present);
//   - `ports` (list) and `resources` (single) are nested attributes: `ports = [{ container_port = 8080 }]`,
//     `resources = { limits = { memory = "256Mi" } }`, as in a Kubernetes container spec.

#include "tfplugin/schema.h"

namespace hs::provider {

// Bumped when the state layout changes; upgrade_state() knows every older version.
inline constexpr int64_t kAppSchemaVersion = 1;

// Attribute names shared by the conversion and the plan code.
namespace attr {
inline constexpr const char* kId = "id";
inline constexpr const char* kName = "name";
inline constexpr const char* kNamespace = "namespace";
inline constexpr const char* kManifests = "manifests";
inline constexpr const char* kManifestsYaml = "manifests_yaml";
inline constexpr const char* kReplicatorConfig = "replicator_config";
inline constexpr const char* kReplica = "replica";
}  // namespace attr

// The resource schema (version kAppSchemaVersion): `namespace` is optional+computed (planned
// "default" when unset) and changing `name` or `namespace` replaces the app.
tfplugin::Schema app_resource_schema();

// The data source: the same inputs and computed attributes.
tfplugin::Schema app_data_source_schema();

// The provider block: image_registry, replicator_image.
tfplugin::Schema provider_block_schema();

}  // namespace hs::provider
