// msgpack as terraform writes and reads it (go-cty's msgpack package): exact bytes for the forms
// seen on the wire, then round trips of every kind.
#include <catch2/catch.hpp>

#include "test_bytes.h"
#include "tfplugin/codec.h"

using namespace tfplugin;

namespace {
std::string enc(const Value& v, const Type& t) {
  return to_hex(encode_msgpack(v, t));
}

Value dec(const std::string& hex, const Type& t) {
  std::string error;
  auto v = decode_msgpack(hex_bytes(hex), t, error);
  INFO(error);
  REQUIRE(v);
  return *v;
}
}  // namespace

TEST_CASE("msgpack: primitives encode in go-cty's forms", "[msgpack]") {
  CHECK(enc(Value::string("x"), Type::string()) == "a1 78");
  CHECK(enc(Value::string(std::string(40, 'a')), Type::string()).substr(0, 5) == "d9 28");
  CHECK(enc(Value::boolean(true), Type::boolean()) == "c3");
  CHECK(enc(Value::number(1), Type::number()) == "01");
  CHECK(enc(Value::number(-1), Type::number()) == "ff");
  CHECK(enc(Value::number(-200), Type::number()) == "d1 ff 38");
  CHECK(enc(Value::number(Number(4.5)), Type::number()) == "cb 40 12 00 00 00 00 00 00");
  // Not exact in float64: a decimal string, as terraform sends it.
  CHECK(enc(Value::number(*Number::parse("0.1")), Type::number()) == "a3 30 2e 31");
  // Integers beyond int64 stay strings even when a float64 could hold them (2^63).
  CHECK(enc(Value::number(*Number::parse("9223372036854775808")), Type::number()) == to_hex("\xb3"
                                                                                            "9223372036854775808"));
  CHECK(enc(Value::null(Type::string()), Type::string()) == "c0");
}

TEST_CASE("msgpack: unknowns are ext 0, refined ones ext 12", "[msgpack][unknown]") {
  CHECK(enc(Value::unknown(Type::string()), Type::string()) == "d4 00 00");
  CHECK(enc(Value::unknown(Type::string(), Refinements::known_not_null()), Type::string()) == "c7 03 0c 81 01 c2");
  Refinements prefix;
  prefix.string_prefix = "pre-";
  CHECK(enc(Value::unknown(Type::string(), prefix), Type::string()) == "c7 07 0c 81 02 a4 70 72 65 2d");

  Value v = dec("c7 03 0c 81 01 c2", Type::string());
  CHECK(v.is_unknown());
  CHECK(v.refinements().not_null);
  v = dec("c7 09 0c 82 01 c2 02 a4 70 72 65 2d", Type::string());
  CHECK(v.refinements().not_null);
  CHECK(v.refinements().string_prefix == "pre-");
  // Number bounds {3:[0,true], 4:[100,false]} and length bounds {5:1, 6:3}.
  v = dec("c7 0d 0c 84 03 92 00 c3 04 92 64 c2 05 01 06 03", Type::number());
  REQUIRE(v.refinements().number_lower);
  CHECK(v.refinements().number_lower->first == Number(int64_t(0)));
  CHECK(v.refinements().number_lower->second);
  CHECK(v.refinements().number_upper->first == Number(int64_t(100)));
  CHECK_FALSE(v.refinements().number_upper->second);
  CHECK(v.refinements().length_lower == 1);
  CHECK(v.refinements().length_upper == 3);
  // The refinements survive a round trip.
  CHECK(dec(enc(v, Type::number()), Type::number()) == v);
  // Any other extension code also means unknown.
  CHECK(dec("d4 05 00", Type::string()).is_unknown());
  CHECK(dec("d6 00 01 02 03 04", Type::number()).is_unknown());
  CHECK(dec("c7 00 00", Type::boolean()).is_unknown());
  // An unknown anywhere: a list element.
  Value l = dec("92 a1 61 d4 00 00", Type::list(Type::string()));
  CHECK(l.is_known());
  CHECK_FALSE(l.is_wholly_known());
  CHECK(l[1].is_unknown());
}

TEST_CASE("msgpack: numbers arrive as ints, floats or decimal strings", "[msgpack][number]") {
  CHECK(dec("cc ff", Type::number()).as_int64() == 255);
  CHECK(dec("cd 01 00", Type::number()).as_int64() == 256);
  CHECK(dec("ce 00 01 00 00", Type::number()).as_int64() == 65536);
  CHECK(dec("cf ff ff ff ff ff ff ff ff", Type::number()).as_number().to_string() == "18446744073709551615");
  CHECK(dec("d0 80", Type::number()).as_int64() == -128);
  CHECK(dec("d1 80 00", Type::number()).as_int64() == -32768);
  CHECK(dec("d2 80 00 00 00", Type::number()).as_int64() == INT32_MIN);
  CHECK(dec("d3 80 00 00 00 00 00 00 00", Type::number()).as_int64() == INT64_MIN);
  CHECK(dec("e0", Type::number()).as_int64() == -32);
  CHECK(dec("ca 3f c0 00 00", Type::number()).as_double() == 1.5);
  CHECK(dec("cb 40 12 00 00 00 00 00 00", Type::number()).as_number().to_string() == "4.5");
  CHECK(dec("a3 30 2e 31", Type::number()).as_number().to_string() == "0.1");
  std::string big = "1" + std::string(300, '0');
  Value b = dec(to_hex(std::string("\xda\x01\x2d", 3) + big), Type::number());
  CHECK(b.as_number().to_string() == big);
  CHECK(dec(enc(b, Type::number()), Type::number()) == b);
}

