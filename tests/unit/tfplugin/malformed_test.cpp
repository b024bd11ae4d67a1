// Hostile or broken msgpack must give an error, never a crash, a hang or a huge allocation.
#include <catch2/catch.hpp>

#include <random>

#include "test_bytes.h"
#include "tfplugin/codec.h"

using namespace tfplugin;

namespace {
std::string error_of(const std::string& bytes, const Type& t) {
  std::string error;
  auto v = decode_msgpack(bytes, t, error);
  CHECK_FALSE(v);
  CHECK_FALSE(error.empty());
  return error;
}

Type schema_like() {
  Type item = Type::object({{"key", Type::string()}, {"value", Type::number()}});
  return Type::object({{"name", Type::string()},
                       {"items", Type::list(item)},
                       {"tags", Type::map(Type::string())},
                       {"any", Type::dynamic()},
                       {"set", Type::set(Type::boolean())},
                       {"tup", Type::tuple({Type::string()})}});
}

Value sample() {
  Type t = schema_like();
  Type item = t.attributes().at("items").element();
  return Value::object(
      t,
      {
          {"name", Value::string("app")},
          {"items", Value::list(item, {Value::object(item, {{"key", Value::string("k")},
                                                            {"value", Value::number(*Number::parse("0.1"))}})})},
          {"tags", Value::map(Type::string(), {{"a", Value::unknown(Type::string(), Refinements::known_not_null())}})},
          {"any", Value::list(Type::number(), {Value::number(1)})},
          {"set", Value::set(Type::boolean(), {Value::boolean(true)})},
          {"tup", Value::tuple({Value::string("x")})},
      });
}
}  // namespace

TEST_CASE("msgpack: every truncation of a valid value is an error", "[msgpack][malformed]") {
  std::string bytes = encode_msgpack(sample(), schema_like());
  for (size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    error_of(bytes.substr(0, n), schema_like());
  }
  CHECK(error_of(bytes + "\xc0", schema_like()).find("trailing") != std::string::npos);
}

TEST_CASE("msgpack: lying lengths are refused before allocating", "[msgpack][malformed]") {
  CHECK(error_of(hex_bytes("dd ff ff ff ff"), Type::list(Type::string())).find("elements") != std::string::npos);
  error_of(hex_bytes("df ff ff ff ff"), Type::map(Type::string()));
  error_of(hex_bytes("db ff ff ff ff 61"), Type::string());
  error_of(hex_bytes("c6 ff ff ff ff"), Type::dynamic());
  error_of(hex_bytes("c9 ff ff ff ff 0c"), Type::string());
}

TEST_CASE("msgpack: depth bombs are refused without recursion blow-up", "[msgpack][malformed]") {
  std::string deep(200000, '\x91');
  deep += '\xc0';
  CHECK(error_of(deep, Type::dynamic()).find("deeper") != std::string::npos);
  // A deep but well-typed list of lists still stops at the value depth limit.
  Type t = Type::string();
  for (int i = 0; i < kMaxValueDepth + 5; ++i) t = Type::list(t);
  std::string nested(kMaxValueDepth + 5, '\x91');
  nested += "\xa1x";
  error_of(nested, t);
  // Dynamic types nested in dynamic values.
  std::string dyn;
  for (int i = 0; i < 100; ++i) dyn += hex_bytes("92 c4 09") + "\"dynamic\"";
  dyn += "\xc0";
  error_of(dyn, Type::dynamic());
}

TEST_CASE("msgpack: wrong types name the path", "[msgpack][malformed]") {
  CHECK(error_of(hex_bytes("01"), Type::string()) == "at the root: string required, got number");
  CHECK(error_of(hex_bytes("81 a4 6e 61 6d 65 01"), schema_like()).find("at .name: string required") !=
        std::string::npos);
  CHECK(error_of(hex_bytes("81 a5 69 74 65 6d 73 91 81 a3 6b 65 79 c3"), schema_like()).find(".items[0].key") !=
        std::string::npos);
  error_of(hex_bytes("a1 78"), Type::number());                            // "x" is not a number
  error_of(hex_bytes("81 01 c0"), Type::map(Type::string()));              // non-string key
  error_of(hex_bytes("82 a1 61 c0 a1 61 c0"), Type::map(Type::string()));  // duplicate key
  error_of(hex_bytes("92 a1 61 a1 62"), Type::tuple({Type::string()}));    // tuple length
  error_of(hex_bytes("91 c0"), Type::dynamic());                           // not [type, value]
  error_of(hex_bytes("92 c4 05 22 62 61 64 22 c0"), Type::dynamic());      // unknown type name
  error_of(hex_bytes("c1"), Type::string());                               // never-used byte
  error_of(hex_bytes("c7 02 0c 81 01"), Type::string());                   // malformed refinements
  error_of(hex_bytes("cb 7f f0 00 00 00 00 00 00"), Type::number());       // +inf
  error_of(hex_bytes("a3 6e 61 6e"), Type::number());                      // "nan"
}

TEST_CASE("msgpack: random garbage never crashes", "[msgpack][malformed]") {
  std::mt19937 rng(20241125);
  std::string valid = encode_msgpack(sample(), schema_like());
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = valid;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (round % 3 == 0) {
      bytes.resize(rng() % 64);
      for (auto& c : bytes) c = static_cast<char>(rng());
    }
    std::string error;
    auto v = decode_msgpack(bytes, round % 2 ? schema_like() : Type::dynamic(), error);
    if (!v) CHECK_FALSE(error.empty());
  }
}
