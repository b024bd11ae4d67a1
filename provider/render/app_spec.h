#pragma once
// AppSpec: the inputs of the `homeserver_sqlite_app` resource (and data source) as plain C++.
//
// The resource layer converts terraform values into an AppSpec, calls hs::render::validate() and,
// when that returns no errors, hs::render::render(). Nothing here knows about tfplugin.
//
// Conventions, so the resource layer knows what to write for a null (unset) attribute:
// - an optional string attribute is "" when unset;
// - a value with a default has that default as its member initialiser;
// - a block that may be absent is std::optional (absent = std::nullopt);
// - an optional number without a default is std::optional.
// Every member names its HCL attribute in the comment. Durations are Go duration strings
// ("1s", "1m30s", "24h"): they are written into the replicator config as given, after validation.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hs::render {

// ports = [{ name, container_port, protocol }]
struct PortSpec {
  std::string name{};            // name: IANA service name (lowercase, <= 15 chars), "" = unnamed
  int64_t container_port = 0;  // container_port: 1..65535 (required)
  std::string protocol = "TCP";  // protocol: "TCP" | "UDP" | "SCTP", default "TCP"
};

// resources = { requests = {cpu=..., memory=...}, limits = {...} }  (of the app container)
struct ResourcesSpec {
  std::map<std::string, std::string> requests;  // requests: keys "cpu" / "memory" (Kubernetes quantities)
  std::map<std::string, std::string> limits;    // limits:   keys "cpu" / "memory"
};

// replica { ... }: one block per backup target, keys as litestream's replica keys in snake_case.
struct ReplicaSpec {
  std::string name{};                // name: unique per app; default = type (as litestream)
  std::string type{};                // type: "s3" | "file" (required)
  std::string endpoint{};            // endpoint: s3 only; e.g. "http://minio.nas.lan:9000" ("" = AWS)
  std::string bucket{};              // bucket: s3 only, required for s3
  std::string path{};                // path: s3 = key prefix; file = absolute directory on the node (hostPath)
  std::string region{};              // region: s3 only ("" = replicator's default)
  bool force_path_style = false;   // force_path_style: s3 only
  bool skip_verify = false;        // skip_verify: s3 only, skip TLS verification
  std::string sync_interval{};       // sync_interval: Go duration, "" = replicator default (1s)
  std::string snapshot_interval{};   // snapshot_interval: Go duration, "" = off
  std::string retention{};           // retention: Go duration, "" = replicator default (24h)
  // access_key_id_env / secret_access_key_env: s3 only. Names of environment variables (keys of
  // credentials_secret) holding THIS replica's keys, for two S3 services with different keys. Rendered
  // as `${VAR}` references; "" = the shared LITESTREAM_ACCESS_KEY_ID / LITESTREAM_SECRET_ACCESS_KEY
  // (or AWS_*) variables. Both or neither; they need credentials_secret.
  std::string access_key_id_env{};
  std::string secret_access_key_env{};
};

// verify { ... }: a CronJob that restores the newest backup and checks it.
struct VerifySpec {
  std::string schedule;         // schedule: cron, 5 fields or @hourly/@daily/... (required)
  std::string time_zone;        // time_zone: IANA name, e.g. "Europe/Berlin", "" = kube-controller-manager's
  std::string healthcheck_url;  // healthcheck_url: sensitive; http(s) healthchecks.io-style ping URL, "" = none
  std::string max_age;          // max_age: Go duration; verify fails when the newest backup is older, "" = no limit
};

// alerts { ... }: where the replicator sends WARN/ERROR events, throttled like Fluent Bit's throttle filter.
struct AlertsSpec {
  std::string slack_webhook_url;  // slack_webhook_url: sensitive, "" = none
  std::string gotify_url;         // gotify_url: sensitive, "" = none (needs gotify_token)
  std::string gotify_token;       // gotify_token: sensitive
  std::string ntfy_url;           // ntfy_url: sensitive (topic URL), "" = none
  std::string webhook_url;        // webhook_url: sensitive, generic JSON POST, "" = none
  int64_t rate = 1;               // rate: events allowed per interval, default 1
  std::string interval = "2h";    // interval: Go duration, default "2h"
  int64_t window = 6;             // window: number of intervals in the sliding window, default 6
};

struct AppSpec {
  std::string name{};                      // name: DNS-1123 label, <= 45 chars (suffixes "-verify" etc.) (required)
  std::string namespace_ = "default";    // namespace: DNS-1123 label, default "default"
  std::string image;                     // image: the app's container image (required)
  std::vector<std::string> command;      // command: overrides the image's entrypoint, empty = image's
  std::vector<std::string> args;         // args: empty = image's
  std::map<std::string, std::string> env;  // env: plain environment variables of the app container
  std::vector<PortSpec> ports;           // ports
  ResourcesSpec resources;               // resources (app container)
  std::string database_path;             // database_path: absolute, clean path of the SQLite file (required)
  std::vector<ReplicaSpec> replicas;     // replica blocks: at least one
  std::string credentials_secret;        // credentials_secret: Secret whose keys become the replicator's env, "" = none
  std::string replicator_image;          // replicator_image: "" = default_replicator_image() (the resource
                                         //   layer fills in the provider block's override first)
  std::optional<VerifySpec> verify;      // verify block
  std::optional<AlertsSpec> alerts;      // alerts block
  std::optional<int64_t> metrics_port;   // metrics_port: serves /metrics and /healthz when set
  bool native_sidecar = true;            // native_sidecar: replicator as init container with restartPolicy Always (k8s >= 1.29)
  int64_t run_as_user = 1000;            // run_as_user: pod runAsUser and runAsGroup, default 1000
  int64_t fs_group = 1000;               // fs_group: pod fsGroup, default 1000
};

// "homeserver-replicator:<version>" (the provider block may override it).
std::string default_replicator_image();

}  // namespace hs::render
