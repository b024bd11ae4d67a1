// YAML text -> Config. Structural checks (unknown keys, value types) happen here, with the key
// path of each value; semantic checks live in validate() (config_validate.cpp) so a model built
// in code by the renderer goes through exactly the same rules.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config/config.h"
#include "config/expand.h"

namespace hs::config {
namespace {

std::string quote(const std::string& s) {
  return "\"" + s + "\"";
}

// Keys that exist in litestream but that we do not support: rejecting them beats a replica that
// silently does something else than the user asked for.
const std::map<std::string, std::string>& unsupported_replica_keys() {
  static const std::map<std::string, std::string> m = {
      {"account-name", "abs replicas are not supported by homeserver-replicator"},
      {"account-key", "abs replicas are not supported by homeserver-replicator"},
      {"host", "sftp replicas are not supported by homeserver-replicator"},
      {"user", "sftp replicas are not supported by homeserver-replicator"},
      {"password", "sftp replicas are not supported by homeserver-replicator"},
      {"key-path", "sftp replicas are not supported by homeserver-replicator"},
  };
  return m;
}

// One YAML mapping with its key path; rejects unknown and duplicate keys up front.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string path, const std::set<std::string>& allowed,
            const std::map<std::string, std::string>& unsupported = {})
      : path_(std::move(path)) {
    if (node.IsNull()) return;
    if (!node.IsMap()) throw ConfigError(where() + "must be a mapping of keys to values");
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) throw ConfigError(where() + "keys must be plain strings");
      const std::string key = kv.first.Scalar();
      if (auto u = unsupported.find(key); u != unsupported.end()) throw ConfigError(key_path(key) + ": " + u->second);
      if (!allowed.count(key)) {
        std::string known;
        for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
        throw ConfigError(key_path(key) + ": unknown key (known keys: " + known + ")");
      }
      if (!values_.emplace(key, kv.second).second) throw ConfigError(key_path(key) + ": duplicate key");
    }
  }

  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  // The node of `key`, or an undefined node when absent or null (null = unset, as yaml.v2).
  std::optional<YAML::Node> node(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end() || it->second.IsNull()) return std::nullopt;
    return it->second;
  }

  std::optional<std::string> str(const std::string& key) const {
    auto n = node(key);
    if (!n) return std::nullopt;
    if (!n->IsScalar()) throw ConfigError(key_path(key) + ": must be a string");
    return n->Scalar();
  }

  std::optional<bool> boolean(const std::string& key) const {
    auto n = node(key);
    if (!n) return std::nullopt;
    bool b = false;
    if (!n->IsScalar() || !YAML::convert<bool>::decode(*n, b))
      throw ConfigError(key_path(key) + ": invalid boolean " + quote(n->IsScalar() ? n->Scalar() : "?") +
                        " (use true or false)");
    return b;
  }

  std::optional<int64_t> integer(const std::string& key) const {
    auto n = node(key);
    if (!n) return std::nullopt;
    const std::string s = n->IsScalar() ? n->Scalar() : "";
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(s, &used, 10);
    } catch (const std::exception&) {
      used = std::string::npos;
    }
    if (!n->IsScalar() || used != s.size()) throw ConfigError(key_path(key) + ": invalid integer " + quote(s));
    return v;
  }

  std::optional<Duration> duration(const std::string& key) const {
    auto s = str(key);
    if (!s) return std::nullopt;
    std::string why;
    auto d = parse_duration(*s, &why);
    if (!d) throw ConfigError(key_path(key) + ": " + why + " (Go duration syntax, e.g. 1s, 1m30s, 24h)");
    return d;
  }

  // Elements of a sequence key; empty when absent.
  std::vector<YAML::Node> list(const std::string& key) const {
    auto n = node(key);
    if (!n) return {};
    if (!n->IsSequence()) throw ConfigError(key_path(key) + ": must be a list");
    return {n->begin(), n->end()};
  }

 private:
  std::string where() const { return path_.empty() ? "config: " : path_ + ": "; }
  std::string path_;
  std::map<std::string, YAML::Node> values_;
};

