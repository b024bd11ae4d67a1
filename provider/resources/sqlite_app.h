#pragma once
// homeserver_sqlite_app: the resource and the data source. Both are pure renderers: nothing is
// created anywhere, so apply returns the plan, read returns the state, delete forgets it.

#include <memory>

#include "resources/app_plan.h"
#include "tfplugin/provider.h"

namespace hs::provider {

class SqliteAppResource : public tfplugin::Resource {
 public:
  explicit SqliteAppResource(std::shared_ptr<const AppContext> context);
  tfplugin::Schema schema() const override;
  tfplugin::ValidateResponse validate(const tfplugin::ValidateRequest& req) override;
  tfplugin::PlanResponse plan(const tfplugin::PlanRequest& req) override;
  tfplugin::ApplyResponse apply(const tfplugin::ApplyRequest& req) override;
  tfplugin::ReadResponse read(const tfplugin::ReadRequest& req) override;
  tfplugin::ImportResponse import_state(const tfplugin::ImportRequest& req) override;
  tfplugin::UpgradeResponse upgrade(const tfplugin::UpgradeRequest& req) override;

 private:
  std::shared_ptr<const AppContext> context_;
  tfplugin::Schema schema_;
};

class SqliteAppDataSource : public tfplugin::DataSource {
 public:
  explicit SqliteAppDataSource(std::shared_ptr<const AppContext> context);
  tfplugin::Schema schema() const override;
  tfplugin::ValidateResponse validate(const tfplugin::ValidateRequest& req) override;
  tfplugin::ReadDataResponse read(const tfplugin::ReadDataRequest& req) override;

 private:
  std::shared_ptr<const AppContext> context_;
  tfplugin::Schema schema_;
};

}  // namespace hs::provider
