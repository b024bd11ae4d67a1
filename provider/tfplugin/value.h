#pragma once
// cty values: what terraform sends for configs, plans and states, and what resources answer.
//
// A Value is a Type plus one of: null, unknown (not known until apply, maybe with refinements),
// or known. Values are immutable and cheap to copy; "modifying" builders return new values.
// As in cty, a value typed `dynamic` is only ever null or unknown: a known value in a dynamic
// attribute has its own concrete type (the codecs carry it on the wire).
//
//   const Value& name = config["name"];
//   if (name.is_known() && !name.is_null() && name.as_string().empty()) diags.add_error(...);
//   Value planned = proposed.with_attribute("id", Value::unknown(Type::string()));

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tfplugin/type.h"

namespace tfplugin {

// Thrown by accessors used on the wrong kind of value (a programming error in resource code; the
// server turns it into an error diagnostic naming the RPC).
class ValueError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// An exact decimal number. Terraform numbers are arbitrary precision: 0.1 and 2^64 travel as
// decimal strings, so nothing is rounded unless the caller asks for a double.
class Number {
 public:
  Number() : text_("0") {}
  // Any integer type (NOLINT: implicit on purpose, Value::number(42)).
  template <typename I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  Number(I v) : text_(std::to_string(v)) {}  // NOLINT
  Number(double v);                          // shortest decimal that round-trips; throws ValueError for NaN/inf
  // Parses "-12", "0.1", "1e300", "1.5E-3"; nullopt when not a finite decimal number.
  static std::optional<Number> parse(std::string_view text);

  // Canonical decimal text: no exponent, no leading/trailing zeros, "-0" is "0": "0.1", "1000".
  const std::string& to_string() const { return text_; }
  bool is_integer() const;
  bool fits_int64() const;
  int64_t as_int64() const;  // throws ValueError unless fits_int64()
  double as_double() const;  // nearest double
  // True when as_double() is exactly this number (then it can travel as a msgpack float).
  bool is_exact_double() const;

  bool operator==(const Number& o) const { return text_ == o.text_; }
  bool operator<(const Number& o) const;

 private:
  explicit Number(std::string canonical) : text_(std::move(canonical)) {}
  std::string text_;
};

// What terraform knows about an unknown value (cty refinements, ext 12 on the wire).
struct Refinements {
  bool not_null = false;
  std::optional<std::string> string_prefix;
  // Number bounds and collection length bounds are kept so they survive a round trip.
  std::optional<std::pair<Number, bool>> number_lower, number_upper;  // bool: inclusive
  std::optional<int64_t> length_lower, length_upper;

  // The common case: an unknown that will not be null (e.g. a computed id).
  static Refinements known_not_null() {
    Refinements r;
    r.not_null = true;
    return r;
  }

  bool empty() const {
    return !not_null && !string_prefix && !number_lower && !number_upper && !length_lower && !length_upper;
  }
  bool operator==(const Refinements&) const = default;
};

class Value {
 public:
  Value();  // null of type dynamic

  static Value null(Type type);
  static Value unknown(Type type, Refinements refinements = {});
  static Value string(std::string s);
  static Value number(Number n);
  static Value boolean(bool b);
  // Collections: every element must conform to `element`. Set elements are deduplicated.
  static Value list(Type element, std::vector<Value> elements);
  static Value set(Type element, std::vector<Value> elements);
  static Value map(Type element, std::map<std::string, Value> elements);
  // Object typed by its attributes' own types.
  static Value object(std::map<std::string, Value> attributes);
  // Object of a given object type: missing attributes become null, unknown names or
  // non-conforming values throw ValueError.
  static Value object(const Type& type, std::map<std::string, Value> attributes);
  static Value tuple(std::vector<Value> elements);

  const Type& type() const;
  bool is_null() const;
  bool is_unknown() const;
  bool is_known() const { return !is_unknown(); }
  // Known all the way down (null counts as known).
  bool is_wholly_known() const;
  const Refinements& refinements() const;  // empty unless unknown

  // Accessors throw ValueError when the value is null, unknown or of another kind.
  const std::string& as_string() const;
  const Number& as_number() const;
  int64_t as_int64() const;
  double as_double() const;
  bool as_bool() const;
  // list, set, tuple elements (set: in the order they were built or decoded).
  const std::vector<Value>& elements() const;
  // map elements or object attributes.
  const std::map<std::string, Value>& entries() const;
  size_t size() const;  // elements or entries

  // Object attribute or map element; throws ValueError when absent (for maps use has()).
  const Value& operator[](std::string_view key) const;
  const Value& operator[](size_t index) const;  // list/tuple/set element
  bool has(std::string_view key) const;

  // Convenience for optional inputs: the string/bool/int when known and non-null, else the fallback.
  std::string string_or(std::string fallback) const;
  bool bool_or(bool fallback) const;
  int64_t int64_or(int64_t fallback) const;

  // Copy of an object with one attribute replaced (must exist in the type and conform), or a
  // map with one element set.
  Value with_attribute(const std::string& name, Value v) const;

  // True when `this` can be stored where `type` is expected (dynamic accepts anything).
  bool conforms_to(const Type& type) const;

  // cty equality: same type, same nullness/knownness, equal contents (sets ignore order).
  // Two unknowns are equal here when their types and refinements are (unlike cty's unknown result).
  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }

  // Debug form, HCL-like: {"a" = "x", n = 1, l = [unknown]}.
  std::string to_string() const;

  // Internal representation (defined in the .cpp; public only so helpers there can name it).
  struct Impl;
  explicit Value(std::shared_ptr<const Impl> impl);

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace tfplugin
