// The tfplugin-independent parts of the resource layer: import ids, the provider block's image
// settings and which validation errors survive unknown inputs.
#include <catch2/catch.hpp>

#include "resources/field_errors.h"
#include "resources/import_id.h"
#include "resources/provider_settings.h"

using hs::render::FieldError;
using hs::render::FieldPath;
using hs::render::PathStep;

TEST_CASE("import ids are namespace/name with Kubernetes name rules") {
  std::string error;
  auto id = hs::provider::parse_app_id("home/blog", error);
  REQUIRE(id);
  CHECK(id->namespace_ == "home");
  CHECK(id->name == "blog");
  CHECK(hs::provider::format_app_id("home", "blog") == "home/blog");

  for (const char* bad : {"blog", "a/b/c", "/blog", "home/", "Home/blog", "home/Blog_1", ""}) {
    INFO(bad);
    error.clear();
    CHECK_FALSE(hs::provider::parse_app_id(bad, error));
    CHECK(error.find(std::string("\"") + bad + "\"") != std::string::npos);
    CHECK(error.find("namespace/name") != std::string::npos);
  }
}

TEST_CASE("replicator image: provider replicator_image, else registry prefix + default") {
  using hs::provider::ProviderSettings;
  const std::string plain = hs::render::default_replicator_image();
  CHECK(hs::provider::default_replicator_image(ProviderSettings{}) == plain);
  CHECK(hs::provider::default_replicator_image(ProviderSettings{"", "registry.lan:5000/"}) ==
        "registry.lan:5000/" + plain);
  CHECK(hs::provider::default_replicator_image(ProviderSettings{"", "registry.lan:5000"}) ==
        "registry.lan:5000/" + plain);
  CHECK(hs::provider::default_replicator_image(ProviderSettings{"me/rep:1", "registry.lan:5000/"}) == "me/rep:1");
}

TEST_CASE("image registry prefixes are checked") {
  for (const char* good : {"registry.lan:5000/", "ghcr.io/me/", "10.0.0.2:5000", "docker.io/library/"})
    CHECK(hs::provider::check_image_registry(good) == "");
  for (const char* bad : {"", "not a registry", "Registry.lan/", "/abs/", "host//x/", ":5000/", "host/ä/"}) {
    INFO(bad);
    CHECK(hs::provider::check_image_registry(bad) != "");
  }
}

namespace {
FieldPath path(std::initializer_list<PathStep> steps) {
  return FieldPath(steps);
}
FieldError err(FieldPath p) {
  return {std::move(p), "s", "d"};
}
}  // namespace

TEST_CASE("errors near unknown values are dropped, others kept") {
  auto a = PathStep::attr;
  std::vector<FieldError> errors = {
      err(path({a("image")})),
      err(path({a("replica"), PathStep::at(1), a("name")})),
      err(path({a("ports"), PathStep::at(0), a("container_port")})),
      err(path({a("credentials_secret")})),
      err({}),
  };
  SECTION("nothing unknown keeps everything") {
    CHECK(hs::provider::errors_not_affected_by_unknowns(errors, {}).size() == 5);
  }
  SECTION("an unknown replica attribute hides replica errors and whole-app errors") {
    auto kept =
        hs::provider::errors_not_affected_by_unknowns(errors, {path({a("replica"), PathStep::at(0), a("path")})});
    REQUIRE(kept.size() == 3);
    CHECK(kept[0].path == path({a("image")}));
    CHECK(kept[1].path.front().name == "ports");
    CHECK(kept[2].path.front().name == "credentials_secret");
  }
  // One-way (the section above is the other way: an unknown replica keeps credentials_secret's errors).
  SECTION("an unknown credentials_secret hides replica errors (access_key_id_env needs it)") {
    auto kept = hs::provider::errors_not_affected_by_unknowns(errors, {path({a("credentials_secret")})});
    REQUIRE(kept.size() == 2);
    CHECK(kept[0].path == path({a("image")}));
    CHECK(kept[1].path.front().name == "ports");
  }
  SECTION("related attributes: metrics_port hides port errors, name hides credentials_secret") {
    auto kept = hs::provider::errors_not_affected_by_unknowns(errors, {path({a("metrics_port")}), path({a("name")})});
    REQUIRE(kept.size() == 2);
    CHECK(kept[0].path == path({a("image")}));
    CHECK(kept[1].path.front().name == "replica");
  }
}
