// Default behaviour of optional Resource methods.
#include "tfplugin/provider.h"

#include "tfplugin/codec.h"

namespace tfplugin {

ImportResponse Resource::import_state(const ImportRequest&) {
  ImportResponse resp;
  resp.diagnostics.add_error("Import not supported", "This resource type does not support terraform import.");
  return resp;
}

UpgradeResponse Resource::upgrade(const UpgradeRequest& req) {
  UpgradeResponse resp;
  Schema s = schema();
  if (req.version != s.version) {
    resp.diagnostics.add_error("Unsupported state version",
                               "The stored state has schema version " + std::to_string(req.version) +
                                   " but this provider only reads version " + std::to_string(s.version) +
                                   "; no upgrade is implemented for it.");
    return resp;
  }
  std::string error;
  auto v = decode_json(req.raw_state_json, s.block.implied_type(), error);
  if (!v) {
    resp.diagnostics.add_error("Unreadable stored state",
                               "The state stored for this resource does not match its schema: " + error);
    return resp;
  }
  resp.upgraded_state = std::move(*v);
  return resp;
}

}  // namespace tfplugin
