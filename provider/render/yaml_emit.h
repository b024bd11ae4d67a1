#pragma once
// JSON -> YAML for manifests_yaml. A small emitter of our own rather than yaml-cpp's, because the
// output must be byte-for-byte deterministic and readable: apiVersion/kind/metadata first, other keys
// sorted, multi-line strings (the replicator config) as literal blocks, and every string that a YAML
// 1.1 or 1.2 parser could read as something else ("true", "on", "1000", "0o7", "~") double-quoted.

#include <string>

#include <nlohmann/json.hpp>

namespace hs::render {

// One YAML document (no "---"), ending in a newline.
std::string to_yaml(const nlohmann::json& value);

}  // namespace hs::render
