// The provider's msgpack decoder (DynamicValue.msgpack: every config, plan and state terraform
// sends). Input: "<type constraint JSON>\n<msgpack bytes>" (no newline: the whole input is msgpack
// of type dynamic). The type line goes through Type::from_json, so that parser is fuzzed too.
// Properties: decoding never crashes or throws; a failure names what is wrong; a decoded value
// conforms to its type, re-encodes, and decodes back to the same value (msgpack, and JSON when
// wholly known: UpgradeResourceState and DynamicValue.json take that path).
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "tfplugin/codec.h"

using namespace tfplugin;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = hs::fuzz::as_text(data, size);
  Type type = Type::dynamic();
  std::string_view payload = in;
  if (size_t nl = in.find('\n'); nl != std::string_view::npos) {
    std::string type_error;
    if (auto t = Type::from_json(in.substr(0, nl), type_error)) {
      type = t->without_optional_attributes();
      FUZZ_CHECK(Type::from_json(t->to_json(), type_error) == t, "type JSON round trip: " + t->to_json());
    } else {
      FUZZ_CHECK(!type_error.empty(), "Type::from_json failed without saying why");
    }
    payload = in.substr(nl + 1);
  }

  std::string error;
  auto v = decode_msgpack(payload, type, error);
  if (!v) {
    FUZZ_CHECK(!error.empty(), "decode_msgpack failed without saying why");
    return 0;
  }
  FUZZ_CHECK(v->conforms_to(type), v->to_string() + " does not conform to " + type.to_json());

  std::string again = encode_msgpack(*v, type);
  auto w = decode_msgpack(again, type, error);
  FUZZ_CHECK(w.has_value(), "re-encoded value does not decode: " + error);
  FUZZ_CHECK(*w == *v, "msgpack round trip changed " + v->to_string() + " into " + w->to_string());

  if (v->is_wholly_known()) {
    std::string json = encode_json(*v, type);
    auto j = decode_json(json, type, error);
    FUZZ_CHECK(j.has_value(), "our JSON does not decode: " + error + " in " + json);
    FUZZ_CHECK(*j == *v, "JSON round trip changed " + v->to_string() + " into " + j->to_string());
  }
  return 0;
}
