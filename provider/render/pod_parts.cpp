#include "render/pod_parts.h"

#include <algorithm>
#include <cctype>

#include <homeserver/version.h>

#include "render/render.h"

namespace hs::render {

std::string default_replicator_image() {
  return std::string("homeserver-replicator:") + homeserver::kVersion;
}

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
  if (auto v = image_version(spec.image); !v.empty()) l["app.kubernetes.io/version"] = v;
  l["app.kubernetes.io/part-of"] = spec.name;
  l["app.kubernetes.io/managed-by"] = "terraform-provider-homeserver";
  return l;
}

std::string database_dir(const AppSpec& spec) {
  auto slash = spec.database_path.rfind('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return spec.database_path.substr(0, slash);
}

std::string env_ref(const std::string& name) {
  return "${" + name + "}";
}

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

std::string image_version(const std::string& image) {
  std::string ref = image.substr(0, image.find('@'));  // a digest is not a version
  const auto slash = ref.rfind('/');
  const auto colon = ref.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return "";  // no tag (or a port)
  std::string tag = ref.substr(colon + 1);
  // A label value: <= 63 characters, alphanumerics, '-', '_', '.', starting and ending alphanumeric.
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (tag.empty() || tag.size() > 63 || !alnum(tag.front()) || !alnum(tag.back())) return "";
  for (char c : tag)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return "";
  return tag;
}

std::string replica_key_env(size_t index, bool secret_key, bool aws) {
  return "HOMESERVER_REPLICA_" + std::to_string(index) + (aws ? "_AWS" : "") +
         (secret_key ? "_SECRET_ACCESS_KEY" : "_ACCESS_KEY_ID");
}

std::string replica_key_ref(const ReplicaSpec& r, size_t index, bool secret_key) {
  const bool named = !r.access_key_id_env.empty();
  std::string ref = env_ref(replica_key_env(index, secret_key, false));
  if (!named) ref += env_ref(replica_key_env(index, secret_key, true));
  return ref;
}

std::string replica_age_identity_env(size_t index) {
  return "HOMESERVER_REPLICA_" + std::to_string(index) + "_AGE_IDENTITY";
}

// env entries of the replicator containers for replicas with their own credentials_secret, and for
// replicas with an age identity (every replicator container reads: restore and verify decrypt, and
// replicate decrypts the last WAL segment when it resumes a generation).
json replica_credentials_env(const AppSpec& spec) {
  json env = json::array();
  for (size_t i = 0; i < spec.replicas.size(); ++i) {
    const ReplicaSpec& r = spec.replicas[i];
    if (r.age) {
      json sel = {{"name", r.age->identity_secret}, {"key", r.age->identity_key}};
      env.push_back({{"name", replica_age_identity_env(i)}, {"valueFrom", {{"secretKeyRef", sel}}}});
    }
    if (r.type != "s3" || r.credentials_secret.empty()) continue;
    auto ref = [&](const std::string& name, const std::string& key, bool optional) {
      json sel = {{"name", r.credentials_secret}, {"key", key}};
      if (optional) sel["optional"] = true;
      env.push_back({{"name", name}, {"valueFrom", {{"secretKeyRef", sel}}}});
    };
    if (!r.access_key_id_env.empty()) {
      ref(replica_key_env(i, false, false), r.access_key_id_env, false);
      ref(replica_key_env(i, true, false), r.secret_access_key_env, false);
    } else {
      ref(replica_key_env(i, false, false), "LITESTREAM_ACCESS_KEY_ID", true);
      ref(replica_key_env(i, true, false), "LITESTREAM_SECRET_ACCESS_KEY", true);
      ref(replica_key_env(i, false, true), "AWS_ACCESS_KEY_ID", true);
      ref(replica_key_env(i, true, true), "AWS_SECRET_ACCESS_KEY", true);
    }
  }
  return env;
}

std::vector<std::pair<std::string, std::string>> alerts_secret_env(const AppSpec& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!spec.alerts_secret) return out;
  const AlertsSecretSpec& a = *spec.alerts_secret;
  for (auto [env, key] : {std::pair<const char*, const std::string*>{kEnvHealthcheckUrl, &a.healthcheck_url},
                          {kEnvSlackWebhookUrl, &a.slack_webhook_url},
                          {kEnvGotifyUrl, &a.gotify_url},
                          {kEnvGotifyToken, &a.gotify_token},
                          {kEnvNtfyUrl, &a.ntfy_url},
                          {kEnvWebhookUrl, &a.webhook_url}})
    if (!key->empty()) out.emplace_back(env, *key);
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
  if (!spec.credentials_secret.empty()) env_from.push_back({{"secretRef", {{"name", spec.credentials_secret}}}});
  if (!secret_env(spec).empty()) env_from.push_back({{"secretRef", {{"name", secret_name(spec)}}}});

  // TMPDIR: the root filesystem is read-only; restore and verify write temporary files there.
  json env = json::array({json{{"name", "TMPDIR"}, {"value", "/tmp"}}});
  for (auto& e : replica_credentials_env(spec)) env.push_back(std::move(e));
  for (const auto& [name, key] : alerts_secret_env(spec))
    env.push_back(
        {{"name", name}, {"valueFrom", {{"secretKeyRef", {{"name", spec.alerts_secret->name}, {"key", key}}}}}});

  json c = {
      {"name", name},
      {"image", replicator_image(spec)},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", json::array({kReplicatorBinary})},
      {"args", args},
      {"env", env},
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
                 // Directory: a missing backup directory fails the pod. DirectoryOrCreate would start an
                 // empty database on a node without the backups (-if-replica-exists finds none there).
                 {"hostPath", {{"path", dirs[i]}, {"type", "Directory"}}}});
  return v;
}

void add_pod_placement(const AppSpec& spec, json& pod_spec, bool app_pod) {
  if (!spec.image_pull_secrets.empty()) {
    json secrets = json::array();
    for (const auto& n : spec.image_pull_secrets) secrets.push_back({{"name", n}});
    pod_spec["imagePullSecrets"] = secrets;
  }
  if (!spec.node_selector.empty()) pod_spec["nodeSelector"] = spec.node_selector;
  if (!spec.tolerations.empty()) {
    json tolerations = json::array();
    for (const auto& t : spec.tolerations) {
      json o = {{"operator", t.operator_}};
      if (!t.key.empty()) o["key"] = t.key;
      if (!t.value.empty()) o["value"] = t.value;
      if (!t.effect.empty()) o["effect"] = t.effect;
      if (t.toleration_seconds) o["tolerationSeconds"] = *t.toleration_seconds;
      tolerations.push_back(o);
    }
    pod_spec["tolerations"] = tolerations;
  }
  if (app_pod && !spec.service_account_name.empty())
    pod_spec["serviceAccountName"] = spec.service_account_name;
  else
    pod_spec["automountServiceAccountToken"] = false;  // nothing here talks to the API server
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
