#pragma once
// Pieces the Deployment and the verify CronJob share: labels, the replicator containers, volumes and
// the environment variables that carry secret values (internal to the renderer).

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "render/app_spec.h"

namespace hs::render::parts {

inline constexpr const char* kConfigDir = "/etc/homeserver-replicator";
inline constexpr const char* kConfigFile = "/etc/homeserver-replicator/replicator.yml";
inline constexpr const char* kConfigKey = "replicator.yml";
inline constexpr const char* kReplicatorBinary = "homeserver-replicator";
inline constexpr const char* kDataVolume = "data";
inline constexpr const char* kConfigVolume = "replicator-config";
inline constexpr const char* kTmpVolume = "tmp";
inline constexpr const char* kMetricsPortName = "metrics";

// The recommended app.kubernetes.io labels. The Deployment's selector is name + instance + component
// "app": immutable values only, and not matching the verify Job's pods (which a Service selecting the
// app must not reach either).
nlohmann::json labels(const AppSpec& spec, const std::string& component);
nlohmann::json selector_labels(const AppSpec& spec);

// dirname(database_path): the shared emptyDir's mount path.
std::string database_dir(const AppSpec& spec);

// A secret value and the env var the replicator config references it by (`${name}`).
struct SecretEnv {
  std::string name;
  std::string value;
};
// Every non-empty sensitive value of the spec, in a fixed order. Empty = no Secret is rendered.
std::vector<SecretEnv> secret_env(const AppSpec& spec);
std::string env_ref(const std::string& name);  // "${NAME}"

// Env var names for the sensitive values.
inline constexpr const char* kEnvHealthcheckUrl = "HOMESERVER_HEALTHCHECK_URL";
inline constexpr const char* kEnvSlackWebhookUrl = "HOMESERVER_SLACK_WEBHOOK_URL";
inline constexpr const char* kEnvGotifyUrl = "HOMESERVER_GOTIFY_URL";
inline constexpr const char* kEnvGotifyToken = "HOMESERVER_GOTIFY_TOKEN";
inline constexpr const char* kEnvNtfyUrl = "HOMESERVER_NTFY_URL";
inline constexpr const char* kEnvWebhookUrl = "HOMESERVER_WEBHOOK_URL";

// Distinct directories of the file replicas, in order of first appearance; volume i is "file-replica-<i>".
std::vector<std::string> file_replica_dirs(const AppSpec& spec);

std::string replicator_image(const AppSpec& spec);

// A replicator container running `homeserver-replicator <args...>`, hardened (non-root, read-only root
// filesystem, no capabilities), with the config, tmp, file replica mounts, and env from the Secrets.
// `with_data` mounts the database emptyDir (restore and replicate need it, verify does not).
nlohmann::json replicator_container(const AppSpec& spec, const std::string& name,
                                    const std::vector<std::string>& args, bool with_data);

// Volumes: database emptyDir (when with_data), config, tmp, file replica hostPaths.
nlohmann::json volumes(const AppSpec& spec, const std::string& config_map, bool with_data);

// Pod-level securityContext: non-root user/group, fsGroup, RuntimeDefault seccomp.
nlohmann::json pod_security_context(const AppSpec& spec);

}  // namespace hs::render::parts
