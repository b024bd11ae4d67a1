#include "render/pod_parts.h"

#include <algorithm>

#include <homeserver/version.h>

#include "render/render.h"

namespace hs::render {

std::string default_replicator_image() { return std::string("homeserver-replicator:") + homeserver::kVersion; }

namespace parts {

using nlohmann::json;

json selector_labels(const AppSpec& spec) {
  return {{"app.kubernetes.io/name", spec.name},
          {"app.kubernetes.io/instance", spec.name},
          {"app.kubernetes.io/component", "app"}};
}

json labels(const AppSpec& spec, const std::string& component) {
  json l = {{"app.kubernetes.io/name", spec.name},
            {"app.kubernetes.io/instance", spec.name},
            {"app.kubernetes.io/component", component}};
  l["app.kubernetes.io/part-of"] = spec.name;
  l["app.kubernetes.io/managed-by"] = "terraform-provider-homeserver";
  return l;
}

std::string database_dir(const AppSpec& spec) {
  auto slash = spec.database_path.rfind('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return spec.database_path.substr(0, slash);
}

std::string env_ref(const std::string& name) { return "${" + name + "}"; }

std::vector<SecretEnv> secret_env(const AppSpec& spec) {
  std::vector<SecretEnv> out;
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) out.push_back({name, value});
  };
  if (spec.verify) add(kEnvHealthcheckUrl, spec.verify->healthcheck_url);
  if (spec.alerts) {
    add(kEnvSlackWebhookUrl, spec.alerts->slack_webhook_url);
    add(kEnvGotifyUrl, spec.alerts->gotify_url);
    add(kEnvGotifyToken, spec.alerts->gotify_token);
    add(kEnvNtfyUrl, spec.alerts->ntfy_url);
    add(kEnvWebhookUrl, spec.alerts->webhook_url);
  }
  return out;
}

std::vector<std::string> file_replica_dirs(const AppSpec& spec) {
  std::vector<std::string> dirs;
  for (const auto& r : spec.replicas)
    if (r.type == "file" && std::find(dirs.begin(), dirs.end(), r.path) == dirs.end()) dirs.push_back(r.path);
  return dirs;
}

std::string replicator_image(const AppSpec& spec) {
  return spec.replicator_image.empty() ? default_replicator_image() : spec.replicator_image;
}

json replicator_container(const AppSpec& spec, const std::string& name, const std::vector<std::string>& args,
                          bool with_data) {
  json mounts = json::array();
  if (with_data) mounts.push_back({{"name", kDataVolume}, {"mountPath", database_dir(spec)}});
  mounts.push_back({{"name", kConfigVolume}, {"mountPath", kConfigDir}, {"readOnly", true}});
  mounts.push_back({{"name", kTmpVolume}, {"mountPath", "/tmp"}});
  auto dirs = file_replica_dirs(spec);
  for (size_t i = 0; i < dirs.size(); ++i)
    mounts.push_back({{"name", "file-replica-" + std::to_string(i)}, {"mountPath", dirs[i]}});

  json env_from = json::array();
  if (!spec.credentials_secret.empty())
    env_from.push_back({{"secretRef", {{"name", spec.credentials_secret}}}});
  if (!secret_env(spec).empty()) env_from.push_back({{"secretRef", {{"name", secret_name(spec)}}}});

  json c = {
      {"name", name},
      {"image", replicator_image(spec)},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", json::array({kReplicatorBinary})},
      {"args", args},
      // TMPDIR: the root filesystem is read-only; restore and verify write temporary files there.
      {"env", json::array({json{{"name", "TMPDIR"}, {"value", "/tmp"}}})},
      {"volumeMounts", mounts},
      {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "32Mi"}}}}},
      {"securityContext",
       {{"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"runAsNonRoot", true},
        {"capabilities", {{"drop", json::array({"ALL"})}}}}},
  };
  if (!env_from.empty()) c["envFrom"] = env_from;
  return c;
}

json volumes(const AppSpec& spec, const std::string& config_map, bool with_data) {
  json v = json::array();
  if (with_data) v.push_back({{"name", kDataVolume}, {"emptyDir", json::object()}});
  v.push_back({{"name", kConfigVolume}, {"configMap", {{"name", config_map}}}});
  v.push_back({{"name", kTmpVolume}, {"emptyDir", json::object()}});
  auto dirs = file_replica_dirs(spec);
  for (size_t i = 0; i < dirs.size(); ++i)
    v.push_back({{"name", "file-replica-" + std::to_string(i)},
                 // DirectoryOrCreate: a missing directory is created (root-owned: see the docs on
                 // preparing it for run_as_user) rather than the pod failing to start.
                 {"hostPath", {{"path", dirs[i]}, {"type", "DirectoryOrCreate"}}}});
  return v;
}

json pod_security_context(const AppSpec& spec) {
  return {{"runAsNonRoot", true},
          {"runAsUser", spec.run_as_user},
          {"runAsGroup", spec.run_as_user},
          {"fsGroup", spec.fs_group},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

}  // namespace parts
}  // namespace hs::render
