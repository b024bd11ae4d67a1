#pragma once
// Which of render's validation errors may be reported while some inputs are still unknown.
//
// In terraform's validate walk every variable is unknown, and at plan time an input may depend on a
// resource not created yet. The conversion reads an unknown value as unset, so render would complain
// about things the user did set ("Missing required value") or check rules across values it can't see
// (duplicate replicas, port conflicts). An error is kept only when no unknown value can change it.

#include <vector>

#include "render/render.h"

namespace hs::provider {

// True when `prefix` is `path` or one of its ancestors.
bool is_prefix(const hs::render::FieldPath& prefix, const hs::render::FieldPath& path);

// Drops every error that lies on, inside, or above (a block holding) an unknown path.
// Errors without a path concern the whole app: they are dropped as soon as anything is unknown.
std::vector<hs::render::FieldError> errors_not_affected_by_unknowns(std::vector<hs::render::FieldError> errors,
                                                                    const std::vector<hs::render::FieldPath>& unknown);

}  // namespace hs::provider
