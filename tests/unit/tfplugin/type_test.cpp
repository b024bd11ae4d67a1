#include <catch2/catch.hpp>

#include "tfplugin/type.h"

using tfplugin::Type;

TEST_CASE("type constraints encode as terraform's compact JSON", "[type]") {
  CHECK(Type::string().to_json() == R"("string")");
  CHECK(Type::number().to_json() == R"("number")");
  CHECK(Type::boolean().to_json() == R"("bool")");
  CHECK(Type::dynamic().to_json() == R"("dynamic")");
  CHECK(Type::list(Type::string()).to_json() == R"(["list","string"])");
  CHECK(Type::set(Type::number()).to_json() == R"(["set","number"])");
  CHECK(Type::map(Type::list(Type::boolean())).to_json() == R"(["map",["list","bool"]])");
  CHECK(Type::object({{"b", Type::number()}, {"a", Type::string()}}).to_json() ==
        R"(["object",{"a":"string","b":"number"}])");
  CHECK(Type::object({{"a", Type::string()}, {"b", Type::number()}}, {"b"}).to_json() ==
        R"(["object",{"a":"string","b":"number"},["b"]])");
  CHECK(Type::tuple({Type::string(), Type::dynamic()}).to_json() == R"(["tuple",["string","dynamic"]])");
}

TEST_CASE("type constraints round-trip through JSON", "[type]") {
  std::vector<Type> types = {
      Type::string(),
      Type::number(),
      Type::boolean(),
      Type::dynamic(),
      Type::list(Type::string()),
      Type::set(Type::dynamic()),
      Type::map(Type::number()),
      Type::object({}),
      Type::tuple({}),
      Type::object({{"x", Type::list(Type::object({{"y", Type::tuple({Type::boolean()})}}))}, {"z", Type::string()}},
                   {"z"}),
  };
  for (const auto& t : types) {
    std::string error;
    auto back = Type::from_json(t.to_json(), error);
    INFO(t.to_json() << " " << error);
    REQUIRE(back);
    CHECK(*back == t);
  }
}

TEST_CASE("bad type constraints say what is wrong", "[type]") {
  auto bad = [](const std::string& json) {
    std::string error;
    auto t = Type::from_json(json, error);
    CHECK_FALSE(t);
    CHECK_FALSE(error.empty());
    return error;
  };
  CHECK(bad(R"("strin")").find("strin") != std::string::npos);
  bad(R"(["list"])");
  bad(R"(["list","string","extra"])");
  bad(R"(["object",["a"]])");
  CHECK(bad(R"(["object",{"a":"string"},["b"]])").find("\"b\"") != std::string::npos);
  bad(R"(["tuple","string"])");
  bad(R"(["frob","string"])");
  bad("42");
  bad("[");
  bad(std::string(10000, '[') + "\"string\"" + std::string(10000, ']'));  // too deep, no stack overflow
}

TEST_CASE("type helpers", "[type]") {
  Type t = Type::object({{"a", Type::list(Type::dynamic())}});
  CHECK(t.has_dynamic());
  CHECK_FALSE(Type::map(Type::string()).has_dynamic());
  CHECK(Type::list(Type::string()).friendly_name() == "list of string");
  CHECK(Type::object({{"a", Type::string()}}, {"a"}).without_optional_attributes() ==
        Type::object({{"a", Type::string()}}));
  CHECK(Type::list(Type::string()) != Type::set(Type::string()));
  CHECK_THROWS(Type::string().element());
  CHECK_THROWS(Type::object({{"a", Type::string()}}, {"nope"}));
}
