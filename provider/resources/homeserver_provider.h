#pragma once
// The homeserver provider: the provider block (shared image settings) and its one resource and data
// source, homeserver_sqlite_app.

#include <memory>

#include "resources/app_plan.h"
#include "tfplugin/provider.h"

namespace hs::provider {

class HomeserverProvider : public tfplugin::Provider {
 public:
  HomeserverProvider();
  tfplugin::Schema provider_schema() const override;
  tfplugin::ValidateResponse validate_config(const tfplugin::ValidateRequest& req) override;
  tfplugin::ConfigureResponse configure(const tfplugin::ConfigureRequest& req) override;
  std::map<std::string, std::shared_ptr<tfplugin::Resource>> resources() override;
  std::map<std::string, std::shared_ptr<tfplugin::DataSource>> data_sources() override;

 private:
  std::shared_ptr<AppContext> context_;
};

}  // namespace hs::provider
