#pragma once
// The Kubernetes objects of one app (internal to the renderer; render() assembles them).

#include <string>

#include <nlohmann/json.hpp>

#include "render/app_spec.h"

namespace hs::render::objects {

// The replicator config as a ConfigMap.
nlohmann::json config_map(const AppSpec& spec, const std::string& replicator_config);

// `<name>-replicator-secrets`, holding the sensitive URLs/tokens as env vars (base64 `data`, not
// `stringData`: the API server turns stringData into data, which kubernetes_manifest would report as
// drift). Only call when parts::secret_env(spec) is non-empty.
nlohmann::json secret(const AppSpec& spec);

// The app with its restore init container and replicator sidecar. The config's SHA-256 goes into a
// pod template annotation so a config change rolls the pod (the sidecar reads its config only at start).
nlohmann::json deployment(const AppSpec& spec, const std::string& replicator_config);

// The Service `<name>` for spec.ports (port = containerPort, targetPort by name when named); only call
// when spec.service is set.
nlohmann::json service(const AppSpec& spec);

// The verify CronJob; only call when spec.verify is set.
nlohmann::json cron_job(const AppSpec& spec, const std::string& replicator_config);

}  // namespace hs::render::objects
