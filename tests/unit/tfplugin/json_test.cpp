// JSON as terraform stores state (raw_state in UpgradeResourceState) and as DynamicValue.json.
#include <catch2/catch.hpp>

#include <random>

#include "tfplugin/codec.h"

using namespace tfplugin;

namespace {
Value dec(const std::string& json, const Type& t) {
  std::string error;
  auto v = decode_json(json, t, error);
  INFO(error);
  REQUIRE(v);
  return *v;
}
std::string dec_error(const std::string& json, const Type& t) {
  std::string error;
  CHECK_FALSE(decode_json(json, t, error));
  CHECK_FALSE(error.empty());
  return error;
}
}  // namespace

TEST_CASE("json: numbers keep every digit", "[json][number]") {
  CHECK(dec("1180591620717411303424", Type::number()).as_number().to_string() == "1180591620717411303424");  // 2^70
  CHECK(dec("0.1", Type::number()).as_number().to_string() == "0.1");
  CHECK(dec("-9223372036854775808", Type::number()).as_int64() == INT64_MIN);
  CHECK(dec("18446744073709551615", Type::number()).as_number().to_string() == "18446744073709551615");
  CHECK(dec("1.5e3", Type::number()).as_int64() == 1500);
  CHECK(dec("\"12.50\"", Type::number()).as_number().to_string() == "12.5");
  CHECK(encode_json(Value::number(*Number::parse("1180591620717411303424")), Type::number()) ==
        "1180591620717411303424");
}

TEST_CASE("json: state objects", "[json][object]") {
  Type item = Type::object({{"k", Type::string()}});
  Type t = Type::object({{"id", Type::string()},
                         {"tags", Type::map(Type::string())},
                         {"item", Type::list(item)},
                         {"any", Type::dynamic()},
                         {"added_later", Type::boolean()}});
  // Pretty-printed, as terraform stores it; "added_later" is missing (older state): null.
  Value v = dec(R"({
    "id": "p-one",
    "tags": {"a": "1"},
    "item": [{"k": "x"}],
    "any": {"value": [1, "two"], "type": ["tuple", ["number", "string"]]}
  })",
                t);
  CHECK(v["id"].as_string() == "p-one");
  CHECK(v["tags"]["a"].as_string() == "1");
  CHECK(v["item"][0]["k"].as_string() == "x");
  CHECK(v["any"].type() == Type::tuple({Type::number(), Type::string()}));
  CHECK(v["any"][1].as_string() == "two");
  CHECK(v["added_later"].is_null());
  // Round trip through our encoder.
  CHECK(dec(encode_json(v, t), t) == v);
  CHECK(encode_json(Value::object(t, {{"id", Value::string("a\"b")}}), t) ==
        R"({"added_later":null,"any":null,"id":"a\"b","item":null,"tags":null})");
  CHECK(dec(R"({"value":"s","type":"string"})", Type::dynamic()).as_string() == "s");
  CHECK(dec("null", Type::dynamic()).is_null());
}

TEST_CASE("json: wrong input names the path", "[json][malformed]") {
  Type t = Type::object({{"id", Type::string()}, {"ports", Type::list(Type::number())}});
  CHECK(dec_error(R"({"id": 1})", t).find(".id") != std::string::npos);
  CHECK(dec_error(R"({"ports": [1, "x"]})", t).find(".ports[1]") != std::string::npos);
  CHECK(dec_error(R"({"nope": 1})", t).find("unsupported attribute \"nope\"") != std::string::npos);
  dec_error(R"({"id": "a")", t);
  dec_error("", t);
  dec_error(R"({"id": "a"} trailing)", t);
  dec_error(R"({"value": 1})", Type::dynamic());
  dec_error(R"({"value": 1, "type": "strin"})", Type::dynamic());
  dec_error(std::string(100000, '[') + std::string(100000, ']'), Type::dynamic());  // depth bomb
  dec_error(std::string(100000, '['), Type::list(Type::string()));
  CHECK_THROWS_AS(encode_json(Value::unknown(Type::string()), Type::string()), ValueError);
}

TEST_CASE("json: every kind round-trips", "[json][roundtrip]") {
  Type inner = Type::object({{"port", Type::number()}, {"note", Type::string()}});
  Type t = Type::object({
      {"s", Type::string()},
      {"n", Type::number()},
      {"b", Type::boolean()},
      {"d", Type::dynamic()},
      {"dn", Type::dynamic()},
      {"l", Type::list(Type::string())},
      {"set", Type::set(Type::number())},
      {"m", Type::map(Type::boolean())},
      {"o", inner},
      {"t", Type::tuple({Type::string(), Type::number()})},
      {"blocks", Type::list(inner)},
      {"nested", Type::map(Type::set(inner))},
  });
  Value v = Value::object(
      t, {
             {"s", Value::string("h\u00e9llo \"q\"\n\t\\")},
             {"n", Value::number(*Number::parse("-123456789012345678901234567890.000001"))},
             {"b", Value::boolean(true)},
             {"d", Value::object(
                       {{"k", Value::list(Type::number(), {Value::number(1)})}, {"z", Value::null(Type::string())}})},
             {"dn", Value::null(Type::dynamic())},
             {"l", Value::list(Type::string(), {Value::string("a"), Value::string("")})},
             {"set", Value::set(Type::number(), {Value::number(3), Value::number(Number(2.5))})},
             {"m", Value::map(Type::boolean(), {{"x", Value::boolean(false)}})},
             {"o", Value::object(inner, {{"port", Value::number(8080)}})},
             {"t", Value::tuple({Value::string("s"), Value::number(Number(0.5))})},
             {"blocks", Value::list(inner, {})},
             {"nested", Value::map(Type::set(inner), {{"a", Value::set(inner, {Value::object(inner, {})})}})},
         });
  std::string json = encode_json(v, t);
  std::string error;
  auto back = decode_json(json, t, error);
  INFO(json << "\n" << error);
  REQUIRE(back);
  CHECK(*back == v);
  CHECK(encode_json(*back, t) == json);
}

TEST_CASE("json: random garbage never crashes", "[json][malformed]") {
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\",:0123456789.eE-+truefalsnl \\u";
  Type t = Type::object({{"a", Type::list(Type::dynamic())}, {"b", Type::map(Type::number())}});
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    size_t n = rng() % 80;
    for (size_t i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
    std::string error;
    auto v = decode_json(text, round % 2 ? t : Type::dynamic(), error);
    if (!v) CHECK_FALSE(error.empty());
  }
}
