// Semantic rules of the config model, shared by parse() and by models built in code. Each error
// names the key path and what is wrong; messages never include secret values.
#include <algorithm>
#include <cctype>
#include <set>

#include "age/keys.h"
#include "config/config.h"
#include "config/expand.h"
#include "config/replica_url.h"

namespace hs::config {
namespace {

std::string quote(const std::string& s) {
  return "\"" + s + "\"";
}
std::string idx(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

void fail(const std::string& key, const std::string& what) {
  throw ConfigError(key + ": " + what);
}

bool has_var_ref(const std::string& s);
// A path still holding a $VAR reference (read with -no-expand-env) is checked once expanded.
bool is_clean_abs(const std::string& p) {
  return has_var_ref(p) || (!p.empty() && p.front() == '/' && clean_path(p) == p);
}

void check_positive(const std::optional<Duration>& d, const std::string& key) {
  if (d && d->count() <= 0) fail(key, "must be greater than 0, got " + quote(format_duration(*d)));
}
void check_non_negative(const std::optional<Duration>& d, const std::string& key) {
  if (d && d->count() < 0) fail(key, "must not be negative, got " + quote(format_duration(*d)));
}

bool is_http_url(const std::string& u) {
  return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
}

// A value that still holds a `$VAR` / `${VAR}` reference comes from a model rendered for a process
// that expands its environment (or a file read with -no-expand-env): its final form is unknown
// here, so format checks are left to the parse that sees the expanded text.
bool has_var_ref(const std::string& s) {
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] == '$' && (s[i + 1] == '{' || s[i + 1] == '_' || std::isalnum(static_cast<unsigned char>(s[i + 1]))))
      return true;
  return false;
}

void check_addr(const std::string& addr) {
  if (addr.empty() || has_var_ref(addr)) return;  // "" = metrics server off, as litestream
  auto colon = addr.rfind(':');
  if (colon == std::string::npos)
    fail("addr", "must specify port for bind address: " + quote(addr) + " (e.g. \":9090\")");
  const std::string host = addr.substr(0, colon), port = addr.substr(colon + 1);
  if (host.find(':') != std::string::npos && !(host.front() == '[' && host.back() == ']'))
    fail("addr", "IPv6 host must be in brackets, e.g. \"[::1]:9090\", got " + quote(addr));
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) || std::stoi(port) == 0 ||
      std::stoi(port) > 65535)
    fail("addr", "invalid port " + quote(port) + " in address " + quote(addr) + " (1-65535)");
}

// Each entry must hold at least one key of its kind (age.ParseRecipients / ParseIdentities
// fail on none). The error names the entry, never its text: identities are secrets.
void check_age(const AgeConfig& a, const std::string& path) {
  if (a.identities.empty() && a.recipients.empty())
    fail(path, "needs recipients (to write encrypted objects) and/or identities (to read them)");
  for (size_t i = 0; i < a.recipients.size(); ++i) {
    if (has_var_ref(a.recipients[i])) continue;
    try {
      age::parse_recipients_text(a.recipients[i]);
    } catch (const age::KeyError& e) {
      fail(idx(path + ".recipients", i), e.what());
    }
  }
  for (size_t i = 0; i < a.identities.size(); ++i) {
    if (has_var_ref(a.identities[i])) continue;
    try {
      age::parse_identities_text(a.identities[i]);
    } catch (const age::KeyError& e) {
      fail(idx(path + ".identities", i), e.what());
    }
  }
}

