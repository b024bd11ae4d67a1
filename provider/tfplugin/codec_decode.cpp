// Typed decoding of wire trees (msgpack or JSON) into Values, following go-cty's msgpack and
// JSON unmarshalling. Every mismatch is an error naming the path, never an exception or crash.
#include <cmath>
#include <functional>

#include <nlohmann/json.hpp>

#include "tfplugin/codec.h"
#include "tfplugin/wire_tree.h"

namespace tfplugin {
namespace {

using wire::Node;

// cty's refined unknown: ext 12 whose payload is a msgpack map with integer keys.
constexpr int8_t kRefinedUnknownExt = 12;

// cty strings are Unicode text, and msgpack's str type is UTF-8 by definition. Bytes that are not
// (well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF) are refused here;
// accepted, they would make every later JSON encoding of the value (state, rendered manifests)
// throw, since JSON cannot carry them.
bool is_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 4;
    if (n == 4 || i + n >= s.size()) return false;
    uint32_t cp = n == 0 ? c : c & (0x3F >> n);
    for (size_t k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

class Decoder {
 public:
  Decoder(bool json, std::string& error) : json_(json), error_(error) {}

  std::optional<Value> decode(const Node& n, const Type& type, const std::string& path, int depth) {
    if (depth > kMaxValueDepth)
      return fail(path, "value nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
    if (n.kind == Node::Kind::Nil) return Value::null(type.without_optional_attributes());
    if (n.kind == Node::Kind::Ext) {
      if (json_) return fail(path, "unexpected extension in JSON");
      Refinements r;
      if (n.ext_code == kRefinedUnknownExt && !refinements(n.s, r, path)) return std::nullopt;
      return Value::unknown(type.without_optional_attributes(), std::move(r));
    }
    using K = Type::Kind;
    switch (type.kind()) {
      case K::Dynamic: return dynamic(n, path, depth);
      case K::String:
        if (n.kind != Node::Kind::String) return mismatch(n, type, path);
        if (!is_utf8(n.s)) return fail(path, "string is not valid UTF-8");
        return Value::string(n.s);
      case K::Number: return number(n, path);
      case K::Bool:
        if (n.kind != Node::Kind::Bool) return mismatch(n, type, path);
        return Value::boolean(n.b);
      case K::List:
      case K::Set: {
        if (n.kind != Node::Kind::Array) return mismatch(n, type, path);
        std::vector<Value> elems;
        elems.reserve(n.items.size());
        for (size_t i = 0; i < n.items.size(); ++i) {
          auto v = decode(n.items[i], type.element(), path + "[" + std::to_string(i) + "]", depth + 1);
          if (!v) return std::nullopt;
          elems.push_back(std::move(*v));
        }
        Type et = type.element().without_optional_attributes();
        return type.kind() == K::List ? Value::list(et, std::move(elems)) : Value::set(et, std::move(elems));
      }
      case K::Map: {
        if (n.kind != Node::Kind::Map) return mismatch(n, type, path);
        std::map<std::string, Value> elems;
        for (const auto& [k, vn] : n.entries) {
          if (k.kind != Node::Kind::String)
            return fail(path, "map key is a " + std::string(k.kind_name()) + ", not a string");
          if (!is_utf8(k.s)) return fail(path, "map key is not valid UTF-8");
          auto v = decode(vn, type.element(), path + "[\"" + k.s + "\"]", depth + 1);
          if (!v) return std::nullopt;
          if (!elems.emplace(k.s, std::move(*v)).second) return fail(path, "duplicate map key \"" + k.s + "\"");
        }
        return Value::map(type.element().without_optional_attributes(), std::move(elems));
      }
      case K::Object: {
        if (n.kind != Node::Kind::Map) return mismatch(n, type, path);
        std::map<std::string, Value> attrs;
        for (const auto& [k, vn] : n.entries) {
          if (k.kind != Node::Kind::String)
            return fail(path, "object key is a " + std::string(k.kind_name()) + ", not a string");
          auto it = type.attributes().find(k.s);
          if (it == type.attributes().end()) return fail(path, "unsupported attribute \"" + k.s + "\"");
          auto v = decode(vn, it->second, path + "." + k.s, depth + 1);
          if (!v) return std::nullopt;
          if (!attrs.emplace(k.s, std::move(*v)).second) return fail(path, "duplicate attribute \"" + k.s + "\"");
        }
        // Missing attributes read as null, as go-cty does (terraform always sends them all).
        return Value::object(type, std::move(attrs));
      }
      case K::Tuple: {
        if (n.kind != Node::Kind::Array) return mismatch(n, type, path);
        const auto& types = type.tuple_elements();
        if (n.items.size() != types.size())
          return fail(path, "tuple of " + std::to_string(types.size()) + " elements required, got " +
                                std::to_string(n.items.size()));
        std::vector<Value> elems;
        for (size_t i = 0; i < types.size(); ++i) {
          auto v = decode(n.items[i], types[i], path + "[" + std::to_string(i) + "]", depth + 1);
          if (!v) return std::nullopt;
          elems.push_back(std::move(*v));
        }
        return Value::tuple(std::move(elems));
      }
    }
    return fail(path, "unsupported type");
  }

 private:
  std::nullopt_t fail(const std::string& path, const std::string& message) {
    if (error_.empty()) error_ = (path.empty() ? std::string("at the root") : "at " + path) + ": " + message;
    return std::nullopt;
  }
  std::nullopt_t mismatch(const Node& n, const Type& type, const std::string& path) {
    return fail(path, type.friendly_name() + " required, got " + n.kind_name());
  }

  std::optional<Value> number(const Node& n, const std::string& path) {
    switch (n.kind) {
      case Node::Kind::Int: return Value::number(Number(n.i));
      case Node::Kind::Uint: return Value::number(*Number::parse(std::to_string(n.u)));
      case Node::Kind::Float:
        if (!std::isfinite(n.f)) return fail(path, "number is not finite");
        return Value::number(Number(n.f));
      case Node::Kind::NumberText:
      case Node::Kind::String: {
        // msgpack carries numbers beyond float64 as decimal strings; JSON numbers keep their text.
        auto num = Number::parse(n.s);
        if (!num) return fail(path, "\"" + n.s.substr(0, 40) + "\" is not a decimal number");
        return Value::number(std::move(*num));
      }
      default: return fail(path, std::string("number required, got ") + n.kind_name());
    }
  }

  // msgpack: [type JSON (bin or str), value]. JSON: {"value": v, "type": typeJSON}.
  std::optional<Value> dynamic(const Node& n, const std::string& path, int depth) {
    const Node* type_node = nullptr;
    const Node* value_node = nullptr;
    if (!json_) {
      if (n.kind != Node::Kind::Array || n.items.size() != 2)
        return fail(path, "dynamic value must be a [type, value] array");
      type_node = &n.items[0];
      value_node = &n.items[1];
      if (type_node->kind != Node::Kind::Binary && type_node->kind != Node::Kind::String)
        return fail(path, "dynamic value's type must be JSON bytes");
    } else {
      if (n.kind != Node::Kind::Map) return fail(path, "dynamic value must be a {\"value\", \"type\"} object");
      for (const auto& [k, v] : n.entries) {
        if (k.s == "type")
          type_node = &v;
        else if (k.s == "value")
          value_node = &v;
        else
          return fail(path, "unexpected key \"" + k.s + "\" in a dynamic value");
      }
      if (!type_node || !value_node) return fail(path, "dynamic value needs both \"value\" and \"type\"");
    }
    std::string type_error;
    std::optional<Type> t;
    if (json_) {  // inline JSON ("string", ["list","number"]), already parsed
      t = from_node(*type_node, type_error);
    } else {
      t = Type::from_json(type_node->s, type_error);
    }
    if (!t) return fail(path, "dynamic value's type: " + type_error);
    return decode(*value_node, *t, path, depth + 1);
  }

  // In JSON the type constraint is inline JSON (already parsed), not a string: rebuild it.
  static std::optional<Type> from_node(const Node& n, std::string& error);

  bool refinements(const std::string& payload, Refinements& r, const std::string& path) {
    if (payload.empty()) return true;
    std::string e;
    auto tree = wire::parse_msgpack(payload, 4, e);
    if (!tree || tree->kind != Node::Kind::Map) {
      fail(path, "malformed refinements of an unknown value" + (e.empty() ? "" : ": " + e));
      return false;
    }
    for (const auto& entry : tree->entries) {
      const Node& k = entry.first;  // not a structured binding: clang 14 cannot capture those
      const Node& v = entry.second;
      if (k.kind != Node::Kind::Int) continue;
      auto bound = [&](std::optional<std::pair<Number, bool>>& out) {
        if (v.kind != Node::Kind::Array || v.items.size() != 2 || v.items[1].kind != Node::Kind::Bool) return false;
        auto num = number(v.items[0], path);
        if (!num) return false;
        out = std::make_pair(num->as_number(), v.items[1].b);
        return true;
      };
      bool ok = true;
      switch (k.i) {
        case 1:
          ok = v.kind == Node::Kind::Bool;
          r.not_null = ok && !v.b;
          break;  // 1 = "is null?": false means not null
        case 2:
          ok = v.kind == Node::Kind::String;
          if (ok) r.string_prefix = v.s;
          break;
        case 3: ok = bound(r.number_lower); break;
        case 4: ok = bound(r.number_upper); break;
        case 5:
          ok = v.kind == Node::Kind::Int;
          if (ok) r.length_lower = v.i;
          break;
        case 6:
          ok = v.kind == Node::Kind::Int;
          if (ok) r.length_upper = v.i;
          break;
        default: break;  // refinements from a newer cty: ignore, the value stays unknown
      }
      if (!ok) {
        fail(path, "malformed refinement " + std::to_string(k.i) + " of an unknown value");
        return false;
      }
    }
    return true;
  }

  bool json_;
  std::string& error_;
};

std::optional<Type> Decoder::from_node(const Node& n, std::string& error) {
  // Re-serialise the small type tree and parse it with the one type parser.
  std::string text;
  std::function<void(const Node&)> emit = [&](const Node& x) {
    switch (x.kind) {
      case Node::Kind::String: text += nlohmann::json(x.s).dump(); break;
      case Node::Kind::Array:
        text += '[';
        for (size_t i = 0; i < x.items.size(); ++i) {
          if (i) text += ',';
          emit(x.items[i]);
        }
        text += ']';
        break;
      case Node::Kind::Map:
        text += '{';
        for (size_t i = 0; i < x.entries.size(); ++i) {
          if (i) text += ',';
          text += nlohmann::json(x.entries[i].first.s).dump() + ":";
          emit(x.entries[i].second);
        }
        text += '}';
        break;
      default: text += "null";
    }
  };
  emit(n);
  return Type::from_json(text, error);
}

}  // namespace

std::optional<Value> decode_msgpack(std::string_view bytes, const Type& type, std::string& error) {
  auto tree = wire::parse_msgpack(bytes, kMaxValueDepth * 2 + 8, error);
  if (!tree) return std::nullopt;
  Decoder d(false, error);
  return d.decode(*tree, type, "", 0);
}

std::optional<Value> decode_json(std::string_view json, const Type& type, std::string& error) {
  auto tree = wire::parse_json(json, kMaxValueDepth * 2 + 8, error);
  if (!tree) return std::nullopt;
  Decoder d(true, error);
  return d.decode(*tree, type, "", 0);
}

}  // namespace tfplugin
