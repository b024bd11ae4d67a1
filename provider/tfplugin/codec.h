#pragma once
// The two encodings of Values in DynamicValue: msgpack (what terraform sends and what we answer)
// and JSON (UpgradeResourceState's raw_state, DynamicValue.json). Decoding is typed by the
// schema's implied type and never trusts the input: malformed, truncated, too deep or wrongly
// typed data gives an error naming the path, never a crash.

#include <optional>
#include <string>
#include <string_view>

#include "tfplugin/type.h"
#include "tfplugin/value.h"

namespace tfplugin {

// Deeper nesting than this is rejected (terraform values are never this deep; it bounds recursion).
inline constexpr int kMaxValueDepth = 64;

// Encodes `value` as terraform expects a value of `type` (dynamic positions get the
// [type JSON, value] wrapper; unknowns are ext 0, or ext 12 with refinements).
std::string encode_msgpack(const Value& value, const Type& type);
// nullopt + `error` (naming the path, e.g. "at .replica[0].url: expected string, got map").
std::optional<Value> decode_msgpack(std::string_view bytes, const Type& type, std::string& error);

// JSON has no unknowns: encoding an unknown value throws ValueError.
std::string encode_json(const Value& value, const Type& type);
std::optional<Value> decode_json(std::string_view json, const Type& type, std::string& error);

}  // namespace tfplugin
