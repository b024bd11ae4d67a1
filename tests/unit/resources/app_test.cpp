// homeserver_sqlite_app without terraform: Value <-> AppSpec conversion, validation with unknowns,
// plan/apply/read/import/upgrade and the data source, on tfplugin Values built like terraform's.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "render/render.h"
#include "resources/app_convert.h"
#include "resources/app_plan.h"
#include "resources/app_schema.h"
#include "resources/sqlite_app.h"
#include "tfplugin/codec.h"

using namespace hs::provider;
using tfplugin::AttributePath;
using tfplugin::Type;
using tfplugin::Value;

namespace {

const Type kApp = app_resource_schema().block.implied_type().without_optional_attributes();
const Type& attr_type(const Type& t, const char* name) {
  return t.attributes().at(name);
}
const Type kReplica = attr_type(kApp, "replica").element();

Value S(const char* s) {
  return Value::string(s);
}
Value N(int64_t n) {
  return Value::number(n);
}

Value file_replica(const char* path) {
  return Value::object(kReplica, {{"type", S("file")}, {"path", S(path)}});
}

// A config as terraform sends it: every attribute present, unset ones null, no blocks = [].
Value config(std::map<std::string, Value> overrides = {}) {
  std::map<std::string, Value> attrs = {
      {"name", S("blog")},
      {"image", S("ghcr.io/example/blog:1")},
      {"database_path", S("/data/blog.db")},
      {"replica", Value::list(kReplica, {file_replica("/mnt/usb/blog")})},
  };
  for (auto& [k, v] : overrides) attrs[k] = v;
  return Value::object(kApp, attrs);
}

const tfplugin::Diagnostic* find(const tfplugin::Diagnostics& d, const std::string& summary) {
  for (const auto& item : d)
    if (item.summary == summary) return &item;
  return nullptr;
}

std::shared_ptr<AppContext> context(ProviderSettings s = {}, bool known = true) {
  auto c = std::make_shared<AppContext>();
  c->set({std::move(s), known});
  return c;
}

}  // namespace

TEST_CASE("schemas are well formed") {
  CHECK(tfplugin::check_schema(app_resource_schema()) == "");
  CHECK(tfplugin::check_schema(app_data_source_schema()) == "");
  CHECK(tfplugin::check_schema(provider_block_schema()) == "");
  const tfplugin::Schema schema = app_resource_schema();
  CHECK(schema.version == 1);
  const auto* replica = schema.block.find_block("replica");
  REQUIRE(replica);
  CHECK(replica->min_items == 1);
  const auto* alerts = schema.block.find_block("alerts");
  REQUIRE(alerts);
  CHECK(alerts->block.find_attribute("slack_webhook_url")->sensitive);
  CHECK(schema.block.find_attribute("namespace")->computed);
  const tfplugin::Schema data = app_data_source_schema();
  CHECK_FALSE(data.block.find_attribute("namespace")->computed);
}

