// Effective values (litestream's defaults), replica resolution and secrets.
#include "config/config.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/expand.h"
#include "config/replica_url.h"

namespace hs::config {

Duration monitor_interval(const DbConfig& db) {
  return db.monitor_interval.value_or(kDefaultMonitorInterval);
}
Duration checkpoint_interval(const DbConfig& db) {
  return db.checkpoint_interval.value_or(kDefaultCheckpointInterval);
}
int64_t min_checkpoint_page_count(const DbConfig& db) {
  return db.min_checkpoint_page_count.value_or(kDefaultMinCheckpointPageCount);
}
int64_t max_shadow_wal_bytes(const DbConfig& db) {
  return db.max_shadow_wal_bytes.value_or(kDefaultMaxShadowWalBytes);
}
int64_t max_checkpoint_page_count(const DbConfig& db) {
  return db.max_checkpoint_page_count.value_or(kDefaultMaxCheckpointPageCount);
}

std::string meta_path(const DbConfig& db) {
  if (db.meta_path) return *db.meta_path;
  auto slash = db.path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : db.path.substr(0, slash));
  const std::string file = slash == std::string::npos ? db.path : db.path.substr(slash + 1);
  return (dir == "/" ? "" : dir) + "/." + file + "-litestream";
}

bool is_url(std::string_view s) {
  // ^\w+:// by hand: std::regex recurses once per character and a long value overflowed the stack.
  size_t i = 0;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  while (i < s.size() && word(s[i])) ++i;
  return i > 0 && s.substr(i).starts_with("://");
}

std::string replica_type(const ReplicaConfig& r) {
  if (r.url) {
    auto pos = r.url->find("://");
    if (pos != std::string::npos && pos > 0) {
      std::string scheme = r.url->substr(0, pos);
      std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
      return scheme;
    }
  }
  if (r.type && !r.type->empty()) return *r.type;
  return "file";
}

std::string replica_name(const ReplicaConfig& r) {
  if (r.name && !r.name->empty()) return *r.name;
  return replica_type(r);
}

std::string log_level(const Config& c) {
  std::string l = c.logging && c.logging->level ? *c.logging->level : "INFO";
  std::transform(l.begin(), l.end(), l.begin(), ::toupper);
  if (l == "WARNING") l = "WARN";
  if (l != "DEBUG" && l != "WARN" && l != "ERROR") l = "INFO";
  return l;
}
std::string log_type(const Config& c) {
  return c.logging && c.logging->type && *c.logging->type == "json" ? "json" : "text";
}
bool log_stderr(const Config& c) {
  return c.logging && c.logging->stderr_.value_or(false);
}

int64_t alert_rate(const Config& c) {
  return c.alerts && c.alerts->throttle ? c.alerts->throttle->rate.value_or(kDefaultAlertRate) : kDefaultAlertRate;
}
Duration shutdown_timeout(const Config& c) {
  return c.shutdown_timeout.value_or(kDefaultShutdownTimeout);
}

Duration alert_interval(const Config& c) {
  return c.alerts && c.alerts->throttle ? c.alerts->throttle->interval.value_or(kDefaultAlertInterval)
                                        : kDefaultAlertInterval;
}
int64_t alert_window(const Config& c) {
  return c.alerts && c.alerts->throttle ? c.alerts->throttle->window.value_or(kDefaultAlertWindow)
                                        : kDefaultAlertWindow;
}

namespace {
std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
std::string first_non_empty(std::initializer_list<std::string> values) {
  for (const auto& v : values)
    if (!v.empty()) return v;
  return "";
}
}  // namespace

ResolvedReplica resolve_replica(const Config& c, const ReplicaConfig& r) {
  ResolvedReplica out;
  out.type = replica_type(r);
  out.name = replica_name(r);
  out.sync_interval = r.sync_interval.value_or(kDefaultSyncInterval);
  out.snapshot_interval = r.snapshot_interval.value_or(Duration::zero());
  out.retention = r.retention.value_or(kDefaultRetention);
  out.retention_check_interval = r.retention_check_interval.value_or(kDefaultRetentionCheckInterval);
  // litestream caps the check interval at the retention period.
  if (out.retention.count() > 0 && out.retention_check_interval > out.retention)
    out.retention_check_interval = out.retention;
  out.validation_interval = r.validation_interval.value_or(Duration::zero());
  out.lease_ttl = r.lease_ttl.value_or(kDefaultLeaseTtl);
  std::optional<ReplicaUrl> url;
  if (r.url) url = split_replica_url(*r.url, "url");
  if (out.type == "file") {
    out.path = url ? url->path : r.path.value_or("");
    if (!out.path.empty()) out.path = expand_path(out.path);
    return out;
  }
  out.path = r.path.value_or("");
  out.bucket = r.bucket.value_or("");
  out.region = r.region.value_or("");
  out.endpoint = r.endpoint.value_or("");
  out.skip_verify = r.skip_verify.value_or(false);
  // An explicit endpoint means a non-AWS service, which all want path-style addressing.
  out.force_path_style = r.force_path_style.value_or(!out.endpoint.empty());
  if (url) {
    S3HostParts h = parse_s3_host(url->host);
    if (out.path.empty()) out.path = url->path;
    if (out.bucket.empty()) out.bucket = h.bucket;
    if (out.region.empty()) out.region = h.region;
    if (out.endpoint.empty()) out.endpoint = h.endpoint;
    if (!out.force_path_style) out.force_path_style = h.force_path_style;
  }
  while (!out.path.empty() && out.path.front() == '/') out.path.erase(0, 1);
  out.access_key_id = first_non_empty({r.access_key_id.value_or(""), c.access_key_id.value_or(""),
                                       env_or_empty("LITESTREAM_ACCESS_KEY_ID"), env_or_empty("AWS_ACCESS_KEY_ID")});
  out.secret_access_key =
      first_non_empty({r.secret_access_key.value_or(""), c.secret_access_key.value_or(""),
                       env_or_empty("LITESTREAM_SECRET_ACCESS_KEY"), env_or_empty("AWS_SECRET_ACCESS_KEY")});
  return out;
}

ReplicaConfig parse_replica_url(std::string_view url) {
  ReplicaConfig r;
  r.url = std::string(url);
  Config c;
  DbConfig db;
  db.path = "/replica-url-check";
  db.replicas.push_back(r);
  c.dbs.push_back(db);
  try {
    validate(c);
  } catch (const ConfigError& e) {
    // Re-word the key path for the CLI: the user typed a URL, not a config file.
    std::string msg = e.what();
    const std::string prefix = "dbs[0].replicas[0].url: ";
    if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
    throw ConfigError("replica url " + std::string(url) + ": " + msg);
  }
  return r;
}

std::string read_secret(const std::optional<std::string>& value, const std::optional<std::string>& file,
                        const std::string& key) {
  if (!file) return value.value_or("");
  std::ifstream in(*file, std::ios::binary);
  if (!in) throw ConfigError(key + "-file: cannot read " + *file + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  if (s.empty()) throw ConfigError(key + "-file: " + *file + " is empty");
  return s;
}

}  // namespace hs::config