void check_replica(const ReplicaConfig& r, const std::string& path) {
  auto key = [&](const char* k) { return path + "." + k; };
  if (r.type && *r.type != "file" && *r.type != "s3") {
    if (*r.type == "gcs" || *r.type == "abs" || *r.type == "sftp")
      fail(key("type"), quote(*r.type) + " replicas are not supported by homeserver-replicator (supported: file, s3)");
    fail(key("type"), "unknown replica type " + quote(*r.type) + " (supported: file, s3)");
  }
  std::optional<ReplicaUrl> url;
  if (r.url) {
    url = split_replica_url(*r.url, key("url"));
    if (url->scheme != "file" && url->scheme != "s3")
      fail(key("url"), "unsupported replica url scheme " + quote(url->scheme) + " (supported: s3://, file://)");
  }
  if (r.name && r.name->empty()) fail(key("name"), "must not be empty");
  if (r.path && is_url(*r.path)) fail(key("path"), "replica path cannot be a url, please use the 'url' field instead");
  const std::string type = replica_type(r);
  if (type == "file") {
    if (r.url && r.path) fail(key("path"), "cannot specify url & path for file replica");
    if (!r.url && (!r.path || r.path->empty())) fail(key("path"), "path or url required for file replica");
    if (r.path && !is_clean_abs(*r.path)) fail(key("path"), "must be an absolute, clean path, got " + quote(*r.path));
    const std::pair<const char*, bool> s3_only[] = {{"endpoint", bool(r.endpoint)},
                                                    {"bucket", bool(r.bucket)},
                                                    {"region", bool(r.region)},
                                                    {"force-path-style", bool(r.force_path_style)},
                                                    {"skip-verify", bool(r.skip_verify)},
                                                    {"access-key-id", bool(r.access_key_id)},
                                                    {"secret-access-key", bool(r.secret_access_key)}};
    for (const auto& [k, set] : s3_only)
      if (set) fail(key(k), "only valid for s3 replicas (this replica's type is file)");
  } else {  // s3
    if (r.url && r.bucket) fail(key("bucket"), "cannot specify url & bucket for s3 replica");
    std::string bucket = r.bucket.value_or("");
    if (url) bucket = parse_s3_host(url->host).bucket;
    if (bucket.empty()) fail(r.url ? key("url") : key("bucket"), "bucket required for s3 replica");
    if (bucket.find_first_of(":/ ") != std::string::npos)
      fail(r.url ? key("url") : key("bucket"), "invalid bucket name " + quote(bucket));
    if (r.endpoint && r.endpoint->find_first_of(" \t\n") != std::string::npos)
      fail(key("endpoint"), "must not contain whitespace");
  }
  check_positive(r.sync_interval, key("sync-interval"));
  check_non_negative(r.snapshot_interval, key("snapshot-interval"));
  // retention <= 0 disables the retainer (litestream), so any value is allowed.
  check_positive(r.retention_check_interval, key("retention-check-interval"));
  check_non_negative(r.validation_interval, key("validation-interval"));
  check_non_negative(r.lease_ttl, key("lease-ttl"));
  if (r.lease_ttl && r.lease_ttl->count() > 0 && *r.lease_ttl < std::chrono::seconds(2))
    fail(key("lease-ttl"), "must be 0 (no lease) or at least 2s: the owner re-confirms it every half TTL");
  if (r.age) check_age(*r.age, key("age"));
}

void check_db(const DbConfig& db, const std::string& path) {
  auto key = [&](const char* k) { return path + "." + k; };
  if (db.path.empty()) fail(key("path"), "required (the SQLite database file)");
  if (!is_clean_abs(db.path)) fail(key("path"), "must be an absolute, clean path, got " + quote(db.path));
  if (db.meta_path && !is_clean_abs(*db.meta_path))
    fail(key("meta-path"), "must be an absolute, clean path, got " + quote(*db.meta_path));
  check_non_negative(db.monitor_interval, key("monitor-interval"));
  check_non_negative(db.checkpoint_interval, key("checkpoint-interval"));
  if (db.min_checkpoint_page_count && *db.min_checkpoint_page_count <= 0)
    fail(key("min-checkpoint-page-count"), "minimum checkpoint page count required: must be greater than 0, got " +
                                               std::to_string(*db.min_checkpoint_page_count));
  if (db.max_checkpoint_page_count && *db.max_checkpoint_page_count < 0)
    fail(key("max-checkpoint-page-count"),
         "must be 0 (off) or positive, got " + std::to_string(*db.max_checkpoint_page_count));
  if (db.max_shadow_wal_bytes && *db.max_shadow_wal_bytes < 0)
    fail(key("max-shadow-wal-bytes"),
         "must be 0 (no limit) or a number of bytes, got " + std::to_string(*db.max_shadow_wal_bytes));
  std::set<std::string> names;
  for (size_t i = 0; i < db.replicas.size(); ++i) {
    const std::string rp = idx(key("replicas"), i);
    check_replica(db.replicas[i], rp);
    const std::string name = replica_name(db.replicas[i]);
    if (!names.insert(name).second) fail(rp + ".name", "duplicate replica name: " + quote(name));
  }
}

