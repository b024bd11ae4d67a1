#pragma once
// AppSpec: the inputs of the `homeserver_sqlite_app` resource (and data source) as plain C++.
//
// The resource layer converts terraform values into an AppSpec, calls hs::render::validate() and,
// when that returns no errors, hs::render::render(). Nothing here knows about tfplugin.
//
// Each struct lists its HCL attributes once, in its `fields(v)` member: name, member, description and
// how it appears in HCL (FieldOpts). That one list drives the terraform schema (resources/app_schema.cpp),
// the conversion from terraform values (resources/app_convert.cpp) and the JSON spec reader
// (render/app_spec_json.cpp), so adding an input is a member plus one `v.field(...)` line beside it;
// validate.cpp and the renderer then give it meaning. The member's C++ type decides the terraform type:
//   std::string -> string; bool -> bool; int64_t, std::optional<int64_t> -> number;
//   std::vector<std::string> -> list(string); std::map<std::string, std::string> -> map(string);
//   a struct with fields() -> a nested object: std::vector<T> a list of them, std::optional<T> (absent =
//   std::nullopt) or T a single one, std::map<std::string, T> a map of them.
//
// Conventions, so the resource layer knows what to write for a null (unset) attribute:
// - an optional string attribute is "" when unset;
// - a value with a default has that default as its member initialiser;
// - a block that may be absent is std::optional (absent = std::nullopt);
// - an optional number without a default is std::optional.
// Durations are Go duration strings ("1s", "1m30s", "24h"): they are written into the replicator config
// as given, after validation.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hs::render {

// How a field appears in HCL; the default is an optional attribute.
struct FieldOpts {
  bool required = false;
  bool sensitive = false;  // hidden in plan output (URLs with tokens)
  bool block = false;      // nested objects only: a block (`replica { }`) instead of an attribute (`ports = [{ }]`)
  int64_t min_items = 0;   // list blocks only
};

// "homeserver-replicator:<version>" (the provider block may override it).
std::string default_replicator_image();

// ports = [{ name, container_port, protocol }]
struct PortSpec {
  std::string name{};            // IANA service name (lowercase, <= 15 chars), "" = unnamed
  int64_t container_port = 0;    // 1..65535 (required)
  std::string protocol = "TCP";  // "TCP" | "UDP" | "SCTP"

  template <class V>
  void fields(V& v) {
    v.field("name", name, "IANA service name, e.g. `http`.");
    v.field("container_port", container_port, "1-65535.", {.required = true});
    v.field("protocol", protocol, "`TCP` (default), `UDP` or `SCTP`.");
  }
};

// resources = { requests = {cpu=..., memory=...}, limits = {...} }  (of the app container)
struct ResourcesSpec {
  std::map<std::string, std::string> requests;  // keys "cpu" / "memory" / "ephemeral-storage" (quantities)
  std::map<std::string, std::string> limits;

  template <class V>
  void fields(V& v) {
    v.field("requests", requests, "`cpu` / `memory` / `ephemeral-storage` requests, e.g. `{ memory = \"64Mi\" }`.");
    v.field("limits", limits, "`cpu` / `memory` / `ephemeral-storage` limits.");
  }
};

// replica { age { ... } }: client-side encryption, litestream 0.3's replica `age` key. The identity
// (a secret) comes from a key of an existing Secret, never from terraform state: the replicator
// containers get it as an env var and the config references it as ${...}.
struct AgeSpec {
  std::vector<std::string> recipients{};  // age1... public keys (required, at least one)
  std::string identity_secret{};          // Secret holding the AGE-SECRET-KEY-1... line (required)
  std::string identity_key = "identity";  // its key in that Secret

  template <class V>
  void fields(V& v) {
    v.field("recipients", recipients,
            "age public keys (`age1...`) that new snapshots and WAL segments are encrypted to.", {.required = true});
    v.field("identity_secret", identity_secret,
            "Name of an existing Secret in `namespace` holding the age identity (`AGE-SECRET-KEY-1...`, one "
            "line) that restores decrypt with.",
            {.required = true});
    v.field("identity_key", identity_key, "The key of `identity_secret` that holds the identity. Default `identity`.");
  }
};