TEST_CASE("every input reaches the AppSpec") {
  const Type ports = attr_type(kApp, "ports");
  const Type resources = attr_type(kApp, "resources");
  const Type verify = attr_type(kApp, "verify");
  const Type alerts = attr_type(kApp, "alerts");
  Value s3 = Value::object(kReplica, {{"type", S("s3")},
                                      {"name", S("nas")},
                                      {"endpoint", S("http://minio:9000")},
                                      {"bucket", S("b")},
                                      {"path", S("p")},
                                      {"region", S("eu")},
                                      {"force_path_style", Value::boolean(true)},
                                      {"skip_verify", Value::boolean(true)},
                                      {"sync_interval", S("10s")},
                                      {"snapshot_interval", S("12h")},
                                      {"retention", S("72h")}});
  Value v = config({
      {"namespace", S("home")},
      {"command", Value::list(Type::string(), {S("blog")})},
      {"args", Value::list(Type::string(), {S("--a"), S("--b")})},
      {"env", Value::map(Type::string(), {{"K", S("v")}})},
      {"ports", Value::list(ports.element(),
                            {Value::object(ports.element(), {{"container_port", N(8080)}, {"name", S("http")}})})},
      {"resources", Value::object(resources, {{"limits", Value::map(Type::string(), {{"memory", S("1Gi")}})}})},
      {"credentials_secret", S("creds")},
      {"replicator_image", S("me/rep:2")},
      {"replica", Value::list(kReplica, {s3, file_replica("/mnt/x")})},
      {"verify", Value::object(verify, {{"schedule", S("@daily")},
                                        {"time_zone", S("Europe/Berlin")},
                                        {"healthcheck_url", S("https://hc/x")},
                                        {"max_age", S("26h")}})},
      {"alerts", Value::object(alerts, {{"ntfy_url", S("https://ntfy/t")}, {"rate", N(3)}, {"window", N(4)}})},
      {"metrics_port", N(9101)},
      {"native_sidecar", Value::boolean(false)},
      {"run_as_user", N(1234)},
      {"fs_group", N(2345)},
  });
  ConvertedSpec c = app_spec_from_value(v);
  REQUIRE(c.diagnostics.empty());
  CHECK(c.wholly_known());
  const auto& s = c.spec;
  CHECK(s.name == "blog");
  CHECK(s.namespace_ == "home");
  CHECK(s.command == std::vector<std::string>{"blog"});
  CHECK(s.args == std::vector<std::string>{"--a", "--b"});
  CHECK(s.env.at("K") == "v");
  REQUIRE(s.ports.size() == 1);
  CHECK(s.ports[0].container_port == 8080);
  CHECK(s.ports[0].name == "http");
  CHECK(s.ports[0].protocol == "TCP");  // null keeps render's default
  CHECK(s.resources.limits.at("memory") == "1Gi");
  CHECK(s.resources.requests.empty());
  CHECK(s.credentials_secret == "creds");
  CHECK(s.replicator_image == "me/rep:2");
  REQUIRE(s.replicas.size() == 2);
  CHECK(s.replicas[0].name == "nas");
  CHECK(s.replicas[0].endpoint == "http://minio:9000");
  CHECK(s.replicas[0].force_path_style);
  CHECK(s.replicas[0].skip_verify);
  CHECK(s.replicas[0].retention == "72h");
  CHECK(s.replicas[1].type == "file");
  CHECK(s.replicas[1].path == "/mnt/x");
  REQUIRE(s.verify);
  CHECK(s.verify->time_zone == "Europe/Berlin");
  CHECK(s.verify->healthcheck_url == "https://hc/x");
  REQUIRE(s.alerts);
  CHECK(s.alerts->ntfy_url == "https://ntfy/t");
  CHECK(s.alerts->rate == 3);
  CHECK(s.alerts->interval == "2h");
  CHECK(s.alerts->window == 4);
  CHECK(s.metrics_port == 9101);
  CHECK_FALSE(s.native_sidecar);
  CHECK(s.run_as_user == 1234);
  CHECK(s.fs_group == 2345);
}

TEST_CASE("null inputs keep render's defaults") {
  ConvertedSpec c = app_spec_from_value(config());
  hs::render::AppSpec defaults;
  CHECK(c.spec.namespace_ == "default");
  CHECK_FALSE(c.spec.verify);
  CHECK_FALSE(c.spec.alerts);
  CHECK_FALSE(c.spec.metrics_port);
  CHECK(c.spec.native_sidecar == defaults.native_sidecar);
  CHECK(c.spec.run_as_user == defaults.run_as_user);
}

TEST_CASE("unknown inputs are recorded with their paths") {
  Value r = Value::object(kReplica, {{"type", S("file")}, {"path", Value::unknown(Type::string())}});
  ConvertedSpec c = app_spec_from_value(config({
      {"image", Value::unknown(Type::string())},
      {"replica", Value::list(kReplica, {file_replica("/a"), r})},
      {"env", Value::map(Type::string(), {{"A", Value::unknown(Type::string())}})},
  }));
  std::vector<std::string> paths;
  for (const auto& p : c.unknown) paths.push_back(hs::render::to_string(p));
  CHECK_THAT(paths,
             Catch::Matchers::UnorderedEquals(std::vector<std::string>{"image", "env[\"A\"]", "replica[1].path"}));
}

