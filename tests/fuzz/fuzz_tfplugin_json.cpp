// The provider's JSON value decoder (UpgradeResourceState's raw_state, DynamicValue.json).
// Input: "<type constraint JSON>\n<JSON value>" (no newline: the whole input is JSON of type
// dynamic). Properties: decoding never crashes or throws; a failure names what is wrong; a decoded
// value conforms to its type and survives encode/decode in JSON and in msgpack unchanged.
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
      payload = in.substr(nl + 1);
    }
  }

  std::string error;
  auto v = decode_json(payload, type, error);
  if (!v) {
    FUZZ_CHECK(!error.empty(), "decode_json failed without saying why");
    return 0;
  }
  FUZZ_CHECK(v->conforms_to(type), v->to_string() + " does not conform to " + type.to_json());
  FUZZ_CHECK(v->is_wholly_known(), "JSON has no unknowns, yet " + v->to_string());

  std::string json = encode_json(*v, type);
  auto j = decode_json(json, type, error);
  FUZZ_CHECK(j.has_value(), "our JSON does not decode: " + error + " in " + json);
  FUZZ_CHECK(*j == *v, "JSON round trip changed " + v->to_string() + " into " + j->to_string());

  auto m = decode_msgpack(encode_msgpack(*v, type), type, error);
  FUZZ_CHECK(m.has_value(), "our msgpack does not decode: " + error);
  FUZZ_CHECK(*m == *v, "msgpack round trip changed " + v->to_string() + " into " + m->to_string());
  return 0;
}