// replica { ... }: one block per backup target, keys as litestream's replica keys in snake_case.
struct ReplicaSpec {
  std::string name{};               // unique per app; default = type (as litestream)
  std::string type{};               // "s3" | "file" (required)
  std::string endpoint{};           // s3 only; e.g. "http://minio.nas.lan:9000" ("" = AWS)
  std::string bucket{};             // s3 only, required for s3
  std::string path{};               // s3 = key prefix; file = absolute directory on the node (hostPath)
  std::string region{};             // s3 only ("" = replicator's default)
  bool force_path_style = false;    // s3 only
  bool skip_verify = false;         // s3 only, skip TLS verification
  std::string sync_interval{};      // Go duration, "" = replicator default (1s)
  std::string snapshot_interval{};  // Go duration, "" = off
  std::string retention{};          // Go duration, "" = replicator default (24h)
  // s3 only. Names of environment variables (keys of credentials_secret) holding THIS replica's keys, for
  // two S3 services with different keys. Rendered as `${VAR}` references; "" = the shared
  // LITESTREAM_ACCESS_KEY_ID / LITESTREAM_SECRET_ACCESS_KEY (or AWS_*) variables. Both or neither; they need
  // credentials_secret.
  std::string access_key_id_env{};
  std::string secret_access_key_env{};
  // s3 only: an existing Secret with THIS replica's keys (LITESTREAM_ACCESS_KEY_ID/_SECRET_ACCESS_KEY, else
  // the AWS_* names). Wins over the resource-level credentials_secret for this replica; "" = none.
  std::string credentials_secret{};
  std::optional<AgeSpec> age{};  // absent = objects stored unencrypted

  template <class V>
  void fields(V& v) {
    v.field("name", name, "Unique name of this replica within the app. Default: its `type`.");
    v.field("type", type, "`s3` or `file`.", {.required = true});
    v.field("endpoint", endpoint, "S3 only: the endpoint URL, e.g. `http://minio.nas.lan:9000`. Unset = AWS.");
    v.field("bucket", bucket, "S3 only (required there): the bucket name.");
    v.field("path", path, "S3: key prefix inside the bucket. file: absolute directory on the node (a hostPath).");
    v.field("region", region, "S3 only: the bucket's region. Unset = the replicator's default.");
    v.field("force_path_style", force_path_style,
            "S3 only: path-style URLs (`endpoint/bucket/key`), as MinIO needs. Default `false`.");
    v.field("skip_verify", skip_verify, "S3 only: skip TLS certificate verification. Default `false`.");
    v.field("sync_interval", sync_interval,
            "How often WAL changes are shipped, a Go duration like `1s`. Default `1s`.");
    v.field("snapshot_interval", snapshot_interval,
            "How often a full snapshot is taken, e.g. `24h`. Unset = only when needed.");
    v.field("retention", retention,
            "How long old generations are kept, e.g. `72h` (days are not a Go unit). Default `24h`.");
    v.field("access_key_id_env", access_key_id_env,
            "S3 only: name of a `credentials_secret` variable holding this replica's access key id (with "
            "`secret_access_key_env`). Unset = the shared keys.");
    v.field("secret_access_key_env", secret_access_key_env,
            "S3 only: name of a `credentials_secret` variable holding this replica's secret access key (with "
            "`access_key_id_env`).");
    v.field("credentials_secret", credentials_secret,
            "S3 only: an existing Secret with this replica's own keys (`LITESTREAM_ACCESS_KEY_ID` / "
            "`LITESTREAM_SECRET_ACCESS_KEY`, else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`). Wins over the "
            "resource-level `credentials_secret` for this replica.");
    v.field("age", age,
            "Client-side encryption with age, as litestream 0.3's replica `age` key: objects are encrypted to "
            "`recipients` and decrypted with the identity from `identity_secret`.",
            {.block = true});
  }
};

// verify { ... }: a CronJob that restores the newest backup and checks it.
struct VerifySpec {
  std::string schedule;         // cron, 5 fields or @hourly/@daily/... (required)
  std::string time_zone;        // IANA name, e.g. "Europe/Berlin", "" = kube-controller-manager's
  std::string healthcheck_url;  // sensitive; http(s) healthchecks.io-style ping URL, "" = none
  std::string max_age;          // Go duration; verify fails when the newest backup is older, "" = no limit

