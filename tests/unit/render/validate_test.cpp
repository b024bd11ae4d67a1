// One case per validation rule: a valid spec with one thing broken must yield exactly one error, at
// the attribute path of the broken thing, with a detail that says what is wrong.
#include <catch2/catch.hpp>

#include <functional>

#include "render/render.h"
#include "test_util.h"

using namespace render_test;
using hs::render::AppSpec;

namespace {

struct Case {
  const char* what;
  std::function<void(AppSpec&)> mutate;
  const char* path;    // expected to_string(path)
  const char* detail;  // expected substring of the detail
};

void expect_one_error(const Case& c) {
  AppSpec spec = load_spec("example-resource");
  REQUIRE(hs::render::validate(spec).empty());
  c.mutate(spec);
  auto errors = hs::render::validate(spec);
  for (const auto& e : errors) UNSCOPED_INFO(hs::render::to_string(e.path) << " | " << e.summary << " | " << e.detail);
  REQUIRE(errors.size() == 1);
  CHECK(hs::render::to_string(errors[0].path) == c.path);
  CHECK_THAT(errors[0].detail, Catch::Contains(c.detail));
  CHECK_FALSE(errors[0].summary.empty());
}

hs::render::ReplicaSpec s3(std::string name, std::string bucket, std::string path = "") {
  return {.name = std::move(name), .type = "s3", .bucket = std::move(bucket), .path = std::move(path)};
}

// A real age public key (age-keygen): what recipients must look like.
const std::string kRecipient = "age1ut7ck5wrdmxh4mdvazfkxz409m3v899z7p7qvd592a9gjsu3d90sfysqyj";

const std::vector<Case> kCases = {
    {"name missing", [](AppSpec& s) { s.name = ""; }, "name", "is required"},
    {"name not a label", [](AppSpec& s) { s.name = "My_Blog"; }, "name", "lowercase"},
    {"name edge dash", [](AppSpec& s) { s.name = "blog-"; }, "name", "start and end"},
    {"name too long for the CronJob", [](AppSpec& s) { s.name = std::string(46, 'a'); }, "name", "at most 45"},
    {"namespace", [](AppSpec& s) { s.namespace_ = "Web"; }, "namespace", "lowercase"},
    {"namespace empty", [](AppSpec& s) { s.namespace_ = ""; }, "namespace", "must not be empty"},
    {"image empty", [](AppSpec& s) { s.image = ""; }, "image", "must not be empty"},
    {"image whitespace", [](AppSpec& s) { s.image = "nginx latest"; }, "image", "whitespace"},
    {"replicator_image", [](AppSpec& s) { s.replicator_image = "a\tb"; }, "replicator_image", "whitespace"},
    {"env name", [](AppSpec& s) { s.env["1BAD"] = "x"; }, "env[\"1BAD\"]", "must not start with a digit"},
    {"env name char", [](AppSpec& s) { s.env["A=B"] = "x"; }, "env[\"A=B\"]", "may contain only"},
    {"port range", [](AppSpec& s) { s.ports[0].container_port = 70000; }, "ports[0].container_port", "1-65535"},
    {"port zero", [](AppSpec& s) { s.ports[0].container_port = 0; }, "ports[0].container_port", "1-65535"},
    {"port name", [](AppSpec& s) { s.ports[0].name = "HTTP"; }, "ports[0].name", "IANA"},
    {"port name long", [](AppSpec& s) { s.ports[0].name = "a-very-long-port-name"; }, "ports[0].name", "15"},
    {"port protocol", [](AppSpec& s) { s.ports[0].protocol = "tcp"; }, "ports[0].protocol", "\"TCP\""},
    {"duplicate port name", [](AppSpec& s) { s.ports.push_back({"http", 8081, "TCP"}); }, "ports[1].name", "used twice"},
    {"duplicate port", [](AppSpec& s) { s.ports.push_back({"", 8080, "TCP"}); }, "ports[1].container_port", "declared twice"},
    {"port clashes with metrics", [](AppSpec& s) { s.ports.push_back({"", 9090, "TCP"}); }, "ports[1].container_port", "metrics_port"},
    {"resource key", [](AppSpec& s) { s.resources.limits["gpu"] = "1"; }, "resources.limits[\"gpu\"]", "not one of"},
    {"quantity", [](AppSpec& s) { s.resources.requests["memory"] = "lots"; }, "resources.requests[\"memory\"]", "quantity"},
    {"quantity negative", [](AppSpec& s) { s.resources.requests["cpu"] = "-1"; }, "resources.requests[\"cpu\"]", "negative"},
    {"database_path missing", [](AppSpec& s) { s.database_path = ""; }, "database_path", "is required"},
    {"database_path relative", [](AppSpec& s) { s.database_path = "data/blog.db"; }, "database_path", "not an absolute path"},
    {"database_path dotdot", [](AppSpec& s) { s.database_path = "/data/../blog.db"; }, "database_path", "\"..\""},
    {"database_path dot", [](AppSpec& s) { s.database_path = "/data/./blog.db"; }, "database_path", "\".\""},
    {"database_path double slash", [](AppSpec& s) { s.database_path = "/data//blog.db"; }, "database_path", "//"},
    {"database_path trailing slash", [](AppSpec& s) { s.database_path = "/data/"; }, "database_path", "end with '/'"},
    {"database_path in root", [](AppSpec& s) { s.database_path = "/blog.db"; }, "database_path", "directly under"},
    {"database_path in /tmp", [](AppSpec& s) { s.database_path = "/tmp/blog.db"; }, "database_path", "overlaps"},
    {"database_path dollar", [](AppSpec& s) { s.database_path = "/data/$HOME.db"; }, "database_path", "'$'"},
    {"no replica", [](AppSpec& s) { s.replicas.clear(); }, "replica", "at least one replica"},
    {"replica type missing", [](AppSpec& s) { s.replicas[0].type = ""; }, "replica[0].type", "is required"},
    {"replica type unknown", [](AppSpec& s) { s.replicas[0].type = "gcs"; }, "replica[0].type", "\"gcs\" is not supported"},
    {"duplicate replica name",
     [](AppSpec& s) { s.replicas.push_back(s3("nas", "other")); }, "replica[2].name", "also the name of replica[0]"},
    {"duplicate unnamed replicas",
     [](AppSpec& s) { s.replicas.push_back(s3("", "a")); s.replicas.push_back(s3("", "b")); },
     "replica[3].name", "named after its type"},
    {"duplicate s3 target",
     [](AppSpec& s) {
       auto r = s.replicas[0];
       r.name = "nas2";
       r.path = "/blog/";
       s.replicas.push_back(r);
     },
     "replica[2]", "same place as replica[0]"},
    {"duplicate file target",
     [](AppSpec& s) { s.replicas.push_back({.name = "usb2", .type = "file", .path = "/mnt/usb/backups/blog"}); },
     "replica[2]", "same place as replica[1]"},
    {"replica name chars", [](AppSpec& s) { s.replicas[0].name = "my nas"; }, "replica[0].name", "may contain only"},
    {"s3 without bucket", [](AppSpec& s) { s.replicas[0].bucket = ""; }, "replica[0].bucket", "need a bucket"},
    {"s3 bucket with slash", [](AppSpec& s) { s.replicas[0].bucket = "a/b"; }, "replica[0].bucket", "not a bucket name"},
    {"s3 endpoint not a URL", [](AppSpec& s) { s.replicas[0].endpoint = "minio:9000"; }, "replica[0].endpoint", "http://"},
    {"s3 path is a URL", [](AppSpec& s) { s.replicas[0].path = "s3://x/y"; }, "replica[0].path", "is a URL"},
    {"s3 field dollar", [](AppSpec& s) { s.replicas[0].bucket = "${BUCKET}"; }, "replica[0].bucket", "'$'"},
    {"file without path", [](AppSpec& s) { s.replicas[1].path = ""; }, "replica[1].path", "need the absolute directory"},
    {"file relative path", [](AppSpec& s) { s.replicas[1].path = "backups"; }, "replica[1].path", "not an absolute path"},
    {"file path in database dir", [](AppSpec& s) { s.replicas[1].path = "/data/backup"; }, "replica[1].path", "overlaps"},
    {"file with bucket", [](AppSpec& s) { s.replicas[1].bucket = "x"; }, "replica[1].bucket", "only to s3"},
    {"file with force_path_style", [](AppSpec& s) { s.replicas[1].force_path_style = true; }, "replica[1].force_path_style", "only to s3"},
    {"duration in days", [](AppSpec& s) { s.replicas[1].retention = "7d"; }, "replica[1].retention", "unknown unit \"d\""},
    {"duration no unit", [](AppSpec& s) { s.replicas[0].sync_interval = "10"; }, "replica[0].sync_interval", "missing unit"},
    {"duration word", [](AppSpec& s) { s.replicas[0].sync_interval = "fast"; }, "replica[0].sync_interval", "invalid duration"},
    {"duration zero", [](AppSpec& s) { s.replicas[0].snapshot_interval = "0s"; }, "replica[0].snapshot_interval", "greater than zero"},
    {"key env without its pair", [](AppSpec& s) { s.replicas[0].access_key_id_env = "NAS_KEY"; },
     "replica[0].secret_access_key_env", "both"},
    {"key env name", [](AppSpec& s) { s.replicas[0].access_key_id_env = "NAS-KEY"; s.replicas[0].secret_access_key_env = "NAS_SECRET"; },
     "replica[0].access_key_id_env", "only letters, digits and '_'"},
    {"key env without credentials_secret",
     [](AppSpec& s) { s.credentials_secret = ""; s.replicas[0].access_key_id_env = "A"; s.replicas[0].secret_access_key_env = "B"; },
     "replica[0].access_key_id_env", "credentials_secret"},
    {"key env on a file replica", [](AppSpec& s) { s.replicas[1].access_key_id_env = "A"; }, "replica[1].access_key_id_env", "only to s3"},
    {"credentials_secret name", [](AppSpec& s) { s.credentials_secret = "Blog_S3"; }, "credentials_secret", "not a Kubernetes object name"},
    {"credentials_secret clash", [](AppSpec& s) { s.credentials_secret = "blog-replicator-secrets"; }, "credentials_secret", "another name"},
    {"cron missing", [](AppSpec& s) { s.verify->schedule = ""; }, "verify.schedule", "is required"},
    {"cron fields", [](AppSpec& s) { s.verify->schedule = "* * * *"; }, "verify.schedule", "has 4 fields"},
    {"cron seconds field", [](AppSpec& s) { s.verify->schedule = "0 15 3 * * *"; }, "verify.schedule", "has 6 fields"},
    {"cron range", [](AppSpec& s) { s.verify->schedule = "60 3 * * *"; }, "verify.schedule", "outside 0-59"},
    {"cron hour", [](AppSpec& s) { s.verify->schedule = "0 24 * * *"; }, "verify.schedule", "hour"},
    {"cron dom zero", [](AppSpec& s) { s.verify->schedule = "0 3 0 * *"; }, "verify.schedule", "outside 1-31"},
    {"cron reversed", [](AppSpec& s) { s.verify->schedule = "0 5-3 * * *"; }, "verify.schedule", "after its end"},
    {"cron step", [](AppSpec& s) { s.verify->schedule = "*/0 * * * *"; }, "verify.schedule", "step"},
    {"cron name", [](AppSpec& s) { s.verify->schedule = "0 3 * * funday"; }, "verify.schedule", "not a number or a name"},
    {"cron macro", [](AppSpec& s) { s.verify->schedule = "@fortnightly"; }, "verify.schedule", "not a schedule macro"},
    {"cron TZ", [](AppSpec& s) { s.verify->schedule = "TZ=UTC 0 3 * * *"; }, "verify.schedule", "use time_zone"},
    {"cron every", [](AppSpec& s) { s.verify->schedule = "@every 1d"; }, "verify.schedule", "unknown unit"},
    {"time zone", [](AppSpec& s) { s.verify->time_zone = "Europe/"; }, "verify.time_zone", "IANA"},
    {"time zone spaces", [](AppSpec& s) { s.verify->time_zone = "Central European Time"; }, "verify.time_zone", "IANA"},
    {"time zone Local", [](AppSpec& s) { s.verify->time_zone = "Local"; }, "verify.time_zone", "not allowed"},
    {"healthcheck scheme", [](AppSpec& s) { s.verify->healthcheck_url = "ftp://hc"; }, "verify.healthcheck_url", "http://"},
    {"healthcheck host", [](AppSpec& s) { s.verify->healthcheck_url = "https:///ping"; }, "verify.healthcheck_url", "no host"},
    {"healthcheck port", [](AppSpec& s) { s.verify->healthcheck_url = "https://hc:99999/x"; }, "verify.healthcheck_url", "port"},
    {"max_age", [](AppSpec& s) { s.verify->max_age = "1 day"; }, "verify.max_age", "unknown unit \" day\""},
    {"alerts without sink", [](AppSpec& s) { s.alerts->ntfy_url = ""; }, "alerts", "at least one of"},
    {"alerts bad URL", [](AppSpec& s) { s.alerts->ntfy_url = "ntfy.sh/topic"; }, "alerts.ntfy_url", "http://"},
    {"slack URL", [](AppSpec& s) { s.alerts->slack_webhook_url = "hooks.slack.com"; }, "alerts.slack_webhook_url", "http://"},
    {"webhook URL", [](AppSpec& s) { s.alerts->webhook_url = "http://"; }, "alerts.webhook_url", "no host"},
    {"URL with a quote", [](AppSpec& s) { s.alerts->ntfy_url = "https://ntfy.sh/a\"b"; }, "alerts.ntfy_url", "percent-encoded"},
    {"URL with a backslash", [](AppSpec& s) { s.verify->healthcheck_url = "https://hc/a\\b"; }, "verify.healthcheck_url", "percent-encoded"},
    {"gotify token with a quote", [](AppSpec& s) { s.alerts->gotify_url = "https://g"; s.alerts->gotify_token = "a\"b"; },
     "alerts.gotify_token", "'\"'"},
    {"gotify without token", [](AppSpec& s) { s.alerts->gotify_url = "https://gotify.lan"; }, "alerts.gotify_token", "required"},
    {"gotify token without URL", [](AppSpec& s) { s.alerts->gotify_token = "abc"; }, "alerts.gotify_url", "required"},
    {"rate", [](AppSpec& s) { s.alerts->rate = 0; }, "alerts.rate", "at least 1"},
    {"window", [](AppSpec& s) { s.alerts->window = -1; }, "alerts.window", "at least 1"},
    {"interval", [](AppSpec& s) { s.alerts->interval = "2 hours"; }, "alerts.interval", "unknown unit \" hours\""},
    {"interval zero", [](AppSpec& s) { s.alerts->interval = "0"; }, "alerts.interval", "greater than zero"},
    {"metrics_port", [](AppSpec& s) { s.metrics_port = 0; }, "metrics_port", "1-65535"},
    {"run_as_user root", [](AppSpec& s) { s.run_as_user = 0; }, "run_as_user", "non-root"},
    {"fs_group", [](AppSpec& s) { s.fs_group = -1; }, "fs_group", "0-2147483647"},
    // issue 13 inputs
    {"env_from_secrets name", [](AppSpec& s) { s.env_from_secrets = {"Bad_Secret"}; }, "env_from_secrets[0]", "not a Kubernetes object name"},
    {"env_from_secrets twice", [](AppSpec& s) { s.env_from_secrets = {"a", "a"}; }, "env_from_secrets[1]", "listed twice"},
    {"secret_env name", [](AppSpec& s) { s.secret_env["1X"] = {"s", "k"}; }, "secret_env[\"1X\"]", "must not start with a digit"},
    {"secret_env also in env", [](AppSpec& s) { s.secret_env["TZ"] = {"s", "k"}; }, "secret_env[\"TZ\"]", "also set in env"},
    {"secret_env secret missing", [](AppSpec& s) { s.secret_env["X"] = {"", "k"}; }, "secret_env[\"X\"].secret", "is required"},
    {"secret_env key chars", [](AppSpec& s) { s.secret_env["X"] = {"s", "a/b"}; }, "secret_env[\"X\"].key", "may contain only"},
    {"probe kind none", [](AppSpec& s) { s.readiness_probe.emplace(); }, "readiness_probe", "exactly one of"},
    {"probe kinds two", [](AppSpec& s) { s.liveness_probe = {.tcp_port = "8080", .exec = {"true"}}; }, "liveness_probe", "more than one"},
    {"probe http without port", [](AppSpec& s) { s.startup_probe = {.http_path = "/alive"}; }, "startup_probe.port", "is required"},
    {"probe http path", [](AppSpec& s) { s.readiness_probe = {.http_path = "alive", .port = "http"}; }, "readiness_probe.http_path", "start with '/'"},
    {"probe port name unknown", [](AppSpec& s) { s.readiness_probe = {.http_path = "/", .port = "web"}; }, "readiness_probe.port", "name of one of ports"},
    {"probe port number", [](AppSpec& s) { s.readiness_probe = {.tcp_port = "70000"}; }, "readiness_probe.tcp_port", "1-65535"},
    {"probe port without http_path", [](AppSpec& s) { s.readiness_probe = {.port = "http", .exec = {"true"}}; }, "readiness_probe.port", "only with http_path"},
    {"probe period fraction", [](AppSpec& s) { s.readiness_probe = {.tcp_port = "http", .period = "1500ms"}; }, "readiness_probe.period", "whole number of seconds"},
    {"probe period zero", [](AppSpec& s) { s.readiness_probe = {.tcp_port = "http", .period = "0s"}; }, "readiness_probe.period", "at least 1s"},
    {"probe timeout syntax", [](AppSpec& s) { s.readiness_probe = {.tcp_port = "http", .timeout = "5"}; }, "readiness_probe.timeout", "missing unit"},
    {"probe threshold", [](AppSpec& s) { s.readiness_probe = {.tcp_port = "http", .failure_threshold = 0}; }, "readiness_probe.failure_threshold", "1-1000000"},
    {"service type", [](AppSpec& s) { s.service = {.type = "ExternalName"}; }, "service.type", "not one of"},
    {"service without ports", [](AppSpec& s) { s.service.emplace(); s.ports.clear(); }, "service", "no ports"},
    {"service unnamed port", [](AppSpec& s) { s.service.emplace(); s.ports.push_back({"", 8081, "TCP"}); }, "ports[1].name", "needs a name"},
    {"service annotation key", [](AppSpec& s) { s.service = {.annotations = {{"bad key", "x"}}}; }, "service.annotations[\"bad key\"]", "may contain only"},
    {"image_pull_secrets", [](AppSpec& s) { s.image_pull_secrets = {"ok", "Not-OK"}; }, "image_pull_secrets[1]", "not a Kubernetes object name"},
    {"node_selector key", [](AppSpec& s) { s.node_selector["-x"] = "a"; }, "node_selector[\"-x\"]", "starting and ending"},
    {"node_selector prefix", [](AppSpec& s) { s.node_selector["Bad_Prefix/x"] = "a"; }, "node_selector[\"Bad_Prefix/x\"]", "invalid prefix"},
    {"node_selector value", [](AppSpec& s) { s.node_selector["kubernetes.io/hostname"] = "pi 4"; }, "node_selector[\"kubernetes.io/hostname\"]", "may contain only"},
    {"toleration operator", [](AppSpec& s) { s.tolerations = {{.key = "k", .operator_ = "In"}}; }, "tolerations[0].operator", "not one of"},
    {"toleration exists with value", [](AppSpec& s) { s.tolerations = {{.key = "k", .operator_ = "Exists", .value = "v"}}; }, "tolerations[0].value", "must be unset"},
    {"toleration no key needs Exists", [](AppSpec& s) { s.tolerations = {{.value = "v"}}; }, "tolerations[0].operator", "needs operator \"Exists\""},
    {"toleration effect", [](AppSpec& s) { s.tolerations = {{.key = "k", .effect = "NoRun"}}; }, "tolerations[0].effect", "not one of"},
    {"toleration seconds", [](AppSpec& s) { s.tolerations = {{.key = "k", .effect = "NoSchedule", .toleration_seconds = 5}}; }, "tolerations[0].toleration_seconds", "only with effect \"NoExecute\""},
    {"service_account_name", [](AppSpec& s) { s.service_account_name = "Admin"; }, "service_account_name", "not a Kubernetes object name"},
    {"replica credentials_secret name", [](AppSpec& s) { s.replicas[0].credentials_secret = "A_B"; }, "replica[0].credentials_secret", "not a Kubernetes object name"},
    {"replica credentials_secret on a file replica", [](AppSpec& s) { s.replicas[1].credentials_secret = "x"; }, "replica[1].credentials_secret", "only to s3"},
    {"alerts_secret name", [](AppSpec& s) { s.alerts_secret = {.name = "A_B", .webhook_url = "k"}; }, "alerts_secret.name", "not a Kubernetes object name"},
    {"alerts_secret without keys", [](AppSpec& s) { s.alerts_secret = {.name = "alerts"}; }, "alerts_secret", "at least one key"},
    {"alerts_secret key chars", [](AppSpec& s) { s.alerts_secret = {.name = "alerts", .slack_webhook_url = "a b"}; }, "alerts_secret.slack_webhook_url", "may contain only"},
    {"alerts_secret value set twice", [](AppSpec& s) { s.alerts_secret = {.name = "alerts", .ntfy_url = "ntfy"}; }, "alerts_secret.ntfy_url", "set it in one place"},
    {"alerts_secret healthcheck without verify", [](AppSpec& s) { s.verify.reset(); s.alerts_secret = {.name = "alerts", .healthcheck_url = "hc"}; }, "alerts_secret.healthcheck_url", "verify block"},
    {"alerts_secret sink without alerts", [](AppSpec& s) { s.alerts.reset(); s.alerts_secret = {.name = "alerts", .webhook_url = "wh"}; }, "alerts_secret.webhook_url", "alerts block"},
    {"alerts_secret gotify url without token", [](AppSpec& s) { s.alerts_secret = {.name = "alerts", .gotify_url = "g"}; }, "alerts.gotify_token", "alerts_secret.gotify_token"},
    {"replica credentials_secret is ours", [](AppSpec& s) { s.replicas[0].credentials_secret = "blog-replicator-secrets"; }, "replica[0].credentials_secret", "renders"},
    // replica.age (issue 12): recipients checked by the replicator's own age key parser
    {"age without recipients", [](AppSpec& s) { s.replicas[0].age = {.identity_secret = "blog-age"}; }, "replica[0].age.recipients", "at least one"},
    {"age recipient not a key", [](AppSpec& s) { s.replicas[1].age = {.recipients = {kRecipient, "age1notakey"}, .identity_secret = "blog-age"}; }, "replica[1].age.recipients[1]", "age1notakey"},
    {"age recipient is an identity", [](AppSpec& s) { s.replicas[0].age = {.recipients = {"AGE-SECRET-KEY-1XYZ"}, .identity_secret = "blog-age"}; }, "replica[0].age.recipients[0]", "recipient"},
    {"age identity_secret missing", [](AppSpec& s) { s.replicas[0].age = {.recipients = {kRecipient}}; }, "replica[0].age.identity_secret", "is required"},
    {"age identity_secret name", [](AppSpec& s) { s.replicas[0].age = {.recipients = {kRecipient}, .identity_secret = "Blog_Age"}; }, "replica[0].age.identity_secret", "not a Kubernetes object name"},
    {"age identity_secret is ours", [](AppSpec& s) { s.replicas[0].age = {.recipients = {kRecipient}, .identity_secret = "blog-replicator-secrets"}; }, "replica[0].age.identity_secret", "renders"},
    {"age identity_key chars", [](AppSpec& s) { s.replicas[0].age = {.recipients = {kRecipient}, .identity_secret = "blog-age", .identity_key = "a key"}; }, "replica[0].age.identity_key", "may contain only"},
};

}  // namespace

