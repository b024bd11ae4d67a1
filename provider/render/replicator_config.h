#pragma once
// The replicator config of an app, built as THE config model (hs::config) and rendered by it, so the
// ConfigMap holds exactly what homeserver-replicator parses.

#include <string>

#include "config/config.h"
#include "render/app_spec.h"

namespace hs::render {

enum class SecretValues {
  Referenced,  // `${HOMESERVER_...}` references, filled from the Secret at run time (what we render)
  Inline,      // the real values (only to validate the model with hs::config::validate)
};

// Assumes the spec's own syntax checks passed (durations parse); throws hs::config::ConfigError otherwise.
hs::config::Config replicator_config(const AppSpec& spec, SecretValues secrets);

}  // namespace hs::render