  template <class V>
  void fields(V& v) {
    v.field("schedule", schedule, "Cron schedule (5 fields or `@daily` etc.), e.g. `30 3 * * *`.", {.required = true});
    v.field("time_zone", time_zone, "IANA time zone of the schedule, e.g. `Europe/Berlin`. Unset = the cluster's.");
    v.field("healthcheck_url", healthcheck_url,
            "healthchecks.io-style URL pinged on success (`/fail` on failure). Sensitive.", {.sensitive = true});
    v.field("max_age", max_age, "Fail when the newest backup is older than this Go duration, e.g. `26h`.");
  }
};

// alerts { ... }: where the replicator sends WARN/ERROR events, throttled like Fluent Bit's throttle filter.
struct AlertsSpec {
  std::string slack_webhook_url;  // sensitive, "" = none
  std::string gotify_url;         // sensitive, "" = none (needs gotify_token)
  std::string gotify_token;       // sensitive
  std::string ntfy_url;           // sensitive (topic URL), "" = none
  std::string webhook_url;        // sensitive, generic JSON POST, "" = none
  int64_t rate = 1;               // events allowed per interval
  std::string interval = "2h";    // Go duration
  int64_t window = 6;             // number of intervals in the sliding window

  template <class V>
  void fields(V& v) {
    v.field("slack_webhook_url", slack_webhook_url, "Slack incoming-webhook URL. Sensitive.", {.sensitive = true});
    v.field("gotify_url", gotify_url, "Gotify server URL (needs `gotify_token`). Sensitive.", {.sensitive = true});
    v.field("gotify_token", gotify_token, "Gotify application token. Sensitive.", {.sensitive = true});
    v.field("ntfy_url", ntfy_url, "ntfy topic URL, e.g. `https://ntfy.sh/my-topic`. Sensitive.", {.sensitive = true});
    v.field("webhook_url", webhook_url, "Generic webhook: a JSON POST per alert. Sensitive.", {.sensitive = true});
    v.field("rate", rate, "Alerts allowed per `interval`. Default `1`.");
    v.field("interval", interval, "Throttle interval, a Go duration. Default `2h`.");
    v.field("window", window, "Number of intervals in the sliding window. Default `6`.");
  }
};

// alerts_secret { name = ..., ntfy_url = "<key>", ... }: alert and healthcheck URLs from an existing Secret,
// so none of them is in the state. Each attribute but `name` names the key of the Secret holding that value.
struct AlertsSecretSpec {
  std::string name{};  // the Secret (required)
  std::string healthcheck_url{}, slack_webhook_url{}, gotify_url{}, gotify_token{}, ntfy_url{}, webhook_url{};  // keys

  template <class V>
  void fields(V& v) {
    v.field("name", name, "Name of an existing Secret in `namespace`.", {.required = true});
    v.field("healthcheck_url", healthcheck_url, "Key holding `verify`'s healthcheck URL (needs a `verify` block).");
    v.field("slack_webhook_url", slack_webhook_url, "Key holding the Slack webhook URL (needs an `alerts` block).");
    v.field("gotify_url", gotify_url, "Key holding the Gotify URL (with `gotify_token`; needs `alerts`).");
    v.field("gotify_token", gotify_token, "Key holding the Gotify token (with `gotify_url`).");
    v.field("ntfy_url", ntfy_url, "Key holding the ntfy topic URL (needs an `alerts` block).");
    v.field("webhook_url", webhook_url, "Key holding the generic webhook URL (needs an `alerts` block).");
  }
};

// secret_env = { VAR = { secret = "...", key = "..." } }: one app variable from a key of an existing Secret.
struct SecretKeySpec {
  std::string secret;  // Secret name (required)
  std::string key;     // key inside it (required)

  template <class V>
  void fields(V& v) {
    v.field("secret", secret, "Name of an existing Secret in `namespace`.", {.required = true});
    v.field("key", key, "The key inside that Secret.", {.required = true});
  }
};

// readiness_probe / liveness_probe / startup_probe { ... } of the app container: exactly one of http_path
// (with port), tcp_port, exec. Ports are a number or a name from `ports`; times are Go durations in
// whole seconds.
struct ProbeSpec {
  std::string http_path{};                     // HTTP GET path, e.g. "/alive"
  std::string port{};                          // with http_path: "8080" or a port name
  std::string tcp_port{};                      // TCP connect: "8080" or a port name
  std::vector<std::string> exec{};             // command run in the container
  std::string initial_delay{};                 // "" = Kubernetes' default (0s)
  std::string period{};                        // "" = 10s
  std::string timeout{};                       // "" = 1s
  std::optional<int64_t> failure_threshold{};  // unset = 3

