// Encoding Values as terraform expects them, following go-cty's msgpack and JSON marshalling:
// numbers as the smallest exact form (int, float64, else decimal string), dynamic positions
// wrapped with their type, unknowns as ext 0 (ext 12 when refined), objects with every attribute.
#include <cstring>

#include <nlohmann/json.hpp>

#include "tfplugin/codec.h"

namespace tfplugin {
namespace {

class MsgpackWriter {
 public:
  std::string out;

  void nil() { out += '\xc0'; }
  void boolean(bool b) { out += b ? '\xc3' : '\xc2'; }
  void integer(int64_t v) {
    if (v >= 0 && v <= 0x7f) {
      out += static_cast<char>(v);
      return;
    }
    if (v < 0 && v >= -32) {
      out += static_cast<char>(v);
      return;
    }
    if (v >= INT8_MIN && v <= INT8_MAX) {
      out += '\xd0';
      be(static_cast<uint64_t>(v), 1);
      return;
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
      out += '\xd1';
      be(static_cast<uint64_t>(v), 2);
      return;
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
      out += '\xd2';
      be(static_cast<uint64_t>(v), 4);
      return;
    }
    out += '\xd3';
    be(static_cast<uint64_t>(v), 8);
  }
  void float64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    out += '\xcb';
    be(bits, 8);
  }
  void str(std::string_view s) {
    size_t n = s.size();
    if (n < 32)
      out += static_cast<char>(0xa0 | n);
    else if (n <= 0xff) {
      out += '\xd9';
      be(n, 1);
    } else if (n <= 0xffff) {
      out += '\xda';
      be(n, 2);
    } else {
      out += '\xdb';
      be(n, 4);
    }
    out += s;
  }
  void bin(std::string_view s) {
    size_t n = s.size();
    if (n <= 0xff) {
      out += '\xc4';
      be(n, 1);
    } else if (n <= 0xffff) {
      out += '\xc5';
      be(n, 2);
    } else {
      out += '\xc6';
      be(n, 4);
    }
    out += s;
  }
  void array(size_t n) {
    if (n < 16)
      out += static_cast<char>(0x90 | n);
    else if (n <= 0xffff) {
      out += '\xdc';
      be(n, 2);
    } else {
      out += '\xdd';
      be(n, 4);
    }
  }
  void map(size_t n) {
    if (n < 16)
      out += static_cast<char>(0x80 | n);
    else if (n <= 0xffff) {
      out += '\xde';
      be(n, 2);
    } else {
      out += '\xdf';
      be(n, 4);
    }
  }
  void ext(int8_t code, std::string_view payload) {
    size_t n = payload.size();
    if (n == 1)
      out += '\xd4';
    else if (n == 2)
      out += '\xd5';
    else if (n == 4)
      out += '\xd6';
    else if (n == 8)
      out += '\xd7';
    else if (n == 16)
      out += '\xd8';
    else if (n <= 0xff) {
      out += '\xc7';
      be(n, 1);
    } else if (n <= 0xffff) {
      out += '\xc8';
      be(n, 2);
    } else {
      out += '\xc9';
      be(n, 4);
    }
    out += static_cast<char>(code);
    out += payload;
  }
  void number(const Number& n) {
    // As go-cty: int64 when it fits; a float64 only for exact non-integers (a float64 integer
    // like 2^64 would come back to terraform as a different, low-precision number).
    if (n.fits_int64())
      integer(n.as_int64());
    else if (!n.is_integer() && n.is_exact_double())
      float64(n.as_double());
    else
      str(n.to_string());
  }

