// The schemas terraform sees, pinned in golden/schemas.json: a change of any attribute (name, type,
// flags, description, order) shows up as a diff to review. UPDATE_GOLDEN=1 rewrites the file.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "resources/app_schema.h"

using nlohmann::ordered_json;
using tfplugin::Attribute;
using tfplugin::Block;

namespace {

const char* nesting(tfplugin::NestingMode m) {
  switch (m) {
    case tfplugin::NestingMode::Single: return "single";
    case tfplugin::NestingMode::List: return "list";
    case tfplugin::NestingMode::Set: return "set";
    case tfplugin::NestingMode::Map: return "map";
    case tfplugin::NestingMode::Group: return "group";
  }
  return "?";
}

ordered_json dump(const Attribute& a);

ordered_json dump(const Block& b) {
  ordered_json j;
  j["description"] = b.description;
  j["attributes"] = ordered_json::array();
  for (const auto& a : b.attributes) j["attributes"].push_back(dump(a));
  j["blocks"] = ordered_json::array();
  for (const auto& nb : b.block_types) {
    ordered_json n;
    n["type_name"] = nb.type_name;
    n["nesting"] = nesting(nb.nesting);
    n["min_items"] = nb.min_items;
    n["max_items"] = nb.max_items;
    n["block"] = dump(nb.block);
    j["blocks"].push_back(n);
  }
  return j;
}

ordered_json dump(const Attribute& a) {
  ordered_json j;
  j["name"] = a.name;
  if (a.nested) {
    j["nesting"] = nesting(a.nested->nesting);
    j["attributes"] = ordered_json::array();
    for (const auto& n : a.nested->attributes) j["attributes"].push_back(dump(n));
  } else {
    j["type"] = ordered_json::parse(a.type.to_json());
  }
  j["description"] = a.description;
  for (auto [flag, on] : {std::pair{"required", a.required},
                          {"optional", a.optional},
                          {"computed", a.computed},
                          {"sensitive", a.sensitive},
                          {"deprecated", a.deprecated}})
    if (on) j[flag] = true;
  if (a.description_kind != tfplugin::DescriptionKind::Markdown) j["plain"] = true;
  return j;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the schemas are the golden ones") {
  ordered_json all;
  for (auto [name, schema] : {std::pair{"resource", hs::provider::app_resource_schema()},
                              {"data_source", hs::provider::app_data_source_schema()},
                              {"provider", hs::provider::provider_block_schema()}}) {
    all[name]["version"] = schema.version;
    all[name]["block"] = dump(schema.block);
  }
  const std::string actual = all.dump(1) + "\n";
  const char* src = std::getenv("HS_SOURCE_DIR");
  REQUIRE(src);
  const auto path = std::filesystem::path(src) / "tests/unit/resources/golden/schemas.json";
  if (const char* u = std::getenv("UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    WARN("updated " << path.string());
    return;
  }
  INFO("golden file " << path.string() << " (UPDATE_GOLDEN=1 regenerates)");
  REQUIRE(std::filesystem::exists(path));
  CHECK(read_text(path) == actual);
}