  template <class V>
  void fields(V& v) {
    v.field("http_path", http_path, "HTTP GET this path (with `port`), e.g. `/alive`.");
    v.field("port", port, "With `http_path`: a port number or the name of one of `ports`.");
    v.field("tcp_port", tcp_port, "Open a TCP connection to this port (a number or the name of one of `ports`).");
    v.field("exec", exec, "Run this command in the app container; exit status 0 = healthy.");
    v.field("initial_delay", initial_delay,
            "Wait this long after start, a Go duration in whole seconds. Default `0s`.");
    v.field("period", period, "How often to probe, a Go duration in whole seconds. Default `10s`.");
    v.field("timeout", timeout, "How long one probe may take, a Go duration in whole seconds. Default `1s`.");
    v.field("failure_threshold", failure_threshold, "Failures in a row that count as failed. Default `3`.");
  }
};

// service { ... }: a Service for `ports`, selecting exactly this app's pods.
struct ServiceSpec {
  std::string type = "ClusterIP";                    // ClusterIP | NodePort | LoadBalancer
  std::map<std::string, std::string> annotations{};  // metadata.annotations

  template <class V>
  void fields(V& v) {
    v.field("type", type, "`ClusterIP` (default), `NodePort` or `LoadBalancer`.");
    v.field("annotations", annotations, "Annotations of the Service, e.g. for a load balancer.");
  }
};

// tolerations = [{ key, operator, value, effect, toleration_seconds }] (Kubernetes' fields in snake_case).
struct TolerationSpec {
  std::string key{};                            // "" = every taint (needs operator Exists)
  std::string operator_ = "Equal";              // HCL `operator`: Equal | Exists
  std::string value{};                          // Equal only
  std::string effect{};                         // "" (all) | NoSchedule | PreferNoSchedule | NoExecute
  std::optional<int64_t> toleration_seconds{};  // NoExecute only

  template <class V>
  void fields(V& v) {
    v.field("key", key, "Taint key. Unset = every taint (with `operator = \"Exists\"`).");
    v.field("operator", operator_, "`Equal` (default) or `Exists`.");
    v.field("value", value, "Taint value (with `Equal`).");
    v.field("effect", effect, "`NoSchedule`, `PreferNoSchedule` or `NoExecute`. Unset = all effects.");
    v.field("toleration_seconds", toleration_seconds, "`NoExecute` only: how long the pod stays after the taint.");
  }
};

struct AppSpec {
  std::string name{};                               // DNS-1123 label, <= 45 chars (suffixes "-verify" etc.) (required)
  std::string namespace_ = "default";               // HCL `namespace`: DNS-1123 label
  std::string image;                                // the app's container image (required)
  std::vector<std::string> command;                 // overrides the image's entrypoint, empty = image's
  std::vector<std::string> args;                    // empty = image's
  std::map<std::string, std::string> env;           // plain environment variables of the app container
  std::vector<std::string> env_from_secrets;        // app container envFrom[].secretRef
  std::map<std::string, SecretKeySpec> secret_env;  // app container env[].valueFrom.secretKeyRef
  std::vector<PortSpec> ports;
  ResourcesSpec resources;            // of the app container
  std::string database_path;          // absolute, clean path of the SQLite file (required)
  std::vector<ReplicaSpec> replicas;  // HCL `replica` blocks: at least one
  std::string credentials_secret;     // Secret whose keys become the replicator's env, "" = none
  std::string replicator_image;       // "" = default_replicator_image() (the resource layer fills in the
                                      //   provider block's override first)
  std::optional<VerifySpec> verify;
  std::optional<AlertsSpec> alerts;
  std::optional<AlertsSecretSpec> alerts_secret;  // URLs from an existing Secret instead of the attributes
  std::optional<int64_t> metrics_port;            // serves /metrics and /healthz when set
  bool native_sidecar = true;  // replicator as init container with restartPolicy Always (k8s >= 1.29)
  int64_t run_as_user = 1000;  // pod runAsUser and runAsGroup
  int64_t fs_group = 1000;     // pod fsGroup
  std::optional<ProbeSpec> readiness_probe, liveness_probe, startup_probe;  // of the app container
  std::optional<ServiceSpec> service;
  std::vector<std::string> image_pull_secrets;       // pod imagePullSecrets (Deployment and CronJob)
  std::map<std::string, std::string> node_selector;  // pod nodeSelector (Deployment and CronJob)
  std::vector<TolerationSpec> tolerations;           // pod tolerations (Deployment and CronJob)
  std::string service_account_name;                  // "" = none, automountServiceAccountToken false

