#pragma once
// UpgradeResourceState for homeserver_sqlite_app. Terraform calls it for every resource in state on
// every plan and apply, with the schema version the state was written with.
//
//   version == kAppSchemaVersion: decode as is (unknown attributes are an error: a corrupt state);
//   version <  kAppSchemaVersion: keep the attributes the current schema still has, null the rest; the
//                                 computed values are re-rendered by the next plan anyway;
//   version >  kAppSchemaVersion: refuse, naming both versions (a newer provider wrote it).

#include <string>

#include "tfplugin/provider.h"

namespace hs::provider {

tfplugin::UpgradeResponse upgrade_app_state(int64_t version, const std::string& raw_state_json,
                                            const tfplugin::Type& type);

}  // namespace hs::provider