TEST_CASE("a fractional port is an error at its path") {
  const Type ports = attr_type(kApp, "ports");
  auto port = Value::object(ports.element(), {{"container_port", Value::number(*tfplugin::Number::parse("80.5"))}});
  ConvertedSpec c = app_spec_from_value(config({{"ports", Value::list(ports.element(), {port})}}));
  REQUIRE(c.diagnostics.has_errors());
  const auto& d = *c.diagnostics.begin();
  CHECK(d.summary == "Invalid number");
  CHECK(d.detail.find("80.5") != std::string::npos);
  REQUIRE(d.attribute);
  CHECK(d.attribute->to_string() == "ports[0].container_port");
}

TEST_CASE("render's field errors become diagnostics at terraform paths") {
  auto d = validate_app(config({{"name", S("Bad_Name")}, {"database_path", S("data/x.db")}}));
  const auto* name = find(d, "Invalid name");
  REQUIRE(name);
  REQUIRE(name->attribute);
  CHECK(*name->attribute == AttributePath("name"));
  const auto* path = find(d, "Invalid database path");
  REQUIRE(path);
  CHECK(*path->attribute == AttributePath("database_path"));

  auto r = Value::object(kReplica, {{"type", S("file")}, {"path", S("/x")}, {"retention", S("7d")}});
  auto d2 = validate_app(config({{"replica", Value::list(kReplica, {r})}}));
  const auto* dur = find(d2, "Invalid duration");
  REQUIRE(dur);
  CHECK(*dur->attribute == AttributePath("replica").index(0).attr("retention"));
  CHECK(dur->detail.find("7d") != std::string::npos);
}

TEST_CASE("validation skips what unknowns may change, keeps the rest") {
  // In terraform's validate walk variables are unknown: a required input unknown is not "missing".
  CHECK_FALSE(validate_app(config({{"database_path", Value::unknown(Type::string())}})).has_errors());
  CHECK_FALSE(validate_app(config({{"name", Value::unknown(Type::string())}})).has_errors());
  auto d = validate_app(config({{"database_path", Value::unknown(Type::string())}, {"name", S("Bad_Name")}}));
  CHECK(find(d, "Invalid name"));
  // A whole unknown object (e.g. the config of a count resource) is never an error.
  CHECK_FALSE(validate_app(Value::unknown(kApp)).has_errors());
}

TEST_CASE("plan renders when inputs are known; the computed values are what render gives") {
  PlannedApp p = plan_app(config(), {}, true);
  REQUIRE_FALSE(p.diagnostics.has_errors());
  REQUIRE(p.state.is_wholly_known());
  CHECK(p.state["id"].as_string() == "default/blog");
  CHECK(p.state["namespace"].as_string() == "default");

  hs::render::AppSpec spec = app_spec_from_value(config()).spec;
  spec.replicator_image = hs::render::default_replicator_image();
  auto rendered = hs::render::render(spec);
  CHECK(p.state["manifests_yaml"].as_string() == rendered.manifests_yaml);
  CHECK(p.state["replicator_config"].as_string() == rendered.replicator_config);
  REQUIRE(p.state["manifests"].size() == rendered.manifests.size());
  for (const auto& [key, object] : rendered.manifests)
    CHECK(nlohmann::json::parse(p.state["manifests"][key].as_string()) == object);
  // Deterministic: planning twice gives the same bytes (terraform compares plan and apply).
  CHECK(plan_app(config(), {}, true).state == p.state);
  // Inputs are planned as configured.
  CHECK(p.state["image"] == config()["image"]);
  CHECK(p.state["replica"] == config()["replica"]);
}

