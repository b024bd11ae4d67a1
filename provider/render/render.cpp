#include "render/render.h"

#include "render/objects.h"
#include "render/pod_parts.h"
#include "render/replicator_config.h"
#include "render/yaml_emit.h"

namespace hs::render {
namespace {

std::string describe(const std::vector<FieldError>& errors) {
  std::string out = "invalid homeserver_sqlite_app spec:";
  for (const auto& e : errors) out += "\n  " + e.summary + ": " + e.detail;
  return out;
}

}  // namespace

std::string to_string(const FieldPath& path) {
  std::string out;
  for (const auto& step : path) {
    switch (step.kind) {
      case PathStep::Kind::Attribute:
        if (!out.empty()) out += '.';
        out += step.name;
        break;
      case PathStep::Kind::Index: out += "[" + std::to_string(step.index) + "]"; break;
      case PathStep::Kind::Key: out += "[\"" + step.name + "\"]"; break;
    }
  }
  return out;
}

InvalidSpec::InvalidSpec(std::vector<FieldError> errors)
    : std::invalid_argument(describe(errors)), errors_(std::move(errors)) {}

std::string deployment_name(const AppSpec& spec) {
  return spec.name;
}
std::string config_map_name(const AppSpec& spec) {
  return spec.name + "-replicator";
}
std::string secret_name(const AppSpec& spec) {
  return spec.name + "-replicator-secrets";
}
std::string cron_job_name(const AppSpec& spec) {
  return spec.name + "-verify";
}
std::string service_name(const AppSpec& spec) {
  return spec.name;
}

Rendered render(const AppSpec& spec) {
  if (auto errors = validate(spec); !errors.empty()) throw InvalidSpec(std::move(errors));
  Rendered out;
  out.replicator_config = hs::config::render(replicator_config(spec, SecretValues::Referenced));

  // Apply order: what the Deployment and CronJob reference comes first.
  std::vector<nlohmann::json> ordered;
  if (!parts::secret_env(spec).empty()) ordered.push_back(objects::secret(spec));
  ordered.push_back(objects::config_map(spec, out.replicator_config));
  ordered.push_back(objects::deployment(spec, out.replicator_config));
  if (spec.service) ordered.push_back(objects::service(spec));
  if (spec.verify) ordered.push_back(objects::cron_job(spec, out.replicator_config));

  for (const auto& obj : ordered) {
    out.manifests[obj["kind"].get<std::string>() + "/" + obj["metadata"]["name"].get<std::string>()] = obj;
    out.manifests_yaml += "---\n" + to_yaml(obj);
  }
  return out;
}

}  // namespace hs::render
