#pragma once
// tfplugin Values <-> render's AppSpec, keeping attribute paths for diagnostics.
//
// Terraform values may be unknown (validate walk, plan with inputs from other resources). An unknown
// input is read as unset and its path recorded, so callers can tell "invalid" from "not known yet":
// render's checks that an unknown may affect are dropped (field_errors.h) and nothing is rendered.

#include <vector>

#include "render/app_spec.h"
#include "render/render.h"
#include "tfplugin/attribute_path.h"
#include "tfplugin/diagnostics.h"
#include "tfplugin/value.h"

namespace hs::provider {

struct ConvertedSpec {
  hs::render::AppSpec spec;
  std::vector<hs::render::FieldPath> unknown;  // inputs not known yet
  tfplugin::Diagnostics diagnostics;           // values no AppSpec can hold (e.g. port 1.5)

  bool wholly_known() const { return unknown.empty(); }
};

// Reads the input attributes of a homeserver_sqlite_app object (resource config, proposed state or
// data source config). The computed attributes are ignored.
ConvertedSpec app_spec_from_value(const tfplugin::Value& object);

tfplugin::AttributePath to_attribute_path(const hs::render::FieldPath& path);

// render's errors as error diagnostics pointing at their attributes.
tfplugin::Diagnostics to_diagnostics(const std::vector<hs::render::FieldError>& errors);

}  // namespace hs::provider