TEST_CASE("plan leaves computed values unknown while inputs are") {
  PlannedApp p = plan_app(config({{"image", Value::unknown(Type::string())}}), {}, true);
  REQUIRE_FALSE(p.diagnostics.has_errors());
  CHECK(p.state["id"].as_string() == "default/blog");  // name and namespace are known
  CHECK(p.state["manifests"].is_unknown());
  CHECK(p.state["manifests_yaml"].is_unknown());
  CHECK(p.state["replicator_config"].is_unknown());

  PlannedApp q = plan_app(config({{"name", Value::unknown(Type::string())}}), {}, true);
  CHECK(q.state["id"].is_unknown());

  // A provider block not known yet leaves the image, and so the manifests, unknown...
  PlannedApp r = plan_app(config(), {{}, false}, true);
  CHECK(r.state["manifests"].is_unknown());
  // ...unless the app names its own image.
  PlannedApp s = plan_app(config({{"replicator_image", S("own/rep:1")}}), {{}, false}, true);
  CHECK(s.state["manifests"].is_wholly_known());
}

TEST_CASE("plan reports invalid inputs and plans nothing") {
  PlannedApp p = plan_app(config({{"name", S("-x")}}), {}, true);
  CHECK(p.diagnostics.has_errors());
  CHECK(p.state.is_null());
}

TEST_CASE("the provider block's images reach the replicator containers") {
  auto replicator_images = [](const Value& state) {
    auto d = nlohmann::json::parse(state["manifests"]["Deployment/blog"].as_string());
    std::set<std::string> images;
    auto& pod = d["spec"]["template"]["spec"];
    for (auto& c : pod.value("initContainers", nlohmann::json::array())) images.insert(c["image"]);
    for (auto& c : pod["containers"])
      if (c["image"] != "ghcr.io/example/blog:1") images.insert(c["image"]);
    return images;
  };
  auto registry = plan_app(config(), {{"", "registry.lan:5000"}, true}, true);
  CHECK(replicator_images(registry.state) ==
        std::set<std::string>{"registry.lan:5000/" + hs::render::default_replicator_image()});
  auto image = plan_app(config(), {{"mirror/rep:9", "registry.lan:5000/"}, true}, true);
  CHECK(replicator_images(image.state) == std::set<std::string>{"mirror/rep:9"});
  auto own = plan_app(config({{"replicator_image", S("own/rep:1")}}), {{"mirror/rep:9", ""}, true}, true);
  CHECK(replicator_images(own.state) == std::set<std::string>{"own/rep:1"});
}

TEST_CASE("resource: create, update, replace, apply, read, delete") {
  SqliteAppResource res(context());
  tfplugin::PlanRequest create{Value::null(kApp), config(), config(), ""};
  auto planned = res.plan(create);
  REQUIRE_FALSE(planned.diagnostics.has_errors());
  CHECK(planned.requires_replace.empty());
  CHECK(planned.planned_state["manifests"].is_wholly_known());

  auto applied = res.apply({Value::null(kApp), planned.planned_state, config(), planned.planned_private});
  REQUIRE_FALSE(applied.diagnostics.has_errors());
  CHECK(applied.new_state == planned.planned_state);

  // Update: prior non-null -> name and namespace may force replacement (terraform compares them).
  Value changed = config({{"image", S("ghcr.io/example/blog:2")}});
  auto update = res.plan({applied.new_state, changed, changed, applied.private_data});
  REQUIRE_FALSE(update.diagnostics.has_errors());
  CHECK(update.requires_replace == std::vector<AttributePath>{AttributePath("name"), AttributePath("namespace")});
  CHECK(update.planned_state["manifests"] != applied.new_state["manifests"]);
  CHECK(update.planned_state["id"] == applied.new_state["id"]);

  // No change: the plan equals the prior state exactly (terraform sees a no-op).
  auto same = res.plan({applied.new_state, config(), config(), ""});
  CHECK(same.planned_state == applied.new_state);

  // Read echoes state and private.
  auto read = res.read({applied.new_state, "opaque"});
  CHECK(read.new_state == applied.new_state);
  CHECK(read.private_data == "opaque");

  // Delete: null planned -> null new state.
  auto deleted = res.apply({applied.new_state, Value::null(kApp), Value::null(kApp), ""});
  CHECK_FALSE(deleted.diagnostics.has_errors());
  CHECK(deleted.new_state.is_null());
}

