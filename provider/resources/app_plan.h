#pragma once
// The pure logic of homeserver_sqlite_app, shared by the resource and the data source: validate the
// inputs, and fill the computed attributes by rendering at plan time.
//
// Rendering is pure and deterministic, so the plan can show the real manifests: when every input is
// known the computed values are known at plan time and apply returns exactly them. When an input is
// unknown they are unknown (`id` stays known as long as name and namespace are).

#include <mutex>

#include "resources/app_convert.h"
#include "resources/provider_settings.h"
#include "tfplugin/diagnostics.h"
#include "tfplugin/value.h"

namespace hs::provider {

// What the provider block configured, shared (thread-safely) by the resources of one process.
class AppContext {
 public:
  struct Snapshot {
    ProviderSettings settings;
    bool known = true;  // false: the provider block depends on values unknown at plan time
  };
  void set(Snapshot s) {
    std::lock_guard lock(mu_);
    snapshot_ = std::move(s);
  }
  Snapshot get() const {
    std::lock_guard lock(mu_);
    return snapshot_;
  }

 private:
  mutable std::mutex mu_;
  Snapshot snapshot_;
};

// Errors in the inputs of `config` that no unknown value can change, pointing at their attributes.
tfplugin::Diagnostics validate_app(const tfplugin::Value& config);

struct PlannedApp {
  tfplugin::Value state;  // null when diagnostics has errors
  tfplugin::Diagnostics diagnostics;
};

// `config` with the computed attributes (id, manifests, manifests_yaml, replicator_config) filled:
// rendered when everything is known, unknown otherwise. With `plan_namespace_default` an unset
// namespace is planned as "default" (the resource's namespace is optional+computed).
PlannedApp plan_app(const tfplugin::Value& config, const AppContext::Snapshot& context, bool plan_namespace_default);

}  // namespace hs::provider
