// A small msgpack reader: every length is checked against the bytes actually left before
// anything is allocated, and nesting is bounded, so hostile input can't exhaust memory or stack.
#include <algorithm>
#include <cstring>

#include "tfplugin/wire_tree.h"

namespace tfplugin::wire {

const char* Node::kind_name() const {
  switch (kind) {
    case Kind::Nil: return "nil";
    case Kind::Bool: return "bool";
    case Kind::Int:
    case Kind::Uint:
    case Kind::Float:
    case Kind::NumberText: return "number";
    case Kind::String: return "string";
    case Kind::Binary: return "binary";
    case Kind::Array: return "array";
    case Kind::Map: return "map";
    case Kind::Ext: return "extension";
  }
  return "?";
}

namespace {

class Reader {
 public:
  Reader(std::string_view in, int max_depth, std::string& error) : in_(in), max_depth_(max_depth), error_(error) {}

  bool read(Node& out, int depth) {
    if (depth > max_depth_) return fail("nested deeper than " + std::to_string(max_depth_) + " levels");
    uint8_t t;
    if (!byte(t)) return false;
    if (t <= 0x7f) {
      out.kind = Node::Kind::Int;
      out.i = t;
      return true;
    }
    if (t >= 0xe0) {
      out.kind = Node::Kind::Int;
      out.i = static_cast<int8_t>(t);
      return true;
    }
    if ((t & 0xf0) == 0x80) return map(out, t & 0x0f, depth);
    if ((t & 0xf0) == 0x90) return array(out, t & 0x0f, depth);
    if ((t & 0xe0) == 0xa0) return bytes(out, Node::Kind::String, t & 0x1f);
    uint64_t n;
    switch (t) {
      case 0xc0: out.kind = Node::Kind::Nil; return true;
      case 0xc2:
      case 0xc3:
        out.kind = Node::Kind::Bool;
        out.b = t == 0xc3;
        return true;
      case 0xc4: return uint(n, 1) && bytes(out, Node::Kind::Binary, n);
      case 0xc5: return uint(n, 2) && bytes(out, Node::Kind::Binary, n);
      case 0xc6: return uint(n, 4) && bytes(out, Node::Kind::Binary, n);
      case 0xc7: return uint(n, 1) && ext(out, n);
      case 0xc8: return uint(n, 2) && ext(out, n);
      case 0xc9: return uint(n, 4) && ext(out, n);
      case 0xca: {
        if (!uint(n, 4)) return false;
        uint32_t w = static_cast<uint32_t>(n);
        float f;
        std::memcpy(&f, &w, 4);
        out.kind = Node::Kind::Float;
        out.f = f;
        return true;
      }
      case 0xcb: {
        if (!uint(n, 8)) return false;
        double d;
        std::memcpy(&d, &n, 8);
        out.kind = Node::Kind::Float;
        out.f = d;
        return true;
      }
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        if (!uint(n, size_t{1} << (t - 0xcc))) return false;
        if (n <= static_cast<uint64_t>(INT64_MAX)) {
          out.kind = Node::Kind::Int;
          out.i = static_cast<int64_t>(n);
        } else {
          out.kind = Node::Kind::Uint;
          out.u = n;
        }
        return true;
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        size_t size = size_t{1} << (t - 0xd0);
        if (!uint(n, size)) return false;
        // Sign-extend from `size` bytes.
        int shift = static_cast<int>(64 - 8 * size);
        out.kind = Node::Kind::Int;
        out.i = static_cast<int64_t>(n << shift) >> shift;
        return true;
      }
      case 0xd4: return ext(out, 1);
      case 0xd5: return ext(out, 2);
      case 0xd6: return ext(out, 4);
      case 0xd7: return ext(out, 8);
      case 0xd8: return ext(out, 16);
      case 0xd9: return uint(n, 1) && bytes(out, Node::Kind::String, n);
      case 0xda: return uint(n, 2) && bytes(out, Node::Kind::String, n);
      case 0xdb: return uint(n, 4) && bytes(out, Node::Kind::String, n);
      case 0xdc: return uint(n, 2) && array(out, n, depth);
      case 0xdd: return uint(n, 4) && array(out, n, depth);
      case 0xde: return uint(n, 2) && map(out, n, depth);
      case 0xdf: return uint(n, 4) && map(out, n, depth);
      default: return fail("byte 0x" + hex(t) + " at offset " + std::to_string(pos_ - 1) + " is not a msgpack type");
    }
  }

  bool at_end() const { return pos_ == in_.size(); }
  size_t pos() const { return pos_; }

 private:
  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  static std::string hex(uint8_t b) {
    const char* d = "0123456789abcdef";
    return {d[b >> 4], d[b & 15]};
  }
  size_t left() const { return in_.size() - pos_; }
  bool truncated() { return fail("truncated msgpack: input ends at offset " + std::to_string(in_.size())); }
  bool byte(uint8_t& b) {
    if (!left()) return truncated();
    b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool uint(uint64_t& n, size_t size) {
    if (left() < size) return truncated();
    n = 0;
    for (size_t k = 0; k < size; ++k) n = (n << 8) | static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool bytes(Node& out, Node::Kind kind, uint64_t n) {
    if (n > left())
      return fail("msgpack length " + std::to_string(n) + " exceeds the " + std::to_string(left()) + " bytes left");
    out.kind = kind;
    out.s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool ext(Node& out, uint64_t n) {
    uint8_t code;
    if (!byte(code)) return false;
    if (!bytes(out, Node::Kind::Ext, n)) return false;
    out.ext_code = static_cast<int8_t>(code);
    return true;
  }
  // Every element takes at least one byte, so a count above the bytes left is a lie: reject it
  // before reserving anything.
  bool array(Node& out, uint64_t n, int depth) {
    if (n > left())
      return fail("msgpack array of " + std::to_string(n) + " elements in " + std::to_string(left()) + " bytes");
    out.kind = Node::Kind::Array;
    out.items.reserve(std::min<uint64_t>(n, 1024));
    for (uint64_t k = 0; k < n; ++k) {
      out.items.emplace_back();
      if (!read(out.items.back(), depth + 1)) return false;
    }
    return true;
  }
  bool map(Node& out, uint64_t n, int depth) {
    if (n > left() / 2)
      return fail("msgpack map of " + std::to_string(n) + " entries in " + std::to_string(left()) + " bytes");
    out.kind = Node::Kind::Map;
    out.entries.reserve(std::min<uint64_t>(n, 1024));
    for (uint64_t k = 0; k < n; ++k) {
      out.entries.emplace_back();
      if (!read(out.entries.back().first, depth + 1) || !read(out.entries.back().second, depth + 1)) return false;
    }
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  int max_depth_;
  std::string& error_;
};

}  // namespace

std::optional<Node> parse_msgpack(std::string_view bytes, int max_depth, std::string& error) {
  error.clear();
  Reader r(bytes, max_depth, error);
  Node n;
  if (!r.read(n, 0)) return std::nullopt;
  if (!r.at_end()) {
    error = "trailing bytes after the msgpack value (offset " + std::to_string(r.pos()) + " of " +
            std::to_string(bytes.size()) + ")";
    return std::nullopt;
  }
  return n;
}

}  // namespace tfplugin::wire
