// cty values: immutable, shared, with null/unknown/known states.
#include "tfplugin/value.h"

#include <variant>

namespace tfplugin {

enum class State { Null, Unknown, Known };

struct Value::Impl {
  Type type;
  State state = State::Null;
  Refinements refinements;
  std::variant<std::monostate, std::string, Number, bool, std::vector<Value>, std::map<std::string, Value>> data;
};

namespace {
const Refinements kNoRefinements;

std::shared_ptr<Value::Impl> make(Type type, State state) {
  auto impl = std::make_shared<Value::Impl>();
  impl->type = std::move(type);
  impl->state = state;
  return impl;
}

// Structural check: can a value of type `have` stand where `want` is expected?
bool type_conforms(const Type& have, const Type& want) {
  using K = Type::Kind;
  if (want.is_dynamic() || have.is_dynamic()) return true;
  if (have.kind() != want.kind()) return false;
  switch (want.kind()) {
    case K::List:
    case K::Set:
    case K::Map: return type_conforms(have.element(), want.element());
    case K::Object: {
      const auto& h = have.attributes();
      const auto& w = want.attributes();
      if (h.size() != w.size()) return false;
      for (const auto& [n, t] : w) {
        auto it = h.find(n);
        if (it == h.end() || !type_conforms(it->second, t)) return false;
      }
      return true;
    }
    case K::Tuple: {
      const auto& h = have.tuple_elements();
      const auto& w = want.tuple_elements();
      if (h.size() != w.size()) return false;
      for (size_t i = 0; i < h.size(); ++i)
        if (!type_conforms(h[i], w[i])) return false;
      return true;
    }
    default: return true;
  }
}
}  // namespace

Value::Value() : Value(null(Type::dynamic())) {}
Value::Value(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Value Value::null(Type type) {
  // Nulls are the most common value in a plan: share the dynamic one.
  if (type.is_dynamic()) {
    static const std::shared_ptr<const Impl> shared = make(Type::dynamic(), State::Null);
    return Value(shared);
  }
  return Value(make(std::move(type), State::Null));
}

Value Value::unknown(Type type, Refinements refinements) {
  auto impl = make(std::move(type), State::Unknown);
  impl->refinements = std::move(refinements);
  return Value(impl);
}

Value Value::string(std::string s) {
  auto impl = make(Type::string(), State::Known);
  impl->data = std::move(s);
  return Value(impl);
}
Value Value::number(Number n) {
  auto impl = make(Type::number(), State::Known);
  impl->data = std::move(n);
  return Value(impl);
}
Value Value::boolean(bool b) {
  auto impl = make(Type::boolean(), State::Known);
  impl->data = b;
  return Value(impl);
}

Value Value::list(Type element, std::vector<Value> elements) {
  for (size_t i = 0; i < elements.size(); ++i)
    if (!elements[i].conforms_to(element))
      throw ValueError("list element " + std::to_string(i) + " is a " + elements[i].type().friendly_name() +
                       ", not a " + element.friendly_name());
  auto impl = make(Type::list(std::move(element)), State::Known);
  impl->data = std::move(elements);
  return Value(impl);
}

Value Value::set(Type element, std::vector<Value> elements) {
  std::vector<Value> unique;
  unique.reserve(elements.size());
  for (auto& e : elements) {
    if (!e.conforms_to(element))
      throw ValueError("set element is a " + e.type().friendly_name() + ", not a " + element.friendly_name());
    bool seen = false;
    // Unknown elements are never merged: two unknowns may turn out to be different values.
    if (e.is_wholly_known())
      for (const auto& u : unique)
        if (u == e) {
          seen = true;
          break;
        }
    if (!seen) unique.push_back(std::move(e));
  }
  auto impl = make(Type::set(std::move(element)), State::Known);
  impl->data = std::move(unique);
  return Value(impl);
}

Value Value::map(Type element, std::map<std::string, Value> elements) {
  for (const auto& [k, v] : elements)
    if (!v.conforms_to(element))
      throw ValueError("map element \"" + k + "\" is a " + v.type().friendly_name() + ", not a " +
                       element.friendly_name());
  auto impl = make(Type::map(std::move(element)), State::Known);
  impl->data = std::move(elements);
  return Value(impl);
}

Value Value::object(std::map<std::string, Value> attributes) {
  std::map<std::string, Type> types;
  for (const auto& [n, v] : attributes) types.emplace(n, v.type());
  auto impl = make(Type::object(std::move(types)), State::Known);
  impl->data = std::move(attributes);
  return Value(impl);
}

Value Value::object(const Type& type, std::map<std::string, Value> attributes) {
  if (type.kind() != Type::Kind::Object) throw ValueError("Value::object with a " + type.friendly_name() + " type");
  for (const auto& [n, v] : attributes) {
    auto it = type.attributes().find(n);
    if (it == type.attributes().end()) throw ValueError("object has no attribute \"" + n + "\"");
    if (!v.conforms_to(it->second))
      throw ValueError("attribute \"" + n + "\" is a " + v.type().friendly_name() + ", not a " +
                       it->second.friendly_name());
  }
  for (const auto& [n, t] : type.attributes())
    if (!attributes.count(n)) attributes.emplace(n, Value::null(t));
  auto impl = make(type.without_optional_attributes(), State::Known);
  impl->data = std::move(attributes);
  return Value(impl);
}

Value Value::tuple(std::vector<Value> elements) {
  std::vector<Type> types;
  for (const auto& e : elements) types.push_back(e.type());
  auto impl = make(Type::tuple(std::move(types)), State::Known);
  impl->data = std::move(elements);
  return Value(impl);
}

const Type& Value::type() const {
  return impl_->type;
}
bool Value::is_null() const {
  return impl_->state == State::Null;
}
bool Value::is_unknown() const {
  return impl_->state == State::Unknown;
}
const Refinements& Value::refinements() const {
  return impl_->state == State::Unknown ? impl_->refinements : kNoRefinements;
}

bool Value::is_wholly_known() const {
  if (is_unknown()) return false;
  if (auto* v = std::get_if<std::vector<Value>>(&impl_->data))
    for (const auto& e : *v)
      if (!e.is_wholly_known()) return false;
  if (auto* m = std::get_if<std::map<std::string, Value>>(&impl_->data))
    for (const auto& [_, e] : *m)
      if (!e.is_wholly_known()) return false;
  return true;
}

namespace {
std::string describe(const Value& v) {
  if (v.is_null()) return "null";
  if (v.is_unknown()) return "unknown";
  return v.type().friendly_name();
}
template <typename T>
const T& get(const Value& v,
             const std::variant<std::monostate, std::string, Number, bool, std::vector<Value>,
                                std::map<std::string, Value>>& data,
             const char* wanted) {
  if (auto* p = std::get_if<T>(&data)) return *p;
  throw ValueError(std::string("value is ") + describe(v) + ", not " + wanted);
}
}  // namespace

const std::string& Value::as_string() const {
  return get<std::string>(*this, impl_->data, "a string");
}
const Number& Value::as_number() const {
  return get<Number>(*this, impl_->data, "a number");
}
int64_t Value::as_int64() const {
  return as_number().as_int64();
}
double Value::as_double() const {
  return as_number().as_double();
}
bool Value::as_bool() const {
  return get<bool>(*this, impl_->data, "a bool");
}
const std::vector<Value>& Value::elements() const {
  return get<std::vector<Value>>(*this, impl_->data, "a list, set or tuple");
}
const std::map<std::string, Value>& Value::entries() const {
  return get<std::map<std::string, Value>>(*this, impl_->data, "a map or object");
}

size_t Value::size() const {
  if (auto* v = std::get_if<std::vector<Value>>(&impl_->data)) return v->size();
  if (auto* m = std::get_if<std::map<std::string, Value>>(&impl_->data)) return m->size();
  throw ValueError("size() of a value that is " + describe(*this));
}

const Value& Value::operator[](std::string_view key) const {
  const auto& m = entries();
  auto it = m.find(std::string(key));
  if (it == m.end()) throw ValueError("no attribute or key \"" + std::string(key) + "\"");
  return it->second;
}

const Value& Value::operator[](size_t index) const {
  const auto& v = elements();
  if (index >= v.size())
    throw ValueError("index " + std::to_string(index) + " out of range (" + std::to_string(v.size()) + " elements)");
  return v[index];
}

bool Value::has(std::string_view key) const {
  auto* m = std::get_if<std::map<std::string, Value>>(&impl_->data);
  return m && m->count(std::string(key));
}

std::string Value::string_or(std::string fallback) const {
  return is_known() && !is_null() ? as_string() : fallback;
}
bool Value::bool_or(bool fallback) const {
  return is_known() && !is_null() ? as_bool() : fallback;
}
int64_t Value::int64_or(int64_t fallback) const {
  return is_known() && !is_null() ? as_int64() : fallback;
}

Value Value::with_attribute(const std::string& name, Value v) const {
  entries();  // throws ValueError unless this is a known map or object
  auto copy = std::make_shared<Impl>(*impl_);
  auto& m = std::get<std::map<std::string, Value>>(copy->data);
  if (type().kind() == Type::Kind::Object) {
    auto it = type().attributes().find(name);
    if (it == type().attributes().end()) throw ValueError("object has no attribute \"" + name + "\"");
    if (!v.conforms_to(it->second))
      throw ValueError("attribute \"" + name + "\" is a " + it->second.friendly_name() + ", not a " +
                       v.type().friendly_name());
  } else if (!v.conforms_to(type().element())) {
    throw ValueError("map element \"" + name + "\" must be a " + type().element().friendly_name());
  }
  m[name] = std::move(v);
  return Value(copy);
}

bool Value::conforms_to(const Type& want) const {
  if (!type_conforms(type(), want)) return false;
  if (!is_known() || is_null() || want.is_dynamic()) return true;
  // Known containers: their elements may be nulls/unknowns of narrower types; check them too.
  using K = Type::Kind;
  switch (want.kind()) {
    case K::List:
    case K::Set:
      for (const auto& e : elements())
        if (!e.conforms_to(want.element())) return false;
      return true;
    case K::Map:
      for (const auto& [_, e] : entries())
        if (!e.conforms_to(want.element())) return false;
      return true;
    case K::Object:
      for (const auto& [n, t] : want.attributes())
        if (!has(n) || !entries().at(n).conforms_to(t)) return false;
      return true;
    case K::Tuple:
      for (size_t i = 0; i < want.tuple_elements().size(); ++i)
        if (!elements()[i].conforms_to(want.tuple_elements()[i])) return false;
      return true;
    default: return true;
  }
}

bool Value::operator==(const Value& o) const {
  if (impl_ == o.impl_) return true;
  if (impl_->state != o.impl_->state) return false;
  if (is_null()) return true;
  if (is_unknown()) return refinements() == o.refinements();
  if (type().kind() != o.type().kind()) return false;
  if (type().kind() == Type::Kind::Set) {
    const auto& a = elements();
    const auto& b = o.elements();
    if (a.size() != b.size()) return false;
    for (const auto& x : a) {
      bool found = false;
      for (const auto& y : b)
        if (x == y) {
          found = true;
          break;
        }
      if (!found) return false;
    }
    return true;
  }
  return impl_->data == o.impl_->data;
}

namespace {
void append(std::string& out, const Value& v) {
  if (v.is_null()) {
    out += "null";
    return;
  }
  if (v.is_unknown()) {
    out += v.refinements().not_null ? "(known after apply, not null)" : "(known after apply)";
    return;
  }
  using K = Type::Kind;
  switch (v.type().kind()) {
    case K::String: out += '"' + v.as_string() + '"'; return;
    case K::Number: out += v.as_number().to_string(); return;
    case K::Bool: out += v.as_bool() ? "true" : "false"; return;
    case K::List:
    case K::Set:
    case K::Tuple: {
      out += '[';
      bool first = true;
      for (const auto& e : v.elements()) {
        if (!first) out += ", ";
        first = false;
        append(out, e);
      }
      out += ']';
      return;
    }
    case K::Map:
    case K::Object: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.entries()) {
        if (!first) out += ", ";
        first = false;
        out += (v.type().kind() == K::Map ? '"' + k + '"' : k) + " = ";
        append(out, e);
      }
      out += '}';
      return;
    }
    case K::Dynamic: out += "?"; return;
  }
}
}  // namespace

std::string Value::to_string() const {
  std::string out;
  append(out, *this);
  return out;
}

}  // namespace tfplugin
