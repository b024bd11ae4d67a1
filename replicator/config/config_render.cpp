// Config -> YAML that litestream v0.3.13 loads (it ignores our extension keys) and parse() reads
// back to the same model. Only keys that are set are written; strings are double-quoted so YAML
// never re-types them ("yes", "0755", "1e3" stay strings).
#include <yaml-cpp/yaml.h>

#include "config/config.h"

namespace hs::config {
namespace {

void put(YAML::Emitter& e, const char* key, const std::optional<std::string>& v) {
  if (v) e << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << *v;
}
void put(YAML::Emitter& e, const char* key, const std::optional<bool>& v) {
  if (v) e << YAML::Key << key << YAML::Value << (*v ? "true" : "false");
}
void put(YAML::Emitter& e, const char* key, const std::optional<int64_t>& v) {
  if (v) e << YAML::Key << key << YAML::Value << *v;
}
void put(YAML::Emitter& e, const char* key, const std::optional<Duration>& v) {
  if (v) e << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << format_duration(*v);
}

void put_replica(YAML::Emitter& e, const ReplicaConfig& r) {
  e << YAML::BeginMap;
  put(e, "name", r.name);
  put(e, "type", r.type);
  put(e, "url", r.url);
  put(e, "path", r.path);
  put(e, "endpoint", r.endpoint);
  put(e, "bucket", r.bucket);
  put(e, "region", r.region);
  put(e, "force-path-style", r.force_path_style);
  put(e, "skip-verify", r.skip_verify);
  put(e, "access-key-id", r.access_key_id);
  put(e, "secret-access-key", r.secret_access_key);
  put(e, "sync-interval", r.sync_interval);
  put(e, "snapshot-interval", r.snapshot_interval);
  put(e, "retention", r.retention);
  put(e, "retention-check-interval", r.retention_check_interval);
  put(e, "validation-interval", r.validation_interval);
  put(e, "lease-ttl", r.lease_ttl);
  if (r.age) {
    e << YAML::Key << "age" << YAML::Value << YAML::BeginMap;
    for (const auto& [key, list] : {std::pair{"identities", &r.age->identities}, {"recipients", &r.age->recipients}}) {
      if (list->empty()) continue;
      e << YAML::Key << key << YAML::Value << YAML::BeginSeq;
      for (const auto& v : *list) e << YAML::DoubleQuoted << v;
      e << YAML::EndSeq;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
}

void put_db(YAML::Emitter& e, const DbConfig& db) {
  e << YAML::BeginMap;
  e << YAML::Key << "path" << YAML::Value << YAML::DoubleQuoted << db.path;
  put(e, "meta-path", db.meta_path);
  put(e, "monitor-interval", db.monitor_interval);
  put(e, "checkpoint-interval", db.checkpoint_interval);
  put(e, "min-checkpoint-page-count", db.min_checkpoint_page_count);
  put(e, "max-checkpoint-page-count", db.max_checkpoint_page_count);
  put(e, "max-shadow-wal-bytes", db.max_shadow_wal_bytes);
  if (!db.replicas.empty()) {
    e << YAML::Key << "replicas" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : db.replicas) put_replica(e, r);
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
}

void put_alerts(YAML::Emitter& e, const AlertsConfig& a) {
  e << YAML::Key << "alerts" << YAML::Value << YAML::BeginMap;
  if (a.throttle) {
    e << YAML::Key << "throttle" << YAML::Value << YAML::BeginMap;
    put(e, "rate", a.throttle->rate);
    put(e, "interval", a.throttle->interval);
    put(e, "window", a.throttle->window);
    e << YAML::EndMap;
  }
  if (!a.sinks.empty()) {
    e << YAML::Key << "sinks" << YAML::Value << YAML::BeginSeq;
    for (const auto& s : a.sinks) {
      e << YAML::BeginMap;
      e << YAML::Key << "type" << YAML::Value << YAML::DoubleQuoted << s.type;
      put(e, "name", s.name);
      put(e, "url", s.url);
      put(e, "url-file", s.url_file);
      put(e, "token", s.token);
      put(e, "token-file", s.token_file);
      put(e, "topic", s.topic);
      put(e, "priority", s.priority);
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
}

}  // namespace

std::string render(const Config& c) {
  validate(c);
  YAML::Emitter e;
  e.SetIndent(2);
  e << YAML::BeginMap;
  put(e, "addr", c.addr);
  put(e, "exec", c.exec);
  put(e, "access-key-id", c.access_key_id);
  put(e, "secret-access-key", c.secret_access_key);
  if (c.logging) {
    e << YAML::Key << "logging" << YAML::Value << YAML::BeginMap;
    put(e, "level", c.logging->level);
    put(e, "type", c.logging->type);
    put(e, "stderr", c.logging->stderr_);
    e << YAML::EndMap;
  }
  put(e, "healthcheck-url", c.healthcheck_url);
  put(e, "max-age", c.max_age);
  put(e, "shutdown-timeout", c.shutdown_timeout);
  put(e, "healthz-max-lag", c.healthz_max_lag);
  if (c.alerts) put_alerts(e, *c.alerts);
  e << YAML::Key << "dbs" << YAML::Value << YAML::BeginSeq;
  for (const auto& db : c.dbs) put_db(e, db);
  e << YAML::EndSeq;
  e << YAML::EndMap;
  if (!e.good()) throw ConfigError("render: " + e.GetLastError());
  return std::string(e.c_str()) + "\n";
}

}  // namespace hs::config