TEST_CASE("each validation rule reports one error at the attribute's path") {
  for (const auto& c : kCases) {
    DYNAMIC_SECTION(c.what) {
      expect_one_error(c);
    }
  }
}

TEST_CASE("validation reports every problem at once") {
  AppSpec spec = load_spec("example-resource");
  spec.name = "Bad";
  spec.database_path = "rel.db";
  spec.replicas[0].retention = "7d";
  spec.verify->schedule = "nope";
  auto errors = hs::render::validate(spec);
  std::vector<std::string> paths;
  for (const auto& e : errors) paths.push_back(hs::render::to_string(e.path));
  CHECK(paths == std::vector<std::string>{"name", "database_path", "replica[0].retention", "verify.schedule"});
}

TEST_CASE("paths are structured steps the resource layer can map to terraform attribute paths") {
  AppSpec spec = load_spec("example-resource");
  spec.env["9X"] = "v";
  spec.replicas[1].retention = "1y";
  auto errors = hs::render::validate(spec);
  REQUIRE(errors.size() == 2);
  using hs::render::PathStep;
  CHECK(errors[0].path == hs::render::FieldPath{PathStep::attr("env"), PathStep::key("9X")});
  CHECK(errors[1].path ==
        hs::render::FieldPath{PathStep::attr("replica"), PathStep::at(1), PathStep::attr("retention")});
}

