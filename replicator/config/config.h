#pragma once
// THE config model of homeserver-replicator: litestream.yml v0.3.13's schema plus our extensions
// (healthcheck-url, max-age, alerts). The replicator parses it; the provider's renderer builds one
// and renders it to YAML. Invariant (tested): parse(render(c)) == c for every valid c.
//
// Every optional key is a std::optional so "unset" stays distinct from "set to the default": the
// renderer writes only what was set, and litestream applies the same defaults on its side. The
// effective values (litestream's defaults applied) come from the accessor functions below.
//
// Usage (replicator):
//   hs::config::Config c = hs::config::load_file(path, {.expand_env = !no_expand_env});
//   for (auto& db : c.dbs) for (auto& r : db.replicas) {
//     hs::config::ResolvedReplica rr = hs::config::resolve_replica(c, r);  // URL + creds + defaults
//     ... rr.sync_interval, rr.bucket, rr.path ...
//   }
// CLI mode (`replicate DB URL...`): hs::config::parse_replica_url(url) gives a ReplicaConfig.
// Errors: everything throws hs::config::ConfigError whose message starts with the key path,
// e.g. `dbs[0].replicas[1].sync-interval: invalid duration "7d": ...`.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/duration.h"

namespace hs::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// litestream's defaults (cmd/litestream/main.go, db.go, replica.go of v0.3.13).
inline constexpr Duration kDefaultMonitorInterval = std::chrono::seconds(1);
inline constexpr Duration kDefaultCheckpointInterval = std::chrono::minutes(1);
inline constexpr int64_t kDefaultMinCheckpointPageCount = 1000;
inline constexpr int64_t kDefaultMaxCheckpointPageCount = 10000;
inline constexpr int64_t kDefaultMaxShadowWalBytes = int64_t(1) << 30;  // 1 GiB
inline constexpr Duration kDefaultSyncInterval = std::chrono::seconds(1);
inline constexpr Duration kDefaultRetention = std::chrono::hours(24);
inline constexpr Duration kDefaultRetentionCheckInterval = std::chrono::hours(1);
// Our alert throttle default (Fluent Bit throttle filter terms): 1 alert per 2h, window of 6.
inline constexpr int64_t kDefaultAlertRate = 1;
inline constexpr Duration kDefaultAlertInterval = std::chrono::hours(2);
inline constexpr int64_t kDefaultAlertWindow = 6;
inline constexpr Duration kDefaultShutdownTimeout = std::chrono::seconds(20);
// One writer per replica: a replicator killed without releasing its lease holds the replica this
// long at most; an active owner re-confirms it every half of it (2 requests per 15 s of writes).
inline constexpr Duration kDefaultLeaseTtl = std::chrono::seconds(30);

// dbs[].replicas[].age (litestream 0.3.10+): each entry is one key or a key file's text, parsed as
// age.ParseRecipients / age.ParseIdentities do. Recipients encrypt what is written, identities
// decrypt what is read (restore, and replicate resuming from the last WAL segment).
struct AgeConfig {
  std::vector<std::string> identities;  // AGE-SECRET-KEY-1... (secret: from ${VAR} in practice)
  std::vector<std::string> recipients;  // age1...
  bool operator==(const AgeConfig&) const = default;
};

// dbs[].replicas[]. Only file and s3 replicas are supported (gcs/abs/sftp are rejected).
struct ReplicaConfig {
  std::optional<std::string> name;  // default: the type
  std::optional<std::string> type;  // "file" | "s3"; a URL's scheme takes precedence
  std::optional<std::string> url;   // s3://bucket/prefix, file:///dir
  std::optional<std::string> path;  // file: directory (expanded to absolute on parse); s3: key prefix
  std::optional<std::string> endpoint;
  std::optional<std::string> bucket;
  std::optional<std::string> region;
  std::optional<bool> force_path_style;
  std::optional<bool> skip_verify;
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<Duration> sync_interval;
  std::optional<Duration> snapshot_interval;
  std::optional<Duration> retention;
  std::optional<Duration> retention_check_interval;
  std::optional<Duration> validation_interval;
  // extension: the one-writer lease (core/replica_lease.h); 0 = no lease. Default kDefaultLeaseTtl.
  std::optional<Duration> lease_ttl;
  std::optional<AgeConfig> age;
  bool operator==(const ReplicaConfig&) const = default;
};

// dbs[]
struct DbConfig {
  std::string path;                      // required; absolute after parse
  std::optional<std::string> meta_path;  // default <dir>/.<file>-litestream
  std::optional<Duration> monitor_interval;
  std::optional<Duration> checkpoint_interval;
  std::optional<int64_t> min_checkpoint_page_count;
  std::optional<int64_t> max_checkpoint_page_count;
  // extension: local shadow-WAL bytes at which a new generation starts (replicas that are behind
  // then restart from a snapshot instead of the disk filling up); 0 = no limit.
  std::optional<int64_t> max_shadow_wal_bytes;
  std::vector<ReplicaConfig> replicas;
  bool operator==(const DbConfig&) const = default;
};

// logging
struct LoggingConfig {
  std::optional<std::string> level;  // DEBUG | INFO | WARN | WARNING | ERROR (any case); default INFO
  std::optional<std::string> type;   // text | json; default text
  std::optional<bool> stderr_;       // key "stderr"; default false (stdout)
  bool operator==(const LoggingConfig&) const = default;
};

