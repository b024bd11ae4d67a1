#pragma once
// Internal: an untyped tree of what arrived on the wire (msgpack or JSON), parsed with bounds and
// depth checks so that the typed decoding (codec_decode.cpp) never touches raw bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tfplugin::wire {

struct Entry;

struct Node {
  enum class Kind { Nil, Bool, Int, Uint, Float, NumberText, String, Binary, Array, Map, Ext };
  Kind kind = Kind::Nil;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  std::string s;  // String, Binary, NumberText (JSON numbers), Ext payload
  int8_t ext_code = 0;
  std::vector<Node> items;     // Array
  std::vector<Entry> entries;  // Map, in wire order

  const char* kind_name() const;
};

// A map entry. Not std::pair<Node, Node>: clang (14) rejects that pair of a still-incomplete Node as
// a member's element type, and the fuzz targets are built with clang.
struct Entry {
  Node first, second;
};

// Parses exactly one msgpack value filling all of `bytes`; nullopt + error otherwise.
std::optional<Node> parse_msgpack(std::string_view bytes, int max_depth, std::string& error);
// Parses one JSON document; numbers keep their exact text (Kind::NumberText).
std::optional<Node> parse_json(std::string_view text, int max_depth, std::string& error);

}  // namespace tfplugin::wire
