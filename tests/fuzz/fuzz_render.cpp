// The provider's validation + render: an AppSpec (as JSON with the HCL attribute names, the form
// the golden specs use) through the public validate() and render() only, so the target keeps
// working while the resource's field list changes.
// Properties: never a crash; validate() never throws; a spec it accepts renders (render never
// throws on it) into objects with apiVersion, kind and metadata.name, a YAML stream, and a
// replicator config that the replicator itself parses; a spec it rejects makes render() throw
// InvalidSpec; rendering is deterministic.
#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "fuzz_check.h"
#include "render/app_spec_json.h"
#include "render/render.h"

using namespace hs::render;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = nlohmann::json::parse(hs::fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  AppSpec spec;
  try {
    spec = app_spec_from_json(j);
  } catch (const std::invalid_argument&) {
    return 0;  // not an AppSpec (nlohmann's own type errors derive from std::exception, not this)
  }
  std::vector<FieldError> errors = validate(spec);
  if (!errors.empty()) {
    for (const auto& e : errors)
      FUZZ_CHECK(!e.summary.empty() && !e.detail.empty(), "empty diagnostic at " + to_string(e.path));
    try {
      render(spec);
      FUZZ_CHECK(false, "render() accepted a spec validate() rejects: " + errors[0].detail);
    } catch (const InvalidSpec&) {
    }
    return 0;
  }
  Rendered out = render(spec);
  FUZZ_CHECK(!out.manifests.empty() && !out.manifests_yaml.empty(), "valid spec rendered nothing");
  for (const auto& [key, m] : out.manifests) {
    FUZZ_CHECK(m.is_object() && m.contains("apiVersion") && m["apiVersion"].is_string() && m.contains("kind") &&
                   m["kind"].is_string(),
               key + " has no apiVersion/kind");
    FUZZ_CHECK(m.contains("metadata") && m["metadata"].contains("name") && m["metadata"]["name"].is_string() &&
                   !m["metadata"]["name"].get<std::string>().empty(),
               key + " has no metadata.name");
  }
  try {
    hs::config::parse(out.replicator_config, {.expand_env = false});
  } catch (const hs::config::ConfigError& e) {
    FUZZ_CHECK(false,
               std::string("rendered replicator config does not parse: ") + e.what() + "\n" + out.replicator_config);
  }
  Rendered again = render(spec);
  FUZZ_CHECK(again.manifests_yaml == out.manifests_yaml && again.replicator_config == out.replicator_config,
             "render is not deterministic");
  return 0;
}