void check_alerts(const AlertsConfig& a) {
  if (a.throttle) {
    const auto& t = *a.throttle;
    if (t.rate && *t.rate < 1) fail("alerts.throttle.rate", "must be at least 1, got " + std::to_string(*t.rate));
    check_positive(t.interval, "alerts.throttle.interval");
    if (t.window && *t.window < 1)
      fail("alerts.throttle.window", "must be at least 1, got " + std::to_string(*t.window));
  }
  std::set<std::string> names;
  for (size_t i = 0; i < a.sinks.size(); ++i) {
    const auto& s = a.sinks[i];
    const std::string p = idx("alerts.sinks", i);
    auto key = [&](const char* k) { return p + "." + k; };
    if (s.type.empty()) fail(key("type"), "required (slack, gotify, ntfy or webhook)");
    if (s.type != "slack" && s.type != "gotify" && s.type != "ntfy" && s.type != "webhook")
      fail(key("type"), "unknown sink type " + quote(s.type) + " (slack, gotify, ntfy or webhook)");
    if (s.name && s.name->empty()) fail(key("name"), "must not be empty");
    if (!names.insert(s.name.value_or(s.type)).second)
      fail(key("name"), "duplicate sink name " + quote(s.name.value_or(s.type)) + " (set distinct names)");
    if (s.url && s.url_file) fail(key("url-file"), "cannot specify both url and url-file");
    if (!s.url && !s.url_file) fail(key("url"), "url or url-file required");
    // The value is never echoed: it is usually a secret.
    if (s.url && s.url->empty()) fail(key("url"), "is empty (is the environment variable it refers to set?)");
    if (s.url && !has_var_ref(*s.url) && !is_http_url(*s.url)) fail(key("url"), "must start with http:// or https://");
    if (s.url_file && s.url_file->empty()) fail(key("url-file"), "must not be empty");
    if (s.token && s.token_file) fail(key("token-file"), "cannot specify both token and token-file");
    if (s.type == "gotify" && !s.token && !s.token_file) fail(key("token"), "token or token-file required for gotify");
    if (s.type == "gotify" && s.token && s.token->empty())
      fail(key("token"), "is empty (is the environment variable it refers to set?)");
    if (s.type == "slack" && (s.token || s.token_file)) fail(key("token"), "not used by slack sinks");
    if (s.topic && s.type != "ntfy") fail(key("topic"), "only valid for ntfy sinks");
    if (s.topic && (s.topic->empty() || s.topic->find('/') != std::string::npos))
      fail(key("topic"), "must be a non-empty topic name without '/'");
    if (s.priority) {
      if (s.type == "ntfy" && (*s.priority < 1 || *s.priority > 5))
        fail(key("priority"), "ntfy priority must be 1..5, got " + std::to_string(*s.priority));
      else if (s.type == "gotify" && (*s.priority < 0 || *s.priority > 10))
        fail(key("priority"), "gotify priority must be 0..10, got " + std::to_string(*s.priority));
      else if (s.type != "ntfy" && s.type != "gotify")
        fail(key("priority"), "only valid for gotify and ntfy sinks");
    }
  }
}

}  // namespace

void validate(const Config& c) {
  if (c.addr) check_addr(*c.addr);
  if (c.logging) {
    if (c.logging->level) {
      std::string l = has_var_ref(*c.logging->level) ? "INFO" : *c.logging->level;
      std::transform(l.begin(), l.end(), l.begin(), ::toupper);
      if (l != "DEBUG" && l != "INFO" && l != "WARN" && l != "WARNING" && l != "ERROR")
        fail("logging.level", "invalid level " + quote(*c.logging->level) + " (DEBUG, INFO, WARN or ERROR)");
    }
    if (c.logging->type && !has_var_ref(*c.logging->type) && *c.logging->type != "text" && *c.logging->type != "json" &&
        !c.logging->type->empty())
      fail("logging.type", "invalid type " + quote(*c.logging->type) + " (text or json)");
  }
  std::set<std::string> paths;
  for (size_t i = 0; i < c.dbs.size(); ++i) {
    check_db(c.dbs[i], idx("dbs", i));
    if (!paths.insert(c.dbs[i].path).second)
      fail(idx("dbs", i) + ".path", "duplicate database path " + quote(c.dbs[i].path));
  }
  if (c.healthcheck_url && !c.healthcheck_url->empty() && !has_var_ref(*c.healthcheck_url) &&
      !is_http_url(*c.healthcheck_url))
    fail("healthcheck-url", "must start with http:// or https://");
  check_positive(c.max_age, "max-age");
  check_positive(c.shutdown_timeout, "shutdown-timeout");
  check_positive(c.healthz_max_lag, "healthz-max-lag");
  if (c.alerts) check_alerts(*c.alerts);
}

}  // namespace hs::config