std::string index_path(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

ReplicaConfig parse_replica(const YAML::Node& n, const std::string& path) {
  MapReader m(n, path,
              {"name", "type", "url", "path", "endpoint", "bucket", "region", "force-path-style", "skip-verify",
               "access-key-id", "secret-access-key", "sync-interval", "snapshot-interval", "retention",
               "retention-check-interval", "validation-interval", "lease-ttl", "age"},
              unsupported_replica_keys());
  ReplicaConfig r;
  r.name = m.str("name");
  r.type = m.str("type");
  r.url = m.str("url");
  r.path = m.str("path");
  r.endpoint = m.str("endpoint");
  r.bucket = m.str("bucket");
  r.region = m.str("region");
  r.force_path_style = m.boolean("force-path-style");
  r.skip_verify = m.boolean("skip-verify");
  r.access_key_id = m.str("access-key-id");
  r.secret_access_key = m.str("secret-access-key");
  r.sync_interval = m.duration("sync-interval");
  r.snapshot_interval = m.duration("snapshot-interval");
  r.retention = m.duration("retention");
  r.retention_check_interval = m.duration("retention-check-interval");
  r.validation_interval = m.duration("validation-interval");
  r.lease_ttl = m.duration("lease-ttl");
  if (auto a = m.node("age")) {
    MapReader am(*a, m.key_path("age"), {"identities", "recipients"});
    auto strings = [&](const char* k) {
      std::vector<std::string> out;
      auto items = am.list(k);
      for (size_t i = 0; i < items.size(); ++i) {
        if (!items[i].IsScalar()) throw ConfigError(index_path(am.key_path(k), i) + ": must be a string");
        out.push_back(items[i].Scalar());
      }
      return out;
    };
    r.age = AgeConfig{strings("identities"), strings("recipients")};
  }
  // A file replica's directory is expanded like the db path (litestream expands it too).
  if (r.path && !r.path->empty() && r.path->find('$') == std::string::npos && !is_url(*r.path) && !r.url &&
      replica_type(r) == "file") {
    try {
      r.path = expand_path(*r.path);
    } catch (const std::exception& e) {
      throw ConfigError(m.key_path("path") + ": " + e.what());
    }
  }
  return r;
}

DbConfig parse_db(const YAML::Node& n, const std::string& path) {
  MapReader m(n, path,
              {"path", "meta-path", "monitor-interval", "checkpoint-interval", "min-checkpoint-page-count",
               "max-checkpoint-page-count", "max-shadow-wal-bytes", "replicas"});
  DbConfig db;
  auto expanded = [&](const std::string& key) -> std::optional<std::string> {
    auto s = m.str(key);
    // A $VAR reference left by -no-expand-env is kept as written, not made relative to the cwd.
    if (!s || s->empty() || s->find('$') != std::string::npos) return s;
    try {
      return expand_path(*s);
    } catch (const std::exception& e) {
      throw ConfigError(m.key_path(key) + ": " + e.what());
    }
  };
  db.path = expanded("path").value_or("");
  db.meta_path = expanded("meta-path");
  db.monitor_interval = m.duration("monitor-interval");
  db.checkpoint_interval = m.duration("checkpoint-interval");
  db.min_checkpoint_page_count = m.integer("min-checkpoint-page-count");
  db.max_checkpoint_page_count = m.integer("max-checkpoint-page-count");
  db.max_shadow_wal_bytes = m.integer("max-shadow-wal-bytes");
  auto replicas = m.list("replicas");
  for (size_t i = 0; i < replicas.size(); ++i)
    db.replicas.push_back(parse_replica(replicas[i], index_path(m.key_path("replicas"), i)));
  return db;
}

AlertsConfig parse_alerts(const YAML::Node& n) {
  MapReader m(n, "alerts", {"throttle", "sinks"});
  AlertsConfig a;
  if (auto t = m.node("throttle")) {
    MapReader tm(*t, "alerts.throttle", {"rate", "interval", "window"});
    ThrottleConfig th;
    th.rate = tm.integer("rate");
    th.interval = tm.duration("interval");
    th.window = tm.integer("window");
    a.throttle = th;
  }
  auto sinks = m.list("sinks");
  for (size_t i = 0; i < sinks.size(); ++i) {
    MapReader sm(sinks[i], index_path("alerts.sinks", i),
                 {"type", "name", "url", "url-file", "token", "token-file", "topic", "priority"});
    AlertSinkConfig s;
    s.type = sm.str("type").value_or("");
    s.name = sm.str("name");
    s.url = sm.str("url");
    s.url_file = sm.str("url-file");
    s.token = sm.str("token");
    s.token_file = sm.str("token-file");
    s.topic = sm.str("topic");
    s.priority = sm.integer("priority");
    a.sinks.push_back(std::move(s));
  }
  return a;
}

// Offset of the first byte that is not part of well-formed UTF-8, or npos.
size_t invalid_utf8_at(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 4;
    if (n == 4 || i + n >= s.size()) return i;
    uint32_t cp = n == 0 ? c : c & (0x3F >> n);
    for (size_t k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return i;
      cp = cp << 6 | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string::npos;
}

}  // namespace

Config parse(std::string_view yaml_text, const ParseOptions& opts) {
  const std::string text = opts.expand_env ? expand_env(yaml_text) : std::string(yaml_text);
  // YAML is UTF-8 text, and litestream's yaml.v2 refuses anything else. yaml-cpp lets stray bytes
  // through in plain scalars, where render() would then write U+FFFD instead: refuse them here.
  if (size_t at = invalid_utf8_at(text); at != std::string::npos) {
    size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
    line_start = line_start == std::string::npos || at == 0 ? 0 : line_start + 1;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[at]));
    throw ConfigError("config: not UTF-8 text: byte " + std::string(byte) + " at line " +
                      std::to_string(std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(at), '\n') + 1) +
                      ", column " + std::to_string(at - line_start + 1));
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    // The mark is 0-based; the message must not echo the text (it may hold expanded secrets).
    throw ConfigError("config: invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  MapReader m(root, "",
              {"dbs", "addr", "exec", "access-key-id", "secret-access-key", "logging", "healthcheck-url", "max-age",
               "alerts", "shutdown-timeout", "healthz-max-lag"});
  Config c;
  auto dbs = m.list("dbs");
  for (size_t i = 0; i < dbs.size(); ++i) c.dbs.push_back(parse_db(dbs[i], index_path("dbs", i)));
  c.addr = m.str("addr");
  c.exec = m.str("exec");
  c.access_key_id = m.str("access-key-id");
  c.secret_access_key = m.str("secret-access-key");
  if (auto l = m.node("logging")) {
    MapReader lm(*l, "logging", {"level", "type", "stderr"});
    LoggingConfig lc;
    lc.level = lm.str("level");
    lc.type = lm.str("type");
    lc.stderr_ = lm.boolean("stderr");
    c.logging = lc;
  }
  c.healthcheck_url = m.str("healthcheck-url");
  c.max_age = m.duration("max-age");
  c.shutdown_timeout = m.duration("shutdown-timeout");
  c.healthz_max_lag = m.duration("healthz-max-lag");
  if (auto a = m.node("alerts")) c.alerts = parse_alerts(*a);
  validate(c);
  return c;
}

Config load_file(const std::string& path, const ParseOptions& opts) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("config file " + path + ": cannot open: " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw ConfigError("config file " + path + ": read failed");
  try {
    return parse(ss.str(), opts);
  } catch (const ConfigError& e) {
    throw ConfigError("config file " + path + ": " + e.what());
  }
}

std::string default_config_path() {
  const char* v = std::getenv("LITESTREAM_CONFIG");
  return v && *v ? v : "/etc/litestream.yml";
}

}  // namespace hs::config