TEST_CASE("secret values never appear in error details") {
  AppSpec spec = load_spec("example-resource");
  spec.alerts->webhook_url = "https://user:s3cr3t@hooks.example.com:99999/x";
  auto errors = hs::render::validate(spec);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].detail.find("s3cr3t") == std::string::npos);
}

TEST_CASE("accepted values of the syntax rules") {
  AppSpec spec = load_spec("example-resource");
  for (auto schedule :
       {"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually", "@every 90m", "0 */6 * * *",
        "5,35 1-4/2 1,15 * sun", "0 3 ? jan-jun MON-FRI", "59 23 31 12 6", "0 0 L * *"}) {
    spec.verify->schedule = schedule;
    auto errors = hs::render::validate(spec);
    bool ok = errors.empty();
    // "L" (last day) is Quartz syntax, not robfig/cron's: Kubernetes rejects it, so do we.
    if (std::string(schedule) == "0 0 L * *")
      CHECK_FALSE(ok);
    else
      CHECK(ok);
  }
  spec.verify->schedule = "@daily";
  for (auto d : {"1s", "1m30s", "24h", "1.5h", "500ms", "2h45m", "1h0m0s", "100us", "3\xC2\xB5s"}) {
    spec.replicas[0].sync_interval = d;
    INFO(d);
    CHECK(hs::render::validate(spec).empty());
  }
  for (auto tz : {"UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires", "EST5EDT", "America/Port-au-Prince"}) {
    spec.verify->time_zone = tz;
    INFO(tz);
    CHECK(hs::render::validate(spec).empty());
  }
  for (auto url : {"http://127.0.0.1:8000/x", "https://[::1]:8443/ping?x=1", "https://hc-ping.com/abc#frag"}) {
    spec.verify->healthcheck_url = url;
    INFO(url);
    CHECK(hs::render::validate(spec).empty());
  }
}

