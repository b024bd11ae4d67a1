#include "render/replicator_config.h"

#include "config/duration.h"
#include "render/pod_parts.h"

namespace hs::render {
namespace {

std::optional<hs::config::Duration> duration(const std::string& text, const std::string& key) {
  if (text.empty()) return std::nullopt;
  std::string why;
  auto d = hs::config::parse_duration(text, &why);
  if (!d) throw hs::config::ConfigError(key + ": " + why);
  return d;
}

std::optional<std::string> non_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

hs::config::ReplicaConfig replica(const ReplicaSpec& r, size_t index) {
  hs::config::ReplicaConfig c;
  c.name = non_empty(r.name);
  c.type = r.type;
  c.path = non_empty(r.path);
  c.endpoint = non_empty(r.endpoint);
  c.bucket = non_empty(r.bucket);
  c.region = non_empty(r.region);
  // false is the default: write the key only when it changes something.
  if (r.force_path_style) c.force_path_style = true;
  if (r.skip_verify) c.skip_verify = true;
  if (r.type == "s3" && !r.credentials_secret.empty()) {
    // The replica's own Secret, through env vars of its own (pod_parts.h): it wins over the shared keys.
    c.access_key_id = parts::replica_key_ref(r, index, false);
    c.secret_access_key = parts::replica_key_ref(r, index, true);
  } else {
    if (!r.access_key_id_env.empty()) c.access_key_id = parts::env_ref(r.access_key_id_env);
    if (!r.secret_access_key_env.empty()) c.secret_access_key = parts::env_ref(r.secret_access_key_env);
  }
  c.sync_interval = duration(r.sync_interval, "sync_interval");
  c.snapshot_interval = duration(r.snapshot_interval, "snapshot_interval");
  c.retention = duration(r.retention, "retention");
  if (r.age) c.age = hs::config::AgeConfig{{parts::env_ref(parts::replica_age_identity_env(index))}, r.age->recipients};
  return c;
}

}  // namespace

hs::config::Config replicator_config(const AppSpec& spec, SecretValues secrets) {
  auto secret = [&](const char* env, const std::string& value) {
    return secrets == SecretValues::Inline ? value : parts::env_ref(env);
  };
  hs::config::Config c;
  hs::config::DbConfig db;
  db.path = spec.database_path;
  for (size_t i = 0; i < spec.replicas.size(); ++i) db.replicas.push_back(replica(spec.replicas[i], i));
  c.dbs.push_back(db);
  // JSON logs: one object per line with a `level` field, which Fluent Bit rules match unchanged.
  hs::config::LoggingConfig logging;
  logging.type = "json";
  c.logging = logging;
  if (spec.metrics_port) c.addr = ":" + std::to_string(*spec.metrics_port);
  // A value from alerts_secret is always a reference: its env var comes from that Secret's key.
  const AlertsSecretSpec from_secret = spec.alerts_secret.value_or(AlertsSecretSpec{});
  if (spec.verify) {
    if (!spec.verify->healthcheck_url.empty())
      c.healthcheck_url = secret(parts::kEnvHealthcheckUrl, spec.verify->healthcheck_url);
    else if (!from_secret.healthcheck_url.empty())
      c.healthcheck_url = parts::env_ref(parts::kEnvHealthcheckUrl);
    c.max_age = duration(spec.verify->max_age, "verify.max_age");
  }
  if (spec.alerts) {
    const AlertsSpec& a = *spec.alerts;
    hs::config::AlertsConfig alerts;
    hs::config::ThrottleConfig throttle;
    throttle.rate = a.rate;
    throttle.interval = duration(a.interval, "alerts.interval");
    throttle.window = a.window;
    alerts.throttle = throttle;
    // Set as an attribute: the value (or its reference); else it is a key of alerts_secret: a reference.
    auto value = [&](const char* env, const std::string& attr_value) {
      return !attr_value.empty() ? secret(env, attr_value) : parts::env_ref(env);
    };
    auto sink = [&](const char* type, const char* env, const std::string& url, const std::string& key) {
      if (url.empty() && key.empty()) return;
      hs::config::AlertSinkConfig s;
      s.type = type;
      s.url = value(env, url);
      if (std::string(type) == "gotify") s.token = value(parts::kEnvGotifyToken, a.gotify_token);
      alerts.sinks.push_back(s);
    };
    sink("slack", parts::kEnvSlackWebhookUrl, a.slack_webhook_url, from_secret.slack_webhook_url);
    sink("gotify", parts::kEnvGotifyUrl, a.gotify_url, from_secret.gotify_url);
    sink("ntfy", parts::kEnvNtfyUrl, a.ntfy_url, from_secret.ntfy_url);
    sink("webhook", parts::kEnvWebhookUrl, a.webhook_url, from_secret.webhook_url);
    c.alerts = alerts;
  }
  return c;
}

}  // namespace hs::render
