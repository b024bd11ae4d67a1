#include "resources/homeserver_provider.h"

#include "render/syntax.h"
#include "resources/app_schema.h"
#include "resources/sqlite_app.h"

namespace hs::provider {

using tfplugin::Value;

namespace {

// The provider block's problems; unknown values are skipped (checked again at configure).
tfplugin::Diagnostics check_provider_block(const Value& config) {
  tfplugin::Diagnostics d;
  if (config.is_null() || !config.is_known()) return d;
  const Value& registry = config["image_registry"];
  if (registry.is_known() && !registry.is_null())
    if (auto why = check_image_registry(registry.as_string()); !why.empty())
      d.add_error("Invalid image registry", "image_registry: " + why, tfplugin::AttributePath("image_registry"));
  const Value& image = config["replicator_image"];
  if (image.is_known() && !image.is_null())
    if (auto why = hs::render::syntax::check_image(image.as_string()); !why.empty())
      d.add_error("Invalid image", "replicator_image: " + why, tfplugin::AttributePath("replicator_image"));
  return d;
}

}  // namespace

HomeserverProvider::HomeserverProvider() : context_(std::make_shared<AppContext>()) {}

tfplugin::Schema HomeserverProvider::provider_schema() const {
  return provider_block_schema();
}

tfplugin::ValidateResponse HomeserverProvider::validate_config(const tfplugin::ValidateRequest& req) {
  return {check_provider_block(req.config)};
}

tfplugin::ConfigureResponse HomeserverProvider::configure(const tfplugin::ConfigureRequest& req) {
  tfplugin::ConfigureResponse resp{check_provider_block(req.config)};
  if (resp.diagnostics.has_errors()) return resp;
  AppContext::Snapshot snapshot;
  if (!req.config.is_null()) {
    snapshot.known = req.config.is_wholly_known();
    if (snapshot.known) {
      snapshot.settings.replicator_image = req.config["replicator_image"].string_or("");
      snapshot.settings.image_registry = req.config["image_registry"].string_or("");
    }
  }
  context_->set(snapshot);
  return resp;
}

std::map<std::string, std::shared_ptr<tfplugin::Resource>> HomeserverProvider::resources() {
  return {{"homeserver_sqlite_app", std::make_shared<SqliteAppResource>(context_)}};
}

std::map<std::string, std::shared_ptr<tfplugin::DataSource>> HomeserverProvider::data_sources() {
  return {{"homeserver_sqlite_app", std::make_shared<SqliteAppDataSource>(context_)}};
}

}  // namespace hs::provider