// alerts.throttle: Fluent Bit throttle filter semantics (rate events per interval, averaged over
// a sliding window of `window` intervals).
struct ThrottleConfig {
  std::optional<int64_t> rate;
  std::optional<Duration> interval;
  std::optional<int64_t> window;
  bool operator==(const ThrottleConfig&) const = default;
};

// alerts.sinks[]. Secret values (url, token) should come from `${VAR}` or a *-file key; they are
// never logged (see log/redact.h).
struct AlertSinkConfig {
  std::string type;                       // slack | gotify | ntfy | webhook (required)
  std::optional<std::string> name;        // for log lines; default: the type
  std::optional<std::string> url;         // slack/webhook: the hook URL; gotify: server base URL;
                                          // ntfy: server base URL or full topic URL
  std::optional<std::string> url_file;    // key "url-file": read the URL from this file instead
  std::optional<std::string> token;       // gotify: application token
  std::optional<std::string> token_file;  // key "token-file"
  std::optional<std::string> topic;       // ntfy: topic appended to url when set
  std::optional<int64_t> priority;        // gotify: 0..10, ntfy: 1..5
  bool operator==(const AlertSinkConfig&) const = default;
};

struct AlertsConfig {
  std::optional<ThrottleConfig> throttle;
  std::vector<AlertSinkConfig> sinks;
  bool operator==(const AlertsConfig&) const = default;
};

struct Config {
  std::vector<DbConfig> dbs;
  std::optional<std::string> addr;  // "[host]:port" for /metrics and /healthz
  std::optional<std::string> exec;
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<LoggingConfig> logging;
  // extensions (litestream ignores unknown keys)
  std::optional<std::string> healthcheck_url;  // verify pings it (healthchecks.io protocol)
  std::optional<Duration> max_age;             // verify fails when the newest position is older
  std::optional<AlertsConfig> alerts;
  // replicate: how long the final sync at SIGTERM may take before stalled replicas are cancelled
  // (default kDefaultShutdownTimeout: inside Kubernetes' default 30 s grace period).
  std::optional<Duration> shutdown_timeout;
  // replicate: /healthz answers 503 while a replica's oldest unreplicated change is older than
  // this. Unset: /healthz is 200 while the process serves (a liveness probe must not restart the
  // sidecar because S3 is down, unless the user asks for it).
  std::optional<Duration> healthz_max_lag;
  bool operator==(const Config&) const = default;
};

struct ParseOptions {
  bool expand_env = true;  // false = litestream's -no-expand-env
};

// Parses YAML text (env expansion first, unless disabled) and validates it. Throws ConfigError.
Config parse(std::string_view yaml_text, const ParseOptions& opts = {});
// Reads and parses a file; errors are prefixed with the file path.
Config load_file(const std::string& path, const ParseOptions& opts = {});
// Validates a model built in code (the renderer): same checks as parse. Throws ConfigError.
void validate(const Config& c);
// Renders YAML that litestream v0.3.13 and parse() both load; writes only the set keys.
std::string render(const Config& c);

// Default config path: $LITESTREAM_CONFIG, else /etc/litestream.yml.
std::string default_config_path();

// --- effective values (litestream defaults applied) ---
Duration monitor_interval(const DbConfig& db);
Duration checkpoint_interval(const DbConfig& db);
int64_t min_checkpoint_page_count(const DbConfig& db);
int64_t max_checkpoint_page_count(const DbConfig& db);
int64_t max_shadow_wal_bytes(const DbConfig& db);
std::string meta_path(const DbConfig& db);  // <dir>/.<file>-litestream unless set

std::string replica_type(const ReplicaConfig& r);  // URL scheme, else type, else "file"
std::string replica_name(const ReplicaConfig& r);  // name, else the type

std::string log_level(const Config& c);  // "DEBUG" | "INFO" | "WARN" | "ERROR"
std::string log_type(const Config& c);   // "text" | "json"
bool log_stderr(const Config& c);

int64_t alert_rate(const Config& c);
Duration alert_interval(const Config& c);
int64_t alert_window(const Config& c);
Duration shutdown_timeout(const Config& c);

// A replica with the URL applied (URL parts fill only unset fields, as litestream), credentials
// propagated (replica, else top level, else LITESTREAM_*, else AWS_* env) and defaults applied.
struct ResolvedReplica {
  std::string name;
  std::string type;  // "file" | "s3"
  std::string path;  // file: absolute directory; s3: key prefix without leading '/'
  std::string bucket, region, endpoint;
  bool force_path_style = false;
  bool skip_verify = false;
  std::string access_key_id, secret_access_key;
  Duration sync_interval{}, snapshot_interval{}, retention{}, retention_check_interval{}, validation_interval{};
  Duration lease_ttl{};  // 0: no lease
};
ResolvedReplica resolve_replica(const Config& c, const ReplicaConfig& r);

// The CLI form `replicate DB URL`: `s3://bucket/prefix`, `s3://bucket.localhost:9000/prefix`,
// `file:///dir`. Returns {url = URL} after checking it resolves; throws ConfigError naming the URL.
ReplicaConfig parse_replica_url(std::string_view url);

// True when s looks like a URL to litestream (`^\w+://`).
bool is_url(std::string_view s);

// Reads a secret from `file` (trailing newlines stripped) when set, else returns `value`.
// `key` names the config key for the error message. Throws ConfigError.
std::string read_secret(const std::optional<std::string>& value, const std::optional<std::string>& file,
                        const std::string& key);

}  // namespace hs::config