TEST_CASE("a replica's own credentials_secret stands in for the resource-level one") {
  AppSpec spec = load_spec("example-resource");
  spec.credentials_secret = "";
  spec.replicas[0].access_key_id_env = "K";
  spec.replicas[0].secret_access_key_env = "S";
  REQUIRE(hs::render::validate(spec).size() == 1);  // access_key_id_env needs a credentials_secret
  spec.replicas[0].credentials_secret = "nas-keys";
  CHECK(hs::render::validate(spec).empty());
}

TEST_CASE("a file replica without node_selector is a warning, not an error") {
  AppSpec spec = load_spec("example-basic");
  REQUIRE(hs::render::validate(spec).empty());
  auto w = hs::render::warnings(spec);
  REQUIRE(w.size() == 1);
  CHECK(hs::render::to_string(w[0].path) == "replica[0].path");
  CHECK_THAT(w[0].detail, Catch::Contains("node_selector"));
  spec.node_selector["kubernetes.io/hostname"] = "pi4";
  CHECK(hs::render::warnings(spec).empty());
  CHECK(hs::render::warnings(load_spec("example-two-s3-replicas")).empty());  // no file replica
}

TEST_CASE("alerts_secret: the URLs come from the Secret's keys, never into the rendered Secret") {
  AppSpec spec = load_spec("example-resource");
  spec.verify->healthcheck_url = "";
  spec.alerts->ntfy_url = "";
  spec.alerts_secret = hs::render::AlertsSecretSpec{.name = "blog-alerts", .healthcheck_url = "hc", .ntfy_url = "ntfy"};
  REQUIRE(hs::render::validate(spec).empty());  // the alerts block's destination is in the Secret
  auto out = hs::render::render(spec);
  CHECK_FALSE(out.manifests.count("Secret/blog-replicator-secrets"));  // nothing left to hold
  CHECK_THAT(out.replicator_config, Catch::Contains("${HOMESERVER_NTFY_URL}"));
  CHECK_THAT(out.replicator_config, Catch::Contains("${HOMESERVER_HEALTHCHECK_URL}"));
  const auto& verify = out.manifests.at("CronJob/blog-verify")["spec"]["jobTemplate"]["spec"]["template"]["spec"];
  bool found = false;
  for (const auto& e : verify["containers"][0]["env"])
    if (e["name"] == "HOMESERVER_HEALTHCHECK_URL") {
      found = true;
      CHECK(e["valueFrom"]["secretKeyRef"] == nlohmann::json({{"name", "blog-alerts"}, {"key", "hc"}}));
    }
  CHECK(found);
}
