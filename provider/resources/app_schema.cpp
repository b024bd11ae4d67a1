#include "resources/app_schema.h"

#include "render/app_spec.h"

namespace hs::provider {
namespace {

using tfplugin::attr;
using tfplugin::Attribute;
using tfplugin::Block;
using tfplugin::NestedBlock;
using tfplugin::NestingMode;
using tfplugin::Type;

Attribute opt_string(const char* name, std::string description) {
  return attr(name, Type::string()).optional_().description(std::move(description));
}
Attribute secret_url(const char* name, std::string description) {
  return attr(name, Type::string()).optional_().sensitive_().description(std::move(description));
}
Attribute opt_number(const char* name, std::string description) {
  return attr(name, Type::number()).optional_().description(std::move(description));
}
Attribute opt_bool(const char* name, std::string description) {
  return attr(name, Type::boolean()).optional_().description(std::move(description));
}

NestedBlock replica_block() {
  Block b;
  b.description = "A backup target of the SQLite file, like a litestream replica. At least one.";
  b.attributes = {
      opt_string("name", "Unique name of this replica within the app. Default: its `type`."),
      attr("type", Type::string()).required_().description("`s3` or `file`."),
      opt_string("endpoint", "S3 only: the endpoint URL, e.g. `http://minio.nas.lan:9000`. Unset = AWS."),
      opt_string("bucket", "S3 only (required there): the bucket name."),
      opt_string("path", "S3: key prefix inside the bucket. file: absolute directory on the node (a hostPath)."),
      opt_string("region", "S3 only: the bucket's region. Unset = the replicator's default."),
      opt_bool("force_path_style", "S3 only: path-style URLs (`endpoint/bucket/key`), as MinIO needs. Default `false`."),
      opt_bool("skip_verify", "S3 only: skip TLS certificate verification. Default `false`."),
      opt_string("sync_interval", "How often WAL changes are shipped, a Go duration like `1s`. Default `1s`."),
      opt_string("snapshot_interval", "How often a full snapshot is taken, e.g. `24h`. Unset = only when needed."),
      opt_string("retention", "How long old generations are kept, e.g. `72h` (days are not a Go unit). "
                              "Default `24h`."),
      opt_string("access_key_id_env", "S3 only: name of a `credentials_secret` variable holding this replica's "
                                      "access key id (with `secret_access_key_env`). Unset = the shared keys."),
      opt_string("secret_access_key_env", "S3 only: name of a `credentials_secret` variable holding this replica's "
                                          "secret access key (with `access_key_id_env`)."),
  };
  return NestedBlock{"replica", b, NestingMode::List, 1, 0};
}

NestedBlock verify_block() {
  Block b;
  b.description = "A CronJob that restores the newest backup into scratch space and checks it.";
  b.attributes = {
      attr("schedule", Type::string()).required_().description(
          "Cron schedule (5 fields or `@daily` etc.), e.g. `30 3 * * *`."),
      opt_string("time_zone", "IANA time zone of the schedule, e.g. `Europe/Berlin`. Unset = the cluster's."),
      secret_url("healthcheck_url", "healthchecks.io-style URL pinged on success (`/fail` on failure). Sensitive."),
      opt_string("max_age", "Fail when the newest backup is older than this Go duration, e.g. `26h`."),
  };
  return NestedBlock{"verify", b, NestingMode::Single, 0, 0};
}

NestedBlock alerts_block() {
  Block b;
  b.description = "Where the replicator sends warnings and errors, throttled to `rate` per `interval`.";
  b.attributes = {
      secret_url("slack_webhook_url", "Slack incoming-webhook URL. Sensitive."),
      secret_url("gotify_url", "Gotify server URL (needs `gotify_token`). Sensitive."),
      secret_url("gotify_token", "Gotify application token. Sensitive."),
      secret_url("ntfy_url", "ntfy topic URL, e.g. `https://ntfy.sh/my-topic`. Sensitive."),
      secret_url("webhook_url", "Generic webhook: a JSON POST per alert. Sensitive."),
      opt_number("rate", "Alerts allowed per `interval`. Default `1`."),
      opt_string("interval", "Throttle interval, a Go duration. Default `2h`."),
      opt_number("window", "Number of intervals in the sliding window. Default `6`."),
  };
  return NestedBlock{"alerts", b, NestingMode::Single, 0, 0};
}

// The inputs; `namespace_computed` makes namespace optional+computed (the resource plans its default).
Block inputs(bool namespace_computed) {
  Block b;
  Attribute ns = opt_string("namespace", "Kubernetes namespace of every object. Default `default`.");
  if (namespace_computed) ns.computed = true;
  b.attributes = {
      attr("name", Type::string()).required_().description(
          "App name (DNS-1123 label, at most 45 characters): the Deployment's name and the prefix of the other "
          "objects. Changing it replaces the app."),
      ns,
      attr("image", Type::string()).required_().description("The app's container image."),
      attr("command", Type::list(Type::string())).optional_().description(
          "Overrides the image's entrypoint. Unset = the image's."),
      attr("args", Type::list(Type::string())).optional_().description("Arguments of the app. Unset = the image's."),
      attr("env", Type::map(Type::string())).optional_().description("Plain environment variables of the app."),
      tfplugin::nested_attr("ports", NestingMode::List,
                             {opt_string("name", "IANA service name, e.g. `http`."),
                              attr("container_port", Type::number()).required_().description("1-65535."),
                              opt_string("protocol", "`TCP` (default), `UDP` or `SCTP`.")})
          .optional_()
          .description("Ports the app listens on."),
      tfplugin::nested_attr("resources", NestingMode::Single,
                            {attr("requests", Type::map(Type::string())).optional_().description(
                                 "`cpu` / `memory` / `ephemeral-storage` requests, e.g. `{ memory = \"64Mi\" }`."),
                             attr("limits", Type::map(Type::string())).optional_().description(
                                 "`cpu` / `memory` / `ephemeral-storage` limits.")})
          .optional_()
          .description("Resource requests and limits of the app container."),
      attr("database_path", Type::string()).required_().description(
          "Absolute path of the SQLite file inside the app container, e.g. `/data/app.db`. Its directory becomes "
          "the volume the replicator shares."),
      opt_string("credentials_secret",
                 "Name of an existing Secret whose keys become the replicator's environment (e.g. "
                 "`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`)."),
      opt_string("replicator_image", "Replicator image of this app. Default: the provider's `replicator_image`, "
                                     "else `image_registry` + `" + hs::render::default_replicator_image() + "`."),
      opt_number("metrics_port", "Serve Prometheus `/metrics` and `/healthz` on this port. Unset = off."),
      opt_bool("native_sidecar", "Run the replicator as a native sidecar (Kubernetes >= 1.29). Default `true`."),
      opt_number("run_as_user", "UID (and GID) the pod runs as. Default `1000`."),
      opt_number("fs_group", "fsGroup of the pod. Default `1000`."),
  };
  b.block_types = {replica_block(), verify_block(), alerts_block()};
  return b;
}

void add_computed(Block& b) {
  b.attributes.push_back(attr("id", Type::string()).computed_().description("`namespace/name`."));
  b.attributes.push_back(
      attr("manifests", Type::map(Type::string())).computed_().sensitive_().description(
          "Every rendered Kubernetes object as JSON, keyed `Kind/name` (e.g. `Deployment/blog`). Sensitive: the "
          "Secret holds alert and healthcheck URLs."));
  b.attributes.push_back(attr("manifests_yaml", Type::string()).computed_().sensitive_().description(
      "All objects as one multi-document YAML stream for `kubectl apply -f -`. Sensitive, as `manifests`."));
  b.attributes.push_back(attr("replicator_config", Type::string()).computed_().description(
      "The replicator config the ConfigMap holds (secrets appear only as `${VAR}` references)."));
}

}  // namespace

tfplugin::Schema app_resource_schema() {
  Block b = inputs(true);
  b.description =
      "A self-hosted app that keeps its state in one SQLite file, rendered as Kubernetes objects: a Deployment "
      "(app, replicator sidecar, restore init container), the replicator ConfigMap, a verification CronJob and a "
      "Secret when needed. Nothing is sent to a cluster: apply the `manifests` with the kubernetes provider or "
      "`manifests_yaml` with kubectl. Import with `namespace/name`; the other arguments come from the "
      "configuration on the next apply.";
  add_computed(b);
  return {kAppSchemaVersion, b};
}

tfplugin::Schema app_data_source_schema() {
  Block b = inputs(false);
  b.description = "Renders the same objects as the `homeserver_sqlite_app` resource, without keeping state.";
  add_computed(b);
  return {0, b};
}

tfplugin::Schema provider_block_schema() {
  Block b;
  b.description = "Settings shared by every app of the configuration.";
  b.attributes = {
      opt_string("replicator_image", "Default replicator image of every app (an app's own `replicator_image` wins)."),
      opt_string("image_registry", "Registry prefix of the default replicator image, e.g. `registry.lan:5000/`."),
  };
  return {0, b};
}

}  // namespace hs::provider
