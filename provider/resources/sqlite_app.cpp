#include "resources/sqlite_app.h"

#include "resources/app_schema.h"
#include "resources/import_id.h"
#include "resources/state_upgrade.h"

namespace hs::provider {

using tfplugin::Value;

SqliteAppResource::SqliteAppResource(std::shared_ptr<const AppContext> context)
    : context_(std::move(context)), schema_(app_resource_schema()) {}

tfplugin::Schema SqliteAppResource::schema() const {
  return schema_;
}

tfplugin::ValidateResponse SqliteAppResource::validate(const tfplugin::ValidateRequest& req) {
  return {validate_app(req.config)};
}

tfplugin::PlanResponse SqliteAppResource::plan(const tfplugin::PlanRequest& req) {
  tfplugin::PlanResponse resp;
  PlannedApp planned = plan_app(req.config, context_->get(), /*plan_namespace_default=*/true);
  resp.diagnostics = planned.diagnostics;
  if (resp.diagnostics.has_errors()) return resp;
  resp.planned_state = planned.state;
  resp.planned_private = req.prior_private;
  // Terraform replaces only when the value at a path differs from the prior state.
  if (!req.prior_state.is_null())
    resp.requires_replace = {tfplugin::AttributePath(attr::kName), tfplugin::AttributePath(attr::kNamespace)};
  return resp;
}

tfplugin::ApplyResponse SqliteAppResource::apply(const tfplugin::ApplyRequest& req) {
  tfplugin::ApplyResponse resp;
  resp.private_data = req.planned_private;
  if (req.planned_state.is_null()) return resp;  // delete: nothing exists outside the state
  if (req.planned_state.is_wholly_known()) {
    resp.new_state = req.planned_state;  // the plan is the result: known planned values must not change
    return resp;
  }
  // Inputs were unknown at plan time; at apply they are known, so render now.
  PlannedApp applied = plan_app(req.config, context_->get(), true);
  resp.diagnostics = applied.diagnostics;
  if (!resp.diagnostics.has_errors() && !applied.state.is_wholly_known())
    resp.diagnostics.add_error("Provider error", "homeserver_sqlite_app: inputs are still unknown at apply time");
  if (!resp.diagnostics.has_errors()) resp.new_state = applied.state;
  return resp;
}

tfplugin::ReadResponse SqliteAppResource::read(const tfplugin::ReadRequest& req) {
  // Purely computed: the state is the truth; echo private so it is kept.
  return {req.current_state, req.private_data, {}};
}

tfplugin::ImportResponse SqliteAppResource::import_state(const tfplugin::ImportRequest& req) {
  tfplugin::ImportResponse resp;
  std::string error;
  auto id = parse_app_id(req.id, error);
  if (!id) {
    resp.diagnostics.add_error("Invalid import ID", error);
    return resp;
  }
  const tfplugin::Type type = schema_.block.implied_type();
  // The other inputs come from the configuration on the next apply (an in-place update).
  resp.state = Value::object(type, {{attr::kId, Value::string(req.id)},
                                    {attr::kName, Value::string(id->name)},
                                    {attr::kNamespace, Value::string(id->namespace_)},
                                    {attr::kReplica, Value::list(type.attributes().at(attr::kReplica).element(), {})}});
  return resp;
}

tfplugin::UpgradeResponse SqliteAppResource::upgrade(const tfplugin::UpgradeRequest& req) {
  return upgrade_app_state(req.version, req.raw_state_json, schema_.block.implied_type());
}

SqliteAppDataSource::SqliteAppDataSource(std::shared_ptr<const AppContext> context)
    : context_(std::move(context)), schema_(app_data_source_schema()) {}

tfplugin::Schema SqliteAppDataSource::schema() const {
  return schema_;
}

tfplugin::ValidateResponse SqliteAppDataSource::validate(const tfplugin::ValidateRequest& req) {
  return {validate_app(req.config)};
}

tfplugin::ReadDataResponse SqliteAppDataSource::read(const tfplugin::ReadDataRequest& req) {
  tfplugin::ReadDataResponse resp;
  PlannedApp rendered = plan_app(req.config, context_->get(), /*plan_namespace_default=*/false);
  resp.diagnostics = rendered.diagnostics;
  if (resp.diagnostics.has_errors()) return resp;
  if (!rendered.state.is_wholly_known()) {
    resp.diagnostics.add_error("Provider error", "homeserver_sqlite_app data source read with unknown inputs");
    return resp;
  }
  resp.state = rendered.state;
  return resp;
}

}  // namespace hs::provider