TEST_CASE("resource: apply renders what was unknown at plan time") {
  SqliteAppResource res(context());
  Value unknown_image = config({{"image", Value::unknown(Type::string())}});
  auto planned = res.plan({Value::null(kApp), unknown_image, unknown_image, ""});
  REQUIRE_FALSE(planned.planned_state.is_wholly_known());
  Value final_planned = planned.planned_state.with_attribute("image", S("ghcr.io/example/blog:1"));
  auto applied = res.apply({Value::null(kApp), final_planned, config(), ""});
  REQUIRE_FALSE(applied.diagnostics.has_errors());
  CHECK(applied.new_state.is_wholly_known());
  CHECK(applied.new_state == plan_app(config(), {}, true).state);
}

TEST_CASE("resource: import by namespace/name") {
  SqliteAppResource res(context());
  auto imported = res.import_state({"home/blog"});
  REQUIRE_FALSE(imported.diagnostics.has_errors());
  CHECK(imported.state["id"].as_string() == "home/blog");
  CHECK(imported.state["name"].as_string() == "blog");
  CHECK(imported.state["namespace"].as_string() == "home");
  CHECK(imported.state["image"].is_null());
  CHECK(imported.state["replica"].size() == 0);
  CHECK(imported.state.is_wholly_known());
  CHECK(imported.state.conforms_to(kApp));

  auto bad = res.import_state({"blog"});
  REQUIRE(bad.diagnostics.has_errors());
  CHECK(bad.diagnostics.begin()->summary == "Invalid import ID");
}

TEST_CASE("resource: state upgrade reads v1, upgrades older, rejects newer") {
  SqliteAppResource res(context());
  Value state = plan_app(config(), {}, true).state;
  std::string json = tfplugin::encode_json(state, kApp);

  auto v1 = res.upgrade({1, json});
  REQUIRE_FALSE(v1.diagnostics.has_errors());
  CHECK(v1.upgraded_state == state);

  // An older layout with an attribute that no longer exists and without list blocks.
  auto old = nlohmann::json::parse(json);
  old["retired_attribute"] = "x";
  old.erase("replica");
  auto v0 = res.upgrade({0, old.dump()});
  REQUIRE_FALSE(v0.diagnostics.has_errors());
  CHECK(v0.upgraded_state["name"].as_string() == "blog");
  CHECK(v0.upgraded_state["replica"].size() == 0);

  auto v2 = res.upgrade({2, json});
  REQUIRE(v2.diagnostics.has_errors());
  CHECK(v2.diagnostics.begin()->summary == "State written by a newer provider");
  CHECK(v2.diagnostics.begin()->detail.find("version 2") != std::string::npos);

  auto corrupt = res.upgrade({1, "{\"name\": 5"});
  CHECK(corrupt.diagnostics.has_errors());
}

TEST_CASE("data source renders the same computed values as the resource") {
  const Type data_type = app_data_source_schema().block.implied_type().without_optional_attributes();
  std::map<std::string, Value> attrs;
  const Value resource_config = config();
  for (const auto& [k, v] : resource_config.entries())
    if (data_type.attributes().count(k)) attrs[k] = v;
  SqliteAppDataSource ds(context());
  auto read = ds.read({Value::object(data_type, attrs)});
  REQUIRE_FALSE(read.diagnostics.has_errors());
  Value resource_state = plan_app(config(), {}, true).state;
  for (const char* a : {"id", "manifests", "manifests_yaml", "replicator_config"})
    CHECK(read.state[a] == resource_state[a]);
  CHECK(read.state["namespace"].is_null());  // not computed in the data source: stays as configured
}

TEST_CASE("a file replica without node_selector warns at the replica's path; node_selector silences it") {
  auto d = validate_app(config());
  CHECK_FALSE(d.has_errors());
  const auto* w = find(d, "File replica without node_selector");
  REQUIRE(w);
  CHECK(w->severity == tfplugin::Severity::Warning);
  REQUIRE(w->attribute);
  CHECK(*w->attribute == AttributePath("replica").index(0).attr("path"));
  Value pinned = config({{"node_selector", Value::map(Type::string(), {{"kubernetes.io/hostname", S("pi4")}})}});
  CHECK(validate_app(pinned).empty());
  // Not known yet (e.g. from a variable in the validate walk): no advice about it.
  CHECK(validate_app(config({{"node_selector", Value::unknown(Type::map(Type::string()))}})).empty());
}

