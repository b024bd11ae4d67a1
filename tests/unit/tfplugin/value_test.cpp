#include <catch2/catch.hpp>

#include "tfplugin/attribute_path.h"
#include "tfplugin/diagnostics.h"
#include "tfplugin/value.h"

using namespace tfplugin;

TEST_CASE("numbers are exact decimals", "[number]") {
  CHECK(Number::parse("0.1")->to_string() == "0.1");
  CHECK(Number::parse("1.50")->to_string() == "1.5");
  CHECK(Number::parse("-0")->to_string() == "0");
  CHECK(Number::parse("007")->to_string() == "7");
  CHECK(Number::parse("1e3")->to_string() == "1000");
  CHECK(Number::parse("1.5E-3")->to_string() == "0.0015");
  CHECK(Number::parse("-12.5e1")->to_string() == "-125");
  CHECK(Number::parse("1e300")->to_string() == "1" + std::string(300, '0'));
  CHECK_FALSE(Number::parse(""));
  CHECK_FALSE(Number::parse("abc"));
  CHECK_FALSE(Number::parse("1.2.3"));
  CHECK_FALSE(Number::parse("1e"));
  CHECK_FALSE(Number::parse("1e999999999"));  // would be a billion digits: refused, not allocated
  CHECK_FALSE(Number::parse("NaN"));

  CHECK(Number(int64_t(INT64_MIN)).as_int64() == INT64_MIN);
  CHECK(Number::parse("9223372036854775807")->fits_int64());
  CHECK_FALSE(Number::parse("9223372036854775808")->fits_int64());
  CHECK_THROWS_AS(Number::parse("1.5")->as_int64(), ValueError);
  CHECK(Number(0.1).to_string() == "0.1");
  CHECK(Number(4.5).is_exact_double());
  CHECK_FALSE(Number::parse("0.1")->is_exact_double());
  CHECK(Number::parse("18446744073709551616")->is_exact_double());
  CHECK(Number::parse("0.1")->as_double() == 0.1);
  CHECK(*Number::parse("-2") < *Number::parse("-1.5"));
  CHECK(*Number::parse("1.25") < *Number::parse("1.5"));
  CHECK(*Number::parse("9") < *Number::parse("10"));
  CHECK_FALSE(*Number::parse("10") < *Number::parse("10"));
  CHECK_THROWS_AS(Number(std::numeric_limits<double>::infinity()), ValueError);
}

TEST_CASE("values: states and accessors", "[value]") {
  Value n = Value::null(Type::string());
  CHECK(n.is_null());
  CHECK(n.is_known());
  CHECK(n.is_wholly_known());
  CHECK_THROWS_AS(n.as_string(), ValueError);
  CHECK(n.string_or("fb") == "fb");

  Value u = Value::unknown(Type::string(), Refinements::known_not_null());
  CHECK(u.is_unknown());
  CHECK_FALSE(u.is_known());
  CHECK(u.refinements().not_null);
  CHECK(u.string_or("fb") == "fb");

  Value obj = Value::object({{"name", Value::string("app")},
                             {"n", Value::number(7)},
                             {"on", Value::boolean(true)},
                             {"l", Value::list(Type::string(), {Value::string("a"), Value::unknown(Type::string())})}});
  CHECK(obj["name"].as_string() == "app");
  CHECK(obj["n"].as_int64() == 7);
  CHECK(obj["on"].as_bool());
  CHECK(obj["l"][0].as_string() == "a");
  CHECK(obj["l"].size() == 2);
  CHECK_FALSE(obj.is_wholly_known());
  CHECK(obj.is_known());
  CHECK_THROWS_AS(obj["missing"], ValueError);
  CHECK_THROWS_AS(obj["l"][5], ValueError);
  CHECK_THROWS_AS(obj["name"].as_int64(), ValueError);
  CHECK(obj.has("name"));
  CHECK_FALSE(obj.has("nope"));
}

TEST_CASE("values: typed objects, builders and equality", "[value]") {
  Type t = Type::object({{"id", Type::string()}, {"tags", Type::map(Type::string())}, {"any", Type::dynamic()}});
  Value v = Value::object(t, {{"id", Value::string("x")}, {"any", Value::number(1)}});
  CHECK(v["tags"].is_null());
  CHECK(v.conforms_to(t));
  CHECK_THROWS_AS(Value::object(t, {{"nope", Value::string("x")}}), ValueError);
  CHECK_THROWS_AS(Value::object(t, {{"id", Value::number(1)}}), ValueError);

  Value w = v.with_attribute("id", Value::unknown(Type::string()));
  CHECK(v["id"].as_string() == "x");  // the original is unchanged
  CHECK(w["id"].is_unknown());
  CHECK_THROWS_AS(v.with_attribute("nope", Value::string("")), ValueError);
  CHECK_THROWS_AS(v.with_attribute("id", Value::boolean(true)), ValueError);

  Value s1 = Value::set(Type::string(), {Value::string("a"), Value::string("b"), Value::string("a")});
  Value s2 = Value::set(Type::string(), {Value::string("b"), Value::string("a")});
  CHECK(s1.size() == 2);
  CHECK(s1 == s2);
  CHECK(Value::list(Type::string(), {Value::string("a"), Value::string("b")}) !=
        Value::list(Type::string(), {Value::string("b"), Value::string("a")}));
  CHECK(Value::number(Number(0.1)) == Value::number(*Number::parse("0.10")));
  CHECK(Value::null(Type::string()) != Value::string(""));
  CHECK_THROWS_AS(Value::list(Type::string(), {Value::number(1)}), ValueError);
  CHECK(Value::tuple({Value::string("a"), Value::number(1)}).type() == Type::tuple({Type::string(), Type::number()}));
  CHECK(v.to_string().find("id = \"x\"") != std::string::npos);
}

TEST_CASE("attribute paths print in terraform's style", "[path]") {
  CHECK(AttributePath("replica").index(0).attr("url").to_string() == "replica[0].url");
  CHECK(AttributePath("labels").key("app").to_string() == "labels[\"app\"]");
  CHECK(AttributePath("m").key("a\"b").to_string() == "m[\"a\\\"b\"]");
  CHECK(AttributePath().to_string().empty());
  CHECK(AttributePath("a") == AttributePath().attr("a"));
}

TEST_CASE("diagnostics", "[diagnostics]") {
  Diagnostics d;
  CHECK_FALSE(d.has_errors());
  d.add_warning("careful");
  CHECK_FALSE(d.has_errors());
  d.add_error("Invalid name", "must not be empty", AttributePath("name"));
  CHECK(d.has_errors());
  CHECK(d.size() == 2);
  CHECK(d.to_string() == "warning: careful\nerror: Invalid name: must not be empty (at name)\n");
  Diagnostics e;
  e.append(d);
  CHECK(e.size() == 2);
}
