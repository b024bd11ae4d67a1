// cty types and their JSON type-constraint form.
#include "tfplugin/type.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tfplugin {

struct Type::Impl {
  Kind kind = Kind::Dynamic;
  std::optional<Type> element;             // list, set, map
  std::map<std::string, Type> attributes;  // object
  std::set<std::string> optional;          // object
  std::vector<Type> tuple;                 // tuple
};

namespace {
const std::map<std::string, Type> kNoAttributes;
const std::set<std::string> kNoOptional;
const std::vector<Type> kNoElements;
}  // namespace

Type::Type() : Type(Type::dynamic()) {}
Type::Type(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

namespace {
std::shared_ptr<const Type::Impl> primitive(Type::Kind k) {
  auto impl = std::make_shared<Type::Impl>();
  impl->kind = k;
  return impl;
}
}  // namespace

// Primitive types are shared singletons: most types in a schema are these.
Type Type::string() {
  static const Type t(primitive(Kind::String));
  return t;
}
Type Type::number() {
  static const Type t(primitive(Kind::Number));
  return t;
}
Type Type::boolean() {
  static const Type t(primitive(Kind::Bool));
  return t;
}
Type Type::dynamic() {
  static const std::shared_ptr<const Impl> impl = primitive(Kind::Dynamic);
  return Type(impl);
}

Type Type::list(Type element) {
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::List;
  impl->element = std::move(element);
  return Type(impl);
}
Type Type::set(Type element) {
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::Set;
  impl->element = std::move(element);
  return Type(impl);
}
Type Type::map(Type element) {
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::Map;
  impl->element = std::move(element);
  return Type(impl);
}
Type Type::object(std::map<std::string, Type> attributes, std::set<std::string> optional) {
  for (const auto& name : optional)
    if (!attributes.count(name))
      throw std::invalid_argument("optional attribute \"" + name + "\" is not an attribute of the object type");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::Object;
  impl->attributes = std::move(attributes);
  impl->optional = std::move(optional);
  return Type(impl);
}
Type Type::tuple(std::vector<Type> elements) {
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::Tuple;
  impl->tuple = std::move(elements);
  return Type(impl);
}

Type::Kind Type::kind() const {
  return impl_->kind;
}
bool Type::is_primitive() const {
  return kind() == Kind::String || kind() == Kind::Number || kind() == Kind::Bool;
}
bool Type::is_collection() const {
  return kind() == Kind::List || kind() == Kind::Set || kind() == Kind::Map;
}
bool Type::is_structural() const {
  return kind() == Kind::Object || kind() == Kind::Tuple;
}

bool Type::has_dynamic() const {
  switch (kind()) {
    case Kind::Dynamic: return true;
    case Kind::List:
    case Kind::Set:
    case Kind::Map: return element().has_dynamic();
    case Kind::Object:
      for (const auto& [_, t] : attributes())
        if (t.has_dynamic()) return true;
      return false;
    case Kind::Tuple:
      for (const auto& t : tuple_elements())
        if (t.has_dynamic()) return true;
      return false;
    default: return false;
  }
}

const Type& Type::element() const {
  if (!impl_->element) throw std::logic_error("element() of a " + friendly_name() + " type");
  return *impl_->element;
}
const std::map<std::string, Type>& Type::attributes() const {
  return kind() == Kind::Object ? impl_->attributes : kNoAttributes;
}
const std::set<std::string>& Type::optional_attributes() const {
  return kind() == Kind::Object ? impl_->optional : kNoOptional;
}
const std::vector<Type>& Type::tuple_elements() const {
  return kind() == Kind::Tuple ? impl_->tuple : kNoElements;
}

bool Type::operator==(const Type& o) const {
  if (impl_ == o.impl_) return true;
  if (kind() != o.kind()) return false;
  switch (kind()) {
    case Kind::List:
    case Kind::Set:
    case Kind::Map: return element() == o.element();
    case Kind::Object: return attributes() == o.attributes() && optional_attributes() == o.optional_attributes();
    case Kind::Tuple: return tuple_elements() == o.tuple_elements();
    default: return true;
  }
}

namespace {
bool has_optional(const Type& t) {
  switch (t.kind()) {
    case Type::Kind::List:
    case Type::Kind::Set:
    case Type::Kind::Map: return has_optional(t.element());
    case Type::Kind::Object:
      if (!t.optional_attributes().empty()) return true;
      for (const auto& [_, at] : t.attributes())
        if (has_optional(at)) return true;
      return false;
    case Type::Kind::Tuple:
      for (const auto& et : t.tuple_elements())
        if (has_optional(et)) return true;
      return false;
    default: return false;
  }
}
}  // namespace

Type Type::without_optional_attributes() const {
  // Decoding calls this for every object it builds: share the type when there is nothing to strip.
  if (!has_optional(*this)) return *this;
  switch (kind()) {
    case Kind::List: return list(element().without_optional_attributes());
    case Kind::Set: return set(element().without_optional_attributes());
    case Kind::Map: return map(element().without_optional_attributes());
    case Kind::Object: {
      std::map<std::string, Type> attrs;
      for (const auto& [n, t] : attributes()) attrs.emplace(n, t.without_optional_attributes());
      return object(std::move(attrs));
    }
    case Kind::Tuple: {
      std::vector<Type> elems;
      for (const auto& t : tuple_elements()) elems.push_back(t.without_optional_attributes());
      return tuple(std::move(elems));
    }
    default: return *this;
  }
}

namespace {
nlohmann::json to_json_value(const Type& t) {
  using K = Type::Kind;
  switch (t.kind()) {
    case K::String: return "string";
    case K::Number: return "number";
    case K::Bool: return "bool";
    case K::Dynamic: return "dynamic";
    case K::List: return nlohmann::json::array({"list", to_json_value(t.element())});
    case K::Set: return nlohmann::json::array({"set", to_json_value(t.element())});
    case K::Map: return nlohmann::json::array({"map", to_json_value(t.element())});
    case K::Object: {
      nlohmann::json attrs = nlohmann::json::object();
      for (const auto& [n, at] : t.attributes()) attrs[n] = to_json_value(at);
      auto out = nlohmann::json::array({"object", attrs});
      if (!t.optional_attributes().empty()) {
        nlohmann::json opt = nlohmann::json::array();
        for (const auto& n : t.optional_attributes()) opt.push_back(n);
        out.push_back(opt);
      }
      return out;
    }
    case K::Tuple: {
      nlohmann::json elems = nlohmann::json::array();
      for (const auto& et : t.tuple_elements()) elems.push_back(to_json_value(et));
      return nlohmann::json::array({"tuple", elems});
    }
  }
  return "dynamic";
}

// For error messages: scalars as JSON, arrays and objects by kind only. dump() recurses, and a
// 100000-deep array that the (iterative) parser accepted would overflow the stack there.
std::string brief(const nlohmann::json& j) {
  return j.is_structured() ? std::string("an ") + j.type_name() : j.dump();
}

// Depth-limited: a type constraint comes from the wire (dynamic values) and must not recurse unbounded.
std::optional<Type> from_json_value(const nlohmann::json& j, int depth, std::string& error) {
  if (depth > 64) {
    error = "type constraint nested too deeply";
    return std::nullopt;
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "string") return Type::string();
    if (s == "number") return Type::number();
    if (s == "bool") return Type::boolean();
    if (s == "dynamic") return Type::dynamic();
    error = "unknown primitive type \"" + s + "\"";
    return std::nullopt;
  }
  if (!j.is_array() || j.size() < 2 || !j[0].is_string()) {
    error = "a type constraint must be a type name string or a [kind, ...] array, got " + brief(j);
    return std::nullopt;
  }
  const auto& k = j[0].get_ref<const std::string&>();
  if (k == "list" || k == "set" || k == "map") {
    if (j.size() != 2) {
      error = "\"" + k + "\" type takes exactly one element type";
      return std::nullopt;
    }
    auto e = from_json_value(j[1], depth + 1, error);
    if (!e) return std::nullopt;
    return k == "list" ? Type::list(*e) : k == "set" ? Type::set(*e) : Type::map(*e);
  }
  if (k == "object") {
    if (!j[1].is_object() || j.size() > 3) {
      error = "\"object\" type needs an attribute map (and an optional name list)";
      return std::nullopt;
    }
    std::map<std::string, Type> attrs;
    for (const auto& [n, at] : j[1].items()) {
      auto t = from_json_value(at, depth + 1, error);
      if (!t) {
        error = "attribute \"" + n + "\": " + error;
        return std::nullopt;
      }
      attrs.emplace(n, *t);
    }
    std::set<std::string> optional;
    if (j.size() == 3) {
      if (!j[2].is_array()) {
        error = "optional attribute list of an \"object\" type must be an array";
        return std::nullopt;
      }
      for (const auto& n : j[2]) {
        if (!n.is_string() || !attrs.count(n.get<std::string>())) {
          error = "optional attribute " + brief(n) + " is not an attribute of the object";
          return std::nullopt;
        }
        optional.insert(n.get<std::string>());
      }
    }
    return Type::object(std::move(attrs), std::move(optional));
  }
  if (k == "tuple") {
    if (!j[1].is_array() || j.size() != 2) {
      error = "\"tuple\" type needs an array of element types";
      return std::nullopt;
    }
    std::vector<Type> elems;
    for (const auto& et : j[1]) {
      auto t = from_json_value(et, depth + 1, error);
      if (!t) return std::nullopt;
      elems.push_back(*t);
    }
    return Type::tuple(std::move(elems));
  }
  error = "unknown type kind \"" + k + "\"";
  return std::nullopt;
}
}  // namespace

std::string Type::to_json() const {
  return to_json_value(*this).dump();
}

std::optional<Type> Type::from_json(std::string_view json, std::string& error) {
  auto j = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    error = "type constraint is not valid JSON";
    return std::nullopt;
  }
  return from_json_value(j, 0, error);
}

std::string Type::friendly_name() const {
  switch (kind()) {
    case Kind::String: return "string";
    case Kind::Number: return "number";
    case Kind::Bool: return "bool";
    case Kind::Dynamic: return "dynamic";
    case Kind::List: return "list of " + element().friendly_name();
    case Kind::Set: return "set of " + element().friendly_name();
    case Kind::Map: return "map of " + element().friendly_name();
    case Kind::Object: return "object";
    case Kind::Tuple: return "tuple";
  }
  return "?";
}

}  // namespace tfplugin