TEST_CASE("issue 13 inputs reach the AppSpec, nested errors keep terraform paths") {
  const Type secret_env = attr_type(kApp, "secret_env");
  const Type tolerations = attr_type(kApp, "tolerations");
  const Type probe = attr_type(kApp, "readiness_probe");
  const Type service = attr_type(kApp, "service");
  const Type ports = attr_type(kApp, "ports");
  Value s3 = Value::object(kReplica, {{"type", S("s3")}, {"bucket", S("b")}, {"credentials_secret", S("nas-keys")}});
  Value v = config({
      {"env_from_secrets", Value::list(Type::string(), {S("app-env")})},
      {"secret_env",
       Value::map(secret_env.element(),
                  {{"ADMIN_TOKEN", Value::object(secret_env.element(), {{"secret", S("vw")}, {"key", S("token")}})}})},
      {"readiness_probe",
       Value::object(
           probe, {{"http_path", S("/alive")}, {"port", S("8080")}, {"period", S("5s")}, {"failure_threshold", N(2)}})},
      {"service", Value::object(service, {{"type", S("NodePort")}})},
      {"ports", Value::list(ports.element(), {Value::object(ports.element(), {{"container_port", N(8080)}})})},
      {"image_pull_secrets", Value::list(Type::string(), {S("regcred")})},
      {"node_selector", Value::map(Type::string(), {{"kubernetes.io/hostname", S("pi4")}})},
      {"tolerations",
       Value::list(tolerations.element(), {Value::object(tolerations.element(), {{"operator", S("Exists")}})})},
      {"service_account_name", S("vw")},
      {"replica", Value::list(kReplica, {s3, file_replica("/mnt/x")})},
  });
  ConvertedSpec c = app_spec_from_value(v);
  REQUIRE(c.diagnostics.empty());
  const auto& s = c.spec;
  CHECK(s.env_from_secrets == std::vector<std::string>{"app-env"});
  CHECK(s.secret_env.at("ADMIN_TOKEN").key == "token");
  REQUIRE(s.readiness_probe);
  CHECK(s.readiness_probe->port == "8080");
  CHECK(s.readiness_probe->failure_threshold == 2);
  CHECK_FALSE(s.liveness_probe);
  REQUIRE(s.service);
  CHECK(s.service->type == "NodePort");
  CHECK(s.image_pull_secrets == std::vector<std::string>{"regcred"});
  CHECK(s.node_selector.at("kubernetes.io/hostname") == "pi4");
  REQUIRE(s.tolerations.size() == 1);
  CHECK(s.tolerations[0].operator_ == "Exists");
  CHECK(s.service_account_name == "vw");
  CHECK(s.replicas[0].credentials_secret == "nas-keys");
  CHECK_FALSE(validate_app(v).has_errors());

  Value bad = v.with_attribute(
      "secret_env",
      Value::map(secret_env.element(),
                 {{"X", Value::object(secret_env.element(), {{"secret", S("Bad_Name")}, {"key", S("k")}})}}));
  auto d = validate_app(bad);
  const auto* e = find(d, "Invalid name");
  REQUIRE(e);
  CHECK(*e->attribute == AttributePath("secret_env").key("X").attr("secret"));
}

TEST_CASE("a v1 state written before the issue 13 inputs existed still reads") {
  SqliteAppResource res(context());
  Value state = plan_app(config(), {}, true).state;
  auto old = nlohmann::json::parse(tfplugin::encode_json(state, kApp));
  for (const char* added : {"env_from_secrets", "secret_env", "readiness_probe", "liveness_probe", "startup_probe",
                            "service", "image_pull_secrets", "node_selector", "tolerations", "service_account_name"})
    REQUIRE(old.erase(added) == 1);
  for (auto& r : old["replica"]) r.erase("credentials_secret");
  auto up = res.upgrade({1, old.dump()});
  REQUIRE_FALSE(up.diagnostics.has_errors());
  CHECK(up.upgraded_state == state);
}
