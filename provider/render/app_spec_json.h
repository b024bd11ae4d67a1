#pragma once
// An AppSpec from JSON written with the HCL attribute names (what `terraform console` would show for
// the resource's arguments; `replica` is a list of objects, `verify`/`alerts` objects, null = unset).
// Used by the test tools and golden tests to keep specs as readable files; strict: an unknown key or
// a wrong type throws std::invalid_argument naming the key.

#include <nlohmann/json.hpp>

#include "render/app_spec.h"

namespace hs::render {

AppSpec app_spec_from_json(const nlohmann::json& j);

}  // namespace hs::render