  template <class V>
  void fields(V& v) {
    v.field("name", name,
            "App name (DNS-1123 label, at most 45 characters): the Deployment's name and the prefix of the other "
            "objects. Changing it replaces the app.",
            {.required = true});
    v.field("namespace", namespace_, "Kubernetes namespace of every object. Default `default`.");
    v.field("image", image, "The app's container image.", {.required = true});
    v.field("command", command, "Overrides the image's entrypoint. Unset = the image's.");
    v.field("args", args, "Arguments of the app. Unset = the image's.");
    v.field("env", env, "Plain environment variables of the app.");
    v.field("env_from_secrets", env_from_secrets,
            "Existing Secrets whose keys all become environment variables of the app (`envFrom`).");
    v.field("secret_env", secret_env,
            "Environment variables of the app from one key of an existing Secret each, e.g. "
            "`{ ADMIN_TOKEN = { secret = \"vw\", key = \"admin-token\" } }`.");
    v.field("ports", ports, "Ports the app listens on.");
    v.field("resources", resources, "Resource requests and limits of the app container.");
    v.field("database_path", database_path,
            "Absolute path of the SQLite file inside the app container, e.g. `/data/app.db`. Its directory becomes "
            "the volume the replicator shares.",
            {.required = true});
    v.field("replica", replicas, "A backup target of the SQLite file, like a litestream replica. At least one.",
            {.block = true, .min_items = 1});
    v.field("credentials_secret", credentials_secret,
            "Name of an existing Secret whose keys become the replicator's environment (e.g. "
            "`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`).");
    v.field("replicator_image", replicator_image,
            "Replicator image of this app. Default: the provider's `replicator_image`, else `image_registry` + `" +
                default_replicator_image() + "`.");
    v.field("verify", verify, "A CronJob that restores the newest backup into scratch space and checks it.",
            {.block = true});
    v.field("alerts", alerts, "Where the replicator sends warnings and errors, throttled to `rate` per `interval`.",
            {.block = true});
    v.field("alerts_secret", alerts_secret,
            "Alert and healthcheck URLs from keys of an existing Secret instead of `alerts` / `verify` attributes, "
            "so no URL is in the state.",
            {.block = true});
    v.field("metrics_port", metrics_port, "Serve Prometheus `/metrics` and `/healthz` on this port. Unset = off.");
    v.field("native_sidecar", native_sidecar,
            "Run the replicator as a native sidecar (Kubernetes >= 1.29). Default `true`.");
    v.field("run_as_user", run_as_user, "UID (and GID) the pod runs as. Default `1000`.");
    v.field("fs_group", fs_group, "fsGroup of the pod. Default `1000`.");
    v.field("readiness_probe", readiness_probe, "Readiness probe of the app container.", {.block = true});
    v.field("liveness_probe", liveness_probe, "Liveness probe of the app container.", {.block = true});
    v.field("startup_probe", startup_probe, "Startup probe of the app container.", {.block = true});
    v.field("service", service, "A Service exposing `ports`, selecting exactly this app's pods.", {.block = true});
    v.field("image_pull_secrets", image_pull_secrets,
            "Existing `kubernetes.io/dockerconfigjson` Secrets to pull the images with.");
    v.field("node_selector", node_selector,
            "Node labels the pods must run on, e.g. `{ \"kubernetes.io/hostname\" = \"pi4\" }`. Pin apps with a "
            "`file` replica to the node that has the directory.");
    v.field("tolerations", tolerations, "Taints the pods tolerate (Kubernetes' fields in snake_case).");
    v.field("service_account_name", service_account_name,
            "Service account of the app's pod. Unset = none, and no API token is mounted.");
  }
};

}  // namespace hs::render
