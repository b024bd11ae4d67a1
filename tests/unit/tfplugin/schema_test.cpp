// Implied types of schemas follow terraform's configschema rules; check_schema catches what
// terraform would reject.
#include <catch2/catch.hpp>

#include "tfplugin/schema.h"

using namespace tfplugin;

TEST_CASE("schema: a block's implied type", "[schema]") {
  Block item{{attr("key", Type::string()).required_()}};
  Block dyn{{attr("v", Type::dynamic()).optional_()}};
  Schema s;
  s.block.attributes = {
      attr("id", Type::string()).computed_(),
      attr("shape", Type::object({{"a", Type::string()}, {"b", Type::number()}}, {"b"})).optional_(),
      nested_attr("single", NestingMode::Single, {attr("x", Type::string()).optional_()}).optional_(),
      nested_attr("list", NestingMode::List, {attr("x", Type::string()).optional_()}).optional_(),
      nested_attr("set", NestingMode::Set, {attr("x", Type::string()).optional_()}).optional_(),
      nested_attr("map", NestingMode::Map, {attr("x", Type::string()).optional_()}).optional_(),
      nested_attr("dynlist", NestingMode::List, {attr("x", Type::dynamic()).optional_()}).optional_(),
  };
  s.block.block_types = {
      NestedBlock{"item", item, NestingMode::List, 0, 0},   NestedBlock{"one", item, NestingMode::Single, 0, 0},
      NestedBlock{"flags", item, NestingMode::Set, 0, 0},   NestedBlock{"named", item, NestingMode::Map, 0, 0},
      NestedBlock{"group", item, NestingMode::Group, 0, 0}, NestedBlock{"dyns", dyn, NestingMode::List, 0, 0},
      NestedBlock{"dynmap", dyn, NestingMode::Map, 0, 0},
  };
  Type x = Type::object({{"x", Type::string()}});
  Type k = Type::object({{"key", Type::string()}});
  Type want = Type::object({
      {"id", Type::string()},
      {"shape", Type::object({{"a", Type::string()}, {"b", Type::number()}})},
      {"single", x},
      {"list", Type::list(x)},
      {"set", Type::set(x)},
      {"map", Type::map(x)},
      {"dynlist", Type::dynamic()},
      {"item", Type::list(k)},
      {"one", k},
      {"flags", Type::set(k)},
      {"named", Type::map(k)},
      {"group", k},
      {"dyns", Type::dynamic()},
      {"dynmap", Type::dynamic()},
  });
  CHECK(s.block.implied_type() == want);
  CHECK(check_schema(s).empty());
  CHECK(s.block.find_attribute("id")->computed);
  CHECK(s.block.find_block("item")->nesting == NestingMode::List);
  CHECK(s.block.find_attribute("nope") == nullptr);
}

TEST_CASE("schema: mistakes terraform would reject", "[schema]") {
  auto problem = [](std::vector<Attribute> attrs, std::vector<NestedBlock> blocks = {}) {
    Schema s;
    s.block = Block(std::move(attrs), std::move(blocks));
    return check_schema(s);
  };
  CHECK(problem({attr("a", Type::string())}).find("a: must be required, optional or computed") == 0);
  CHECK(problem({attr("a", Type::string()).required_().computed_()}).find("a:") == 0);
  CHECK(problem({attr("a", Type::string()).optional_(), attr("a", Type::string()).optional_()}).find("duplicate") !=
        std::string::npos);
  CHECK(problem({nested_attr("n", NestingMode::Group, {attr("x", Type::string()).optional_()}).optional_()})
            .find("group") != std::string::npos);
  CHECK(problem({nested_attr("n", NestingMode::List, {attr("x", Type::string())}).optional_()}).find("n.x") == 0);
  Block b{{attr("x", Type::string()).optional_()}};
  CHECK(problem({}, {NestedBlock{"s", b, NestingMode::Single, 0, 1}}).find("single") != std::string::npos);
  CHECK(problem({}, {NestedBlock{"g", b, NestingMode::Group, 1, 1}}).find("group") != std::string::npos);
  CHECK(problem({}, {NestedBlock{"l", b, NestingMode::List, 3, 2}}).find("min_items") != std::string::npos);
  CHECK(problem({}, {NestedBlock{"l", Block{{attr("d", Type::dynamic()).optional_()}}, NestingMode::Set, 0, 0}})
            .find("dynamic") != std::string::npos);
  CHECK(problem({attr("x", Type::string()).optional_()}, {NestedBlock{"x", b, NestingMode::List, 0, 0}})
            .find("duplicate") != std::string::npos);
}