TEST_CASE("msgpack: dynamic values carry their type", "[msgpack][dynamic]") {
  CHECK(enc(Value::string("x"), Type::dynamic()) == "92 c4 08 22 73 74 72 69 6e 67 22 a1 78");
  CHECK(enc(Value::null(Type::dynamic()), Type::dynamic()) == "c0");
  CHECK(enc(Value::unknown(Type::dynamic()), Type::dynamic()) == "d4 00 00");
  // A typed null or unknown in a dynamic position keeps its type (go-cty does the same).
  CHECK(enc(Value::null(Type::string()), Type::dynamic()) == "92 c4 08 22 73 74 72 69 6e 67 22 c0");

  Value v = dec("92 c4 08 22 73 74 72 69 6e 67 22 a1 78", Type::dynamic());
  CHECK(v.type() == Type::string());
  CHECK(v.as_string() == "x");
  CHECK(dec("c0", Type::dynamic()).is_null());
  CHECK(dec("d4 00 00", Type::dynamic()).is_unknown());
  // The type may also arrive as a msgpack string.
  CHECK(dec("92 a8 22 73 74 72 69 6e 67 22 a1 78", Type::dynamic()).as_string() == "x");
  Value obj = Value::object({{"k", Value::tuple({Value::number(1), Value::string("two")})}});
  CHECK(dec(enc(obj, Type::dynamic()), Type::dynamic()) == obj);
}

TEST_CASE("msgpack: objects carry exactly the schema's attributes", "[msgpack][object]") {
  Type t = Type::object({{"b", Type::number()}, {"a", Type::string()}});
  // Sorted keys; unset attributes as explicit nil.
  CHECK(enc(Value::object(t, {{"a", Value::string("x")}}), t) == "82 a1 61 a1 78 a1 62 c0");
  CHECK_THROWS_AS(encode_msgpack(Value::object({{"zzz", Value::string("x")}}), t), ValueError);
  CHECK_THROWS_AS(encode_msgpack(Value::string("x"), t), ValueError);
  // Missing attributes decode as null (go-cty); extra ones are an error.
  Value v = dec("81 a1 61 a1 78", t);
  CHECK(v["b"].is_null());
  std::string error;
  CHECK_FALSE(decode_msgpack(hex_bytes("81 a1 7a c0"), t, error));
  CHECK(error.find("unsupported attribute \"z\"") != std::string::npos);
}

TEST_CASE("msgpack: every kind round-trips", "[msgpack][roundtrip]") {
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
      {"empty", Type::list(inner)},
      {"nested", Type::map(Type::set(inner))},
      {"u", Type::string()},
      {"nul", Type::number()},
  });
  Value v = Value::object(
      t, {
             {"s", Value::string("héllo \"quoted\"\n")},
             {"n", Value::number(*Number::parse("-123456789012345678901234567890.000001"))},
             {"b", Value::boolean(false)},
             {"d", Value::map(Type::list(Type::number()), {{"k", Value::list(Type::number(), {Value::number(1)})}})},
             {"dn", Value::null(Type::dynamic())},
             {"l", Value::list(Type::string(), {Value::string("a"), Value::string(std::string(70000, 'z'))})},
             {"set", Value::set(Type::number(), {Value::number(3), Value::number(Number(2.5))})},
             {"m", Value::map(Type::boolean(), {{"x", Value::boolean(true)}, {"y", Value::unknown(Type::boolean())}})},
             {"o", Value::object(inner, {{"port", Value::number(8080)}})},
             {"t", Value::tuple({Value::string("s"), Value::number(Number(0.5))})},
             {"blocks", Value::list(inner, {Value::object(inner, {{"note", Value::string("n")}})})},
             {"empty", Value::list(inner, {})},
             {"nested", Value::map(Type::set(inner), {{"a", Value::set(inner, {Value::object(inner, {})})}})},
             {"u", Value::unknown(Type::string(), Refinements::known_not_null())},
             {"nul", Value::null(Type::number())},
         });
  std::string bytes = encode_msgpack(v, t);
  std::string error;
  auto back = decode_msgpack(bytes, t, error);
  INFO(error);
  REQUIRE(back);
  CHECK(*back == v);
  CHECK(encode_msgpack(*back, t) == bytes);
  CHECK((*back)["empty"].size() == 0);
  CHECK((*back)["d"].type() == Type::map(Type::list(Type::number())));
}