 private:
  void be(uint64_t v, size_t size) {
    for (size_t k = size; k-- > 0;) out += static_cast<char>((v >> (8 * k)) & 0xff);
  }
};

std::string refinement_payload(const Refinements& r) {
  MsgpackWriter w;
  size_t count = (r.not_null ? 1 : 0) + (r.string_prefix ? 1 : 0) + (r.number_lower ? 1 : 0) +
                 (r.number_upper ? 1 : 0) + (r.length_lower ? 1 : 0) + (r.length_upper ? 1 : 0);
  w.map(count);
  if (r.not_null) {
    w.integer(1);
    w.boolean(false);
  }
  if (r.string_prefix) {
    w.integer(2);
    w.str(*r.string_prefix);
  }
  if (r.number_lower) {
    w.integer(3);
    w.array(2);
    w.number(r.number_lower->first);
    w.boolean(r.number_lower->second);
  }
  if (r.number_upper) {
    w.integer(4);
    w.array(2);
    w.number(r.number_upper->first);
    w.boolean(r.number_upper->second);
  }
  if (r.length_lower) {
    w.integer(5);
    w.integer(*r.length_lower);
  }
  if (r.length_upper) {
    w.integer(6);
    w.integer(*r.length_upper);
  }
  return w.out;
}

std::string where(const std::string& path) {
  return path.empty() ? "the root" : path;
}

void encode(MsgpackWriter& w, const Value& v, const Type& type, const std::string& path, int depth) {
  if (depth > kMaxValueDepth)
    throw ValueError("value nested deeper than " + std::to_string(kMaxValueDepth) + " levels at " + where(path));
  if (type.is_dynamic() && !v.type().is_dynamic()) {
    // The reader can't know the type: send it along, as go-cty's marshalDynamic does.
    w.array(2);
    w.bin(v.type().to_json());
    encode(w, v, v.type(), path, depth + 1);
    return;
  }
  if (v.is_unknown()) {
    if (v.refinements().empty())
      w.ext(0, std::string_view("\0", 1));
    else
      w.ext(12, refinement_payload(v.refinements()));
    return;
  }
  if (v.is_null()) {
    w.nil();
    return;
  }
  using K = Type::Kind;
  if (v.type().kind() != type.kind())
    throw ValueError("at " + where(path) + ": " + type.friendly_name() + " required, value is a " +
                     v.type().friendly_name());
  switch (type.kind()) {
    case K::String: w.str(v.as_string()); return;
    case K::Number: w.number(v.as_number()); return;
    case K::Bool: w.boolean(v.as_bool()); return;
    case K::List:
    case K::Set: {
      const auto& elems = v.elements();
      w.array(elems.size());
      for (size_t i = 0; i < elems.size(); ++i)
        encode(w, elems[i], type.element(), path + "[" + std::to_string(i) + "]", depth + 1);
      return;
    }
    case K::Map: {
      w.map(v.size());
      for (const auto& [k, e] : v.entries()) {
        w.str(k);
        encode(w, e, type.element(), path + "[\"" + k + "\"]", depth + 1);
      }
      return;
    }
    case K::Object: {
      const auto& entries = v.entries();
      for (const auto& [k, _] : entries)
        if (!type.attributes().count(k))
          throw ValueError("at " + where(path) + ": attribute \"" + k + "\" is not in the schema");
      // Every attribute of the type, in sorted order; missing ones as null.
      w.map(type.attributes().size());
      for (const auto& [name, at] : type.attributes()) {
        w.str(name);
        auto it = entries.find(name);
        if (it == entries.end())
          w.nil();
        else
          encode(w, it->second, at, path + "." + name, depth + 1);
      }
      return;
    }
    case K::Tuple: {
      const auto& elems = v.elements();
      if (elems.size() != type.tuple_elements().size())
        throw ValueError("at " + where(path) + ": tuple of " + std::to_string(type.tuple_elements().size()) +
                         " elements required");
      w.array(elems.size());
      for (size_t i = 0; i < elems.size(); ++i)
        encode(w, elems[i], type.tuple_elements()[i], path + "[" + std::to_string(i) + "]", depth + 1);
      return;
    }
    case K::Dynamic: w.nil(); return;  // unreachable: a dynamic-typed value is null or unknown
  }
}

void encode_json_to(std::string& out, const Value& v, const Type& type, const std::string& path, int depth) {
  if (depth > kMaxValueDepth)
    throw ValueError("value nested deeper than " + std::to_string(kMaxValueDepth) + " levels at " + where(path));
  if (v.is_unknown()) throw ValueError("at " + where(path) + ": unknown values can't be written as JSON");
  if (type.is_dynamic() && !v.type().is_dynamic()) {
    out += "{\"value\":";
    encode_json_to(out, v, v.type(), path, depth + 1);
    out += ",\"type\":" + v.type().to_json() + "}";
    return;
  }
  if (v.is_null()) {
    out += "null";
    return;
  }
  using K = Type::Kind;
  if (v.type().kind() != type.kind())
    throw ValueError("at " + where(path) + ": " + type.friendly_name() + " required, value is a " +
                     v.type().friendly_name());
  switch (type.kind()) {
    case K::String: out += nlohmann::json(v.as_string()).dump(); return;
    case K::Number: out += v.as_number().to_string(); return;
    case K::Bool: out += v.as_bool() ? "true" : "false"; return;
    case K::List:
    case K::Set:
    case K::Tuple: {
      out += '[';
      const auto& elems = v.elements();
      for (size_t i = 0; i < elems.size(); ++i) {
        if (i) out += ',';
        const Type& et = type.kind() == K::Tuple ? type.tuple_elements().at(i) : type.element();
        encode_json_to(out, elems[i], et, path + "[" + std::to_string(i) + "]", depth + 1);
      }
      out += ']';
      return;
    }
    case K::Map: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.entries()) {
        if (!first) out += ',';
        first = false;
        out += nlohmann::json(k).dump() + ":";
        encode_json_to(out, e, type.element(), path + "[\"" + k + "\"]", depth + 1);
      }
      out += '}';
      return;
    }
    case K::Object: {
      const auto& entries = v.entries();
      for (const auto& [k, _] : entries)
        if (!type.attributes().count(k))
          throw ValueError("at " + where(path) + ": attribute \"" + k + "\" is not in the schema");
      out += '{';
      bool first = true;
      for (const auto& [name, at] : type.attributes()) {
        if (!first) out += ',';
        first = false;
        out += nlohmann::json(name).dump() + ":";
        auto it = entries.find(name);
        if (it == entries.end())
          out += "null";
        else
          encode_json_to(out, it->second, at, path + "." + name, depth + 1);
      }
      out += '}';
      return;
    }
    case K::Dynamic: out += "null"; return;
  }
}

}  // namespace

std::string encode_msgpack(const Value& value, const Type& type) {
  MsgpackWriter w;
  encode(w, value, type, "", 0);
  return std::move(w.out);
}

std::string encode_json(const Value& value, const Type& type) {
  std::string out;
  encode_json_to(out, value, type, "", 0);
  return out;
}

}  // namespace tfplugin
