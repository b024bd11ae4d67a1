// Inputs fuzz_tfplugin_msgpack (tests/fuzz) found, kept as unit tests.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "test_bytes.h"
#include "tfplugin/codec.h"

using namespace tfplugin;

namespace {
std::string decode_error(const std::string& bytes, const Type& t) {
  std::string error;
  auto v = decode_msgpack(bytes, t, error);
  CHECK_FALSE(v);
  return error;
}
}  // namespace

TEST_CASE("msgpack strings must be UTF-8 (JSON, state and manifests cannot carry other bytes)",
          "[msgpack][malformed]") {
  // Found by fuzzing: an invalid byte in a string decoded, then encode_json threw nlohmann's type_error.
  CHECK(decode_error(hex_bytes("a2 c3 28"), Type::string()) == "at the root: string is not valid UTF-8");
  CHECK(decode_error(hex_bytes("81 a1 ff a1 78"), Type::map(Type::string())) ==
        "at the root: map key is not valid UTF-8");
  CHECK(decode_error(hex_bytes("81 a1 61 a1 80"), Type::object({{"a", Type::string()}})) ==
        "at .a: string is not valid UTF-8");
  CHECK_FALSE(decode_error(hex_bytes("a2 c0 af"), Type::string()).empty());        // overlong '/'
  CHECK_FALSE(decode_error(hex_bytes("a3 ed a0 80"), Type::string()).empty());     // a UTF-16 surrogate
  CHECK_FALSE(decode_error(hex_bytes("a4 f4 90 80 80"), Type::string()).empty());  // past U+10FFFF
  CHECK_FALSE(decode_error(hex_bytes("a2 e2 82"), Type::string()).empty());        // truncated sequence

  std::string error;
  for (const char* text : {"caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x7f", ""}) {
    std::string s = text;
    std::string bytes = std::string(1, static_cast<char>(0xa0 | s.size())) + s;
    auto v = decode_msgpack(bytes, Type::string(), error);
    REQUIRE(v);
    CHECK(v->as_string() == s);
    CHECK(decode_json(encode_json(*v, Type::string()), Type::string(), error) == v);
  }
}

TEST_CASE("fuzz regression inputs of tfplugin_msgpack decode or fail cleanly", "[msgpack][malformed]") {
  const char* src = std::getenv("HS_SOURCE_DIR");
  REQUIRE(src);
  for (const char* name :
       {"regress-invalid-utf8-string", "regress-invalid-utf8-map-key", "regress-invalid-utf8-in-resource-config"}) {
    std::ifstream f(std::string(src) + "/tests/fuzz/corpus/tfplugin_msgpack/" + name, std::ios::binary);
    REQUIRE(f);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string in = ss.str();
    size_t nl = in.find('\n');
    REQUIRE(nl != std::string::npos);
    std::string error;
    auto type = Type::from_json(in.substr(0, nl), error);
    REQUIRE(type);
    INFO(name);
    CHECK_FALSE(decode_msgpack(in.substr(nl + 1), type->without_optional_attributes(), error));
    CHECK(error.find("not valid UTF-8") != std::string::npos);
  }
}

TEST_CASE("a type constraint nested 200000 deep is an error, not a stack overflow", "[type][malformed]") {
  // Found running type_test under the fuzz tree's ASan (bigger frames): the error message dumped the
  // whole rejected array, and nlohmann's dump() recurses once per level. Any build overflows at this depth.
  std::string deep = std::string(200000, '[') + "\"string\"" + std::string(200000, ']');
  std::string error;
  CHECK_FALSE(Type::from_json(deep, error));
  CHECK(error == "a type constraint must be a type name string or a [kind, ...] array, got an array");
  error.clear();
  CHECK_FALSE(Type::from_json(R"(["object",{"a":"string"},[)" + deep + "]]", error));
  CHECK(error == "optional attribute an array is not an attribute of the object");
  // The same through a dynamic value's type, as terraform would send it.
  std::string bytes = hex_bytes("92 c6") + std::string{0, 0x06, 0x1a, static_cast<char>(0x88)} + deep + "\xc0";
  REQUIRE(deep.size() == 0x061a88);
  error.clear();
  CHECK_FALSE(decode_msgpack(bytes, Type::dynamic(), error));
  CHECK(error.find("got an array") != std::string::npos);
}
