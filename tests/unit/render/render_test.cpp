// What the rendered objects must contain, checked by meaning (the golden files pin the bytes).
#include <catch2/catch.hpp>

#include "render/render.h"
#include "test_util.h"

using namespace render_test;
using nlohmann::json;

namespace {

const json& find_named(const json& list, const std::string& name) {
  for (const auto& e : list)
    if (e["name"] == name) return e;
  FAIL("no element named " << name << " in " << list.dump());
  static json none;
  return none;
}

std::string base64_decode(const std::string& in) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    if (c == '=') break;
    auto pos = chars.find(c);
    REQUIRE(pos != std::string::npos);
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out += static_cast<char>((val >> bits) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("native sidecar: restore first, then the replicator as an always-restarting init container") {
  auto spec = load_spec("example-resource");
  auto out = hs::render::render(spec);
  REQUIRE(out.manifests.count("Deployment/blog"));
  const json& d = out.manifests.at("Deployment/blog");
  CHECK(d["metadata"]["namespace"] == "web");
  CHECK(d["spec"]["replicas"] == 1);
  CHECK(d["spec"]["strategy"]["type"] == "Recreate");
  const json& pod = d["spec"]["template"]["spec"];
  REQUIRE(pod["initContainers"].size() == 2);
  const json& restore = pod["initContainers"][0];
  CHECK(restore["name"] == "restore");
  CHECK(restore["args"] == json({"restore", "-config", "/etc/homeserver-replicator/replicator.yml", "-if-db-not-exists",
                                 "-if-replica-exists", "/data/blog.db"}));
  CHECK_FALSE(restore.contains("restartPolicy"));
  const json& sidecar = pod["initContainers"][1];
  CHECK(sidecar["name"] == "replicator");
  CHECK(sidecar["restartPolicy"] == "Always");
  CHECK(sidecar["args"] == json({"replicate", "-config", "/etc/homeserver-replicator/replicator.yml"}));
  REQUIRE(pod["containers"].size() == 1);
  CHECK(pod["containers"][0]["name"] == "app");

  // The database directory is one emptyDir shared by app, restore and replicator.
  CHECK(find_named(pod["volumes"], "data")["emptyDir"] == json::object());
  for (const json* c : {&pod["containers"][0], &restore, &sidecar})
    CHECK(find_named((*c)["volumeMounts"], "data")["mountPath"] == "/data");

  // Hardening of the replicator containers.
  for (const json* c : {&restore, &sidecar}) {
    CHECK((*c)["securityContext"]["readOnlyRootFilesystem"] == true);
    CHECK((*c)["securityContext"]["allowPrivilegeEscalation"] == false);
    CHECK((*c)["securityContext"]["capabilities"]["drop"] == json({"ALL"}));
    CHECK(find_named((*c)["volumeMounts"], "replicator-config")["readOnly"] == true);
    CHECK((*c)["envFrom"] == json({{{"secretRef", {{"name", "blog-s3-credentials"}}}},
                                   {{"secretRef", {{"name", "blog-replicator-secrets"}}}}}));
    CHECK((*c)["resources"]["requests"].contains("memory"));
  }
  CHECK(pod["securityContext"]["runAsNonRoot"] == true);
  CHECK(pod["securityContext"]["runAsUser"] == 1000);
  CHECK(pod["securityContext"]["fsGroup"] == 1000);

  // metrics_port: container port and probes on /healthz.
  CHECK(sidecar["ports"][0]["containerPort"] == 9090);
  CHECK(sidecar["readinessProbe"]["httpGet"]["path"] == "/healthz");
  CHECK(sidecar["livenessProbe"]["httpGet"]["path"] == "/healthz");

  // One hostPath for the file replica, mounted at the same path.
  CHECK(find_named(pod["volumes"], "file-replica-0")["hostPath"]["path"] == "/mnt/usb/backups/blog");
  CHECK(find_named(sidecar["volumeMounts"], "file-replica-0")["mountPath"] == "/mnt/usb/backups/blog");

  // Labels: recommended set; the selector matches the template.
  const json& labels = d["spec"]["template"]["metadata"]["labels"];
  for (auto k : {"name", "instance", "component", "part-of", "managed-by"})
    CHECK(labels.contains(std::string("app.kubernetes.io/") + k));
  for (const auto& [k, v] : d["spec"]["selector"]["matchLabels"].items()) CHECK(labels[k] == v);
}

TEST_CASE("non-native sidecar: the replicator is an ordinary container next to the app") {
  auto out = hs::render::render(load_spec("all-features-nonnative"));
  const json& pod = out.manifests.at("Deployment/wiki-legacy")["spec"]["template"]["spec"];
  REQUIRE(pod["initContainers"].size() == 1);
  CHECK(pod["initContainers"][0]["name"] == "restore");
  REQUIRE(pod["containers"].size() == 2);
  CHECK(pod["containers"][1]["name"] == "replicator");
  CHECK_FALSE(pod["containers"][1].contains("restartPolicy"));
}

TEST_CASE("file replicas in the same directory share one hostPath; distinct directories get their own") {
  auto spec = load_spec("example-basic");
  spec.replicas.push_back({.name = "second", .type = "file", .path = "/srv/backups/notes"});
  spec.replicas.push_back({.name = "third", .type = "file", .path = "/srv/other"});
  // The same target twice is rejected...
  CHECK_FALSE(hs::render::validate(spec).empty());
  spec.replicas.erase(spec.replicas.begin() + 1);
  auto out = hs::render::render(spec);
  const json& volumes = out.manifests.at("Deployment/notes")["spec"]["template"]["spec"]["volumes"];
  int host_paths = 0;
  for (const auto& v : volumes) host_paths += v.contains("hostPath");
  CHECK(host_paths == 2);
}

TEST_CASE("the Secret exists only for sensitive values and holds them base64-encoded") {
  auto with = hs::render::render(load_spec("all-features-native"));
  REQUIRE(with.manifests.count("Secret/wiki-replicator-secrets"));
  const json& data = with.manifests.at("Secret/wiki-replicator-secrets")["data"];
  CHECK(base64_decode(data["HOMESERVER_GOTIFY_TOKEN"]) == "AbCdEf.123");
  CHECK(base64_decode(data["HOMESERVER_HEALTHCHECK_URL"]) == "http://hc.lan:8000/ping/abc?create=1");
  CHECK(data.size() == 6);
  CHECK(with.replicator_config.find("${HOMESERVER_GOTIFY_TOKEN}") != std::string::npos);

  auto without = hs::render::render(load_spec("example-two-s3-replicas"));
  for (const auto& [k, _] : without.manifests) CHECK(k.rfind("Secret/", 0) != 0);
  const json& pod = without.manifests.at("Deployment/vaultwarden")["spec"]["template"]["spec"];
  CHECK(pod["initContainers"][0]["envFrom"] == json({{{"secretRef", {{"name", "vaultwarden-s3"}}}}}));
}

TEST_CASE("the CronJob verifies with the same config, volumes and env, only when verify is set") {
  auto out = hs::render::render(load_spec("example-resource"));
  REQUIRE(out.manifests.count("CronJob/blog-verify"));
  const json& cj = out.manifests.at("CronJob/blog-verify");
  CHECK(cj["spec"]["schedule"] == "15 3 * * *");
  CHECK(cj["spec"]["timeZone"] == "Europe/Berlin");
  CHECK(cj["spec"]["concurrencyPolicy"] == "Forbid");
  const json& job = cj["spec"]["jobTemplate"]["spec"];
  CHECK(job.contains("backoffLimit"));
  const json& pod = job["template"]["spec"];
  CHECK(pod["restartPolicy"] == "Never");
  const json& c = pod["containers"][0];
  CHECK(c["args"] == json({"verify", "-config", "/etc/homeserver-replicator/replicator.yml", "/data/blog.db"}));
  CHECK(find_named(pod["volumes"], "tmp")["emptyDir"] == json::object());
  CHECK(find_named(pod["volumes"], "file-replica-0")["hostPath"]["path"] == "/mnt/usb/backups/blog");
  CHECK(c["envFrom"].size() == 2);
  // Verify pods must not match the Deployment's selector.
  const json& sel = out.manifests.at("Deployment/blog")["spec"]["selector"]["matchLabels"];
  bool matches = true;
  for (const auto& [k, v] : sel.items()) matches = matches && job["template"]["metadata"]["labels"][k] == v;
  CHECK_FALSE(matches);

  auto basic = hs::render::render(load_spec("example-basic"));
  CHECK(basic.manifests.size() == 2);  // ConfigMap + Deployment
  CHECK(basic.manifests.count("ConfigMap/notes-replicator"));
}

TEST_CASE("a config change changes the pod template (the sidecar reads its config only at start)") {
  auto spec = load_spec("example-basic");
  auto a = hs::render::render(spec);
  spec.replicas[0].retention = "48h";
  auto b = hs::render::render(spec);
  auto annotation = [](const hs::render::Rendered& r) {
    return r.manifests.at(
        "Deployment/notes")["spec"]["template"]["metadata"]["annotations"]["checksum/replicator-config"];
  };
  CHECK(annotation(a) != annotation(b));
  CHECK(a.manifests.at("ConfigMap/notes-replicator")["data"]["replicator.yml"] == a.replicator_config);
}

TEST_CASE("the default replicator image carries the project version; an explicit one wins") {
  auto spec = load_spec("example-basic");
  auto pod = hs::render::render(spec).manifests.at("Deployment/notes")["spec"]["template"]["spec"];
  CHECK(pod["initContainers"][0]["image"] == hs::render::default_replicator_image());
  CHECK(hs::render::default_replicator_image().rfind("homeserver-replicator:", 0) == 0);
  spec.replicator_image = "registry.lan:5000/homeserver-replicator:dev";
  pod = hs::render::render(spec).manifests.at("Deployment/notes")["spec"]["template"]["spec"];
  CHECK(pod["initContainers"][1]["image"] == "registry.lan:5000/homeserver-replicator:dev");
}

TEST_CASE("render refuses an invalid spec with the validation errors") {
  auto spec = load_spec("example-basic");
  spec.database_path = "data/notes.db";
  try {
    hs::render::render(spec);
    FAIL("render accepted a relative database_path");
  } catch (const hs::render::InvalidSpec& e) {
    REQUIRE(e.errors().size() == 1);
    CHECK(hs::render::to_string(e.errors()[0].path) == "database_path");
    CHECK(std::string(e.what()).find("database_path") != std::string::npos);
  }
}

TEST_CASE("spec JSON is read strictly, naming the offending key") {
  auto error_of = [](const char* text) -> std::string {
    try {
      hs::render::app_spec_from_json(json::parse(text));
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of(R"({"name": "a", "colour": "red"})") == "colour: unknown attribute");
  CHECK(error_of(R"({"replica": [{"type": "s3", "buckt": "x"}]})") == "replica[0].buckt: unknown attribute");
  CHECK(error_of(R"({"metrics_port": "9090"})") == "metrics_port: must be an integer");
  CHECK(error_of(R"({"env": {"A": 1}})") == "env[\"A\"]: must be a string");
  CHECK(error_of(R"({"verify": {"schedule": "@daily", "max_age": null}})").empty());
  // Maps of objects and single blocks added with issue 13 go through the same field table.
  CHECK(error_of(R"({"secret_env": {"T": {"secret": "s", "kee": "k"}}})") ==
        "secret_env[\"T\"].kee: unknown attribute");
  CHECK(error_of(R"({"secret_env": ["x"]})") == "secret_env: must be a map of objects");
  CHECK(error_of(R"({"readiness_probe": {"period": 5}})") == "readiness_probe.period: must be a string");
  CHECK(error_of(R"({"tolerations": [{"toleration_seconds": "5"}]})") ==
        "tolerations[0].toleration_seconds: must be an integer");
  auto spec = hs::render::app_spec_from_json(json::parse(R"({"name": "a", "namespace": null})"));
  CHECK(spec.namespace_ == "default");  // null = unset = the default
  CHECK(spec.native_sidecar);
  CHECK(spec.run_as_user == 1000);
}
