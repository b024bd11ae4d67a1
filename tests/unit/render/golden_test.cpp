// Golden files: each spec in specs/ renders to golden/<spec>.manifests.json, .yaml and
// .replicator.yml. UPDATE_GOLDEN=1 rewrites them (review the diff before committing).
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/expand.h"
#include "render/pod_parts.h"
#include "render/render.h"
#include "render/replicator_config.h"
#include "test_util.h"

using namespace render_test;
using nlohmann::json;

namespace {

std::vector<std::string> spec_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(test_dir() / "specs"))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

void check_golden(const std::string& file, const std::string& actual) {
  auto path = test_dir() / "golden" / file;
  if (const char* u = std::getenv("UPDATE_GOLDEN"); u && std::string(u) == "1") {
    write_text(path, actual);
    WARN("updated " << path.string());
    return;
  }
  INFO("golden file " << path.string() << " (UPDATE_GOLDEN=1 regenerates)");
  REQUIRE(std::filesystem::exists(path));
  CHECK(read_text(path) == actual);
}

// yaml-cpp node -> JSON with YAML 1.2 core schema resolution for plain scalars, so the test sees
// what a YAML parser makes of our emitter's output (quoted scalars always stay strings).
json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& e : n) a.push_back(yaml_to_json(e));
      return a;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = n.Scalar();
      if (n.Tag() != "?") return s;  // quoted or block scalar
      if (s == "true") return true;
      if (s == "false") return false;
      if (s == "null" || s == "~") return nullptr;
      if (!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos) return std::stoll(s);
      return s;
    }
    default: return nullptr;
  }
}

}  // namespace

TEST_CASE("every spec renders to its golden files, deterministically") {
  for (const auto& name : spec_names()) {
    DYNAMIC_SECTION(name) {
      auto spec = load_spec(name);
      auto errors = hs::render::validate(spec);
      for (const auto& e : errors) UNSCOPED_INFO(e.summary << ": " << e.detail);
      REQUIRE(errors.empty());
      auto out = hs::render::render(spec);
      json manifests = out.manifests;
      check_golden(name + ".manifests.json", manifests.dump(2) + "\n");
      check_golden(name + ".yaml", out.manifests_yaml);
      check_golden(name + ".replicator.yml", out.replicator_config);

      auto again = hs::render::render(spec);
      CHECK(json(again.manifests) == manifests);
      CHECK(again.manifests_yaml == out.manifests_yaml);
      CHECK(again.replicator_config == out.replicator_config);
    }
  }
}

TEST_CASE("manifests_yaml parses back to exactly the manifests") {
  for (const auto& name : spec_names()) {
    DYNAMIC_SECTION(name) {
      auto out = hs::render::render(load_spec(name));
      auto docs = YAML::LoadAll(out.manifests_yaml);
      REQUIRE(docs.size() == out.manifests.size());
      for (const auto& doc : docs) {
        json obj = yaml_to_json(doc);
        std::string key = obj["kind"].get<std::string>() + "/" + obj["metadata"]["name"].get<std::string>();
        REQUIRE(out.manifests.count(key) == 1);
        CHECK(obj == out.manifests.at(key));
      }
    }
  }
}

TEST_CASE("the replicator config is the config model's, and holds no secret") {
  for (const auto& name : spec_names()) {
    DYNAMIC_SECTION(name) {
      auto spec = load_spec(name);
      auto out = hs::render::render(spec);
      // Without env expansion the replicator reads back exactly the model we built...
      auto parsed = hs::config::parse(out.replicator_config, {.expand_env = false});
      CHECK(parsed == hs::render::replicator_config(spec, hs::render::SecretValues::Referenced));
      // ...and with the rendered Secret's env it gets the real values.
      std::map<std::string, std::string> env;
      for (const auto& e : hs::render::parts::secret_env(spec)) env[e.name] = e.value;
      auto expanded = hs::config::expand_vars(out.replicator_config, [&](const std::string& k) {
        auto it = env.find(k);
        // Variables of the user's credentials_secret stay references (the Inline model keeps them too).
        return it == env.end() ? "${" + k + "}" : it->second;
      });
      CHECK(hs::config::parse(expanded, {.expand_env = false}) ==
            hs::render::replicator_config(spec, hs::render::SecretValues::Inline));
      // No secret value in the config, the ConfigMap, the Deployment or the CronJob.
      for (const auto& e : hs::render::parts::secret_env(spec)) {
        CHECK(out.replicator_config.find(e.value) == std::string::npos);
        for (const auto& [key, obj] : out.manifests)
          if (key.rfind("Secret/", 0) != 0) CHECK(obj.dump().find(e.value) == std::string::npos);
      }
      CHECK(hs::config::log_type(parsed) == "json");
      REQUIRE(parsed.dbs.size() == 1);
      CHECK(parsed.dbs[0].path == spec.database_path);
      CHECK(parsed.dbs[0].replicas.size() == spec.replicas.size());
    }
  }
}
