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

// Per-replica credentials (replica.credentials_secret): env var names of replica `index`'s keys. With
// access_key_id_env / secret_access_key_env one variable each, from the named keys; else two, from the
// LITESTREAM_* and the AWS_* key (both optional): the config references `${LITESTREAM var}${AWS var}`,
// which is whichever of the two keys the Secret holds.
std::string replica_key_env(size_t index, bool secret_key, bool aws);
// The config's access-key-id / secret-access-key value for a replica with its own credentials_secret.
std::string replica_key_ref(const ReplicaSpec& r, size_t index, bool secret_key);
// replica.age: the env var that carries replica `index`'s age identity (from age.identity_secret).
std::string replica_age_identity_env(size_t index);

// app.kubernetes.io/version: the image's tag when it is a valid label value, else "".
std::string image_version(const std::string& image);

// alerts_secret: (env var, key in the Secret) for each key it names, in the order of the kEnv* names.
std::vector<std::pair<std::string, std::string>> alerts_secret_env(const AppSpec& spec);

// Distinct directories of the file replicas, in order of first appearance; volume i is "file-replica-<i>".
std::vector<std::string> file_replica_dirs(const AppSpec& spec);

std::string replicator_image(const AppSpec& spec);

// A replicator container running `homeserver-replicator <args...>`, hardened (non-root, read-only root
// filesystem, no capabilities), with the config, tmp, file replica mounts, and env from the Secrets.
// `with_data` mounts the database emptyDir (restore and replicate need it, verify does not).
nlohmann::json replicator_container(const AppSpec& spec, const std::string& name, const std::vector<std::string>& args,
                                    bool with_data);

// Volumes: database emptyDir (when with_data), config, tmp, file replica hostPaths.
nlohmann::json volumes(const AppSpec& spec, const std::string& config_map, bool with_data);

// Pod placement and identity shared by the Deployment's and the CronJob's pods: imagePullSecrets,
// nodeSelector, tolerations; the app pod gets serviceAccountName when set (else no API token is mounted),
// the verify pod never mounts one.
void add_pod_placement(const AppSpec& spec, nlohmann::json& pod_spec, bool app_pod);

// Pod-level securityContext: non-root user/group, fsGroup, RuntimeDefault seccomp.
nlohmann::json pod_security_context(const AppSpec& spec);

}  // namespace hs::render::parts
