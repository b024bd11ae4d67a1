// The YAML emitter: strings that a YAML 1.1 or 1.2 parser would read as something else are quoted,
// multi-line strings become literal blocks, and everything parses back to the same JSON.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include "render/yaml_emit.h"

using nlohmann::json;

TEST_CASE("ambiguous strings are quoted, plain ones are not") {
  for (auto s :
       {"true", "False", "on", "OFF",   "yes",    "n",    "null", "~",     "1000", "0o17",      "1e3",    "-1",
        ".5",   ".inf",  "",   " lead", "trail ", "a: b", "#x",   "- x",   "x:",   "*ref",      "&a",     "!tag",
        "%x",   "@x",    "`x", "{a}",   "[1]",    "a,b",  "a #b", "\"q\"", "'q'",  "tab\there", "del\x7f"}) {
    INFO("string " << json(s).dump());
    std::string y = hs::render::to_yaml(json{{"k", s}});
    CHECK(y.rfind("k: \"", 0) == 0);
    YAML::Node n = YAML::Load(y);
    CHECK(n["k"].as<std::string>() == s);
    CHECK(n["k"].Tag() == "!");
  }
  CHECK(hs::render::to_yaml(json{{"k", "nginx:1.25"}}) == "k: nginx:1.25\n");
  CHECK(hs::render::to_yaml(json{{"k", "/data/app.db"}}) == "k: /data/app.db\n");
  CHECK(hs::render::to_yaml(json{{"app.kubernetes.io/name", "blog"}}) == "app.kubernetes.io/name: blog\n");
}

TEST_CASE("multi-line strings are literal blocks with exact chomping") {
  for (auto s : {"a\nb\n", "a\nb", "a\n\nb\n\n\n", "dbs:\n  - path: /x\n    replicas: []\n"}) {
    INFO(json(s).dump());
    std::string y = hs::render::to_yaml(json{{"k", s}, {"z", 1}});
    CHECK(y.find("k: |") == 0);
    CHECK(YAML::Load(y)["k"].as<std::string>() == s);
    CHECK(YAML::Load(y)["z"].as<int>() == 1);
  }
  // Leading spaces would change the block's indentation: quoted instead.
  CHECK(hs::render::to_yaml(json{{"k", "  a\nb"}}).rfind("k: \"", 0) == 0);
}

TEST_CASE("apiVersion, kind, metadata and name come first; nested lists and empty collections") {
  json obj = {{"spec",
               {{"list", {{{"name", "x"}, {"b", 1}}, json::array({1, 2}), "s"}},
                {"empty", json::object()},
                {"none", json::array()}}},
              {"metadata", {{"name", "nm"}}},
              {"kind", "K"},
              {"apiVersion", "v1"},
              {"flag", false},
              {"nothing", nullptr}};
  std::string y = hs::render::to_yaml(obj);
  CHECK(y.rfind("apiVersion: v1\nkind: K\nmetadata:\n  name: nm\n", 0) == 0);
  CHECK(y.find("    - name: x\n      b: 1\n") != std::string::npos);
  CHECK(y.find("  empty: {}\n") != std::string::npos);
  CHECK(y.find("  none: []\n") != std::string::npos);
  YAML::Node n = YAML::Load(y);
  CHECK(n["spec"]["list"][1][1].as<int>() == 2);
  CHECK(n["spec"]["list"][2].as<std::string>() == "s");
  CHECK(n["flag"].as<bool>() == false);
  CHECK(n["nothing"].IsNull());
}
