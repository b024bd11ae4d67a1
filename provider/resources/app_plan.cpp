#include "resources/app_plan.h"

#include "render/render.h"
#include "resources/app_schema.h"
#include "resources/field_errors.h"
#include "resources/import_id.h"

namespace hs::provider {
namespace {

using tfplugin::Type;
using tfplugin::Value;

// Conversion problems plus render's findings that the unknowns can't change.
tfplugin::Diagnostics check(const ConvertedSpec& converted) {
  tfplugin::Diagnostics d = converted.diagnostics;
  d.append(to_diagnostics(errors_not_affected_by_unknowns(hs::render::validate(converted.spec), converted.unknown)));
  return d;
}

Value unknown_computed(Value state) {
  state = state.with_attribute(attr::kManifests, Value::unknown(Type::map(Type::string())));
  state = state.with_attribute(attr::kManifestsYaml, Value::unknown(Type::string()));
  return state.with_attribute(attr::kReplicatorConfig, Value::unknown(Type::string()));
}

}  // namespace

// Warnings come from validation only (terraform validates before every plan): once, not once per phase.
tfplugin::Diagnostics validate_app(const Value& config) {
  ConvertedSpec converted = app_spec_from_value(config);
  tfplugin::Diagnostics d = check(converted);
  for (const auto& w : errors_not_affected_by_unknowns(hs::render::warnings(converted.spec), converted.unknown))
    d.add_warning(w.summary, w.detail, to_attribute_path(w.path));
  return d;
}

PlannedApp plan_app(const Value& config, const AppContext::Snapshot& context, bool plan_namespace_default) {
  PlannedApp out;
  ConvertedSpec converted = app_spec_from_value(config);
  out.diagnostics = check(converted);
  if (out.diagnostics.has_errors()) return out;

  Value state = config;
  const Value& ns = config[attr::kNamespace];
  if (plan_namespace_default && ns.is_known() && ns.is_null())
    state = state.with_attribute(attr::kNamespace, Value::string(converted.spec.namespace_));

  const Value& name = config[attr::kName];
  const bool id_known = name.is_known() && state[attr::kNamespace].is_known();
  state = state.with_attribute(attr::kId,
                               id_known ? Value::string(format_app_id(converted.spec.namespace_, converted.spec.name))
                                        : Value::unknown(Type::string()));

  hs::render::AppSpec spec = converted.spec;
  const bool image_known = !spec.replicator_image.empty() || context.known;
  if (!converted.wholly_known() || !image_known) {
    out.state = unknown_computed(state);
    return out;
  }
  if (spec.replicator_image.empty()) spec.replicator_image = default_replicator_image(context.settings);

  hs::render::Rendered rendered;
  try {
    rendered = hs::render::render(spec);
  } catch (const hs::render::InvalidSpec& e) {
    // validate() passed on the app's own inputs, so this is the provider block's image.
    out.diagnostics.append(to_diagnostics(e.errors()));
    return out;
  }
  std::map<std::string, Value> manifests;
  for (const auto& [key, object] : rendered.manifests) manifests.emplace(key, Value::string(object.dump()));
  state = state.with_attribute(attr::kManifests, Value::map(Type::string(), std::move(manifests)));
  state = state.with_attribute(attr::kManifestsYaml, Value::string(rendered.manifests_yaml));
  out.state = state.with_attribute(attr::kReplicatorConfig, Value::string(rendered.replicator_config));
  return out;
}

}  // namespace hs::provider
