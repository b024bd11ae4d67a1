#include "render/objects.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <chrono>

#include "config/duration.h"
#include "render/pod_parts.h"
#include "render/render.h"

namespace hs::render::objects {
namespace {

using nlohmann::json;

std::string sha256_hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::string base64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

json metadata(const AppSpec& spec, const std::string& name, const std::string& component) {
  return {{"name", name}, {"namespace", spec.namespace_}, {"labels", parts::labels(spec, component)}};
}

std::vector<std::string> verify_args(const AppSpec& spec) {
  std::vector<std::string> args = {"verify", "-config", parts::kConfigFile};
  args.push_back(spec.database_path);
  return args;
}

// "8080" -> 8080, a port name stays a string (Kubernetes' IntOrString).
json int_or_name(const std::string& port) {
  if (!port.empty() && port.find_first_not_of("0123456789") == std::string::npos) return std::stoll(port);
  return port;
}

// A Go duration validate() accepted (whole seconds) -> seconds.
int64_t seconds(const std::string& duration) {
  return std::chrono::duration_cast<std::chrono::seconds>(*hs::config::parse_duration(duration, nullptr)).count();
}

json probe(const ProbeSpec& p) {
  json o = json::object();
  if (!p.http_path.empty())
    o["httpGet"] = {{"path", p.http_path}, {"port", int_or_name(p.port)}};
  else if (!p.tcp_port.empty())
    o["tcpSocket"] = {{"port", int_or_name(p.tcp_port)}};
  else
    o["exec"] = {{"command", p.exec}};
  if (!p.initial_delay.empty()) o["initialDelaySeconds"] = seconds(p.initial_delay);
  if (!p.period.empty()) o["periodSeconds"] = seconds(p.period);
  if (!p.timeout.empty()) o["timeoutSeconds"] = seconds(p.timeout);
  if (p.failure_threshold) o["failureThreshold"] = *p.failure_threshold;
  return o;
}

json app_container(const AppSpec& spec) {
  json c = {
      {"name", "app"},
      {"image", spec.image},
      {"volumeMounts", json::array({json{{"name", parts::kDataVolume}, {"mountPath", parts::database_dir(spec)}}})}};
  if (!spec.command.empty()) c["command"] = spec.command;
  if (!spec.args.empty()) c["args"] = spec.args;
  if (!spec.env.empty()) {
    json env = json::array();
    for (const auto& [k, v] : spec.env) env.push_back({{"name", k}, {"value", v}});  // std::map: sorted
    c["env"] = env;
  }
  for (const auto& [k, ref] : spec.secret_env)
    c["env"].push_back({{"name", k}, {"valueFrom", {{"secretKeyRef", {{"name", ref.secret}, {"key", ref.key}}}}}});
  for (const auto& secret : spec.env_from_secrets) c["envFrom"].push_back({{"secretRef", {{"name", secret}}}});
  if (!spec.ports.empty()) {
    json ports = json::array();
    for (const auto& p : spec.ports) {
      json port = {{"containerPort", p.container_port}, {"protocol", p.protocol}};
      if (!p.name.empty()) port["name"] = p.name;
      ports.push_back(port);
    }
    c["ports"] = ports;
  }
  if (!spec.resources.requests.empty() || !spec.resources.limits.empty()) {
    json r = json::object();
    if (!spec.resources.requests.empty()) r["requests"] = spec.resources.requests;
    if (!spec.resources.limits.empty()) r["limits"] = spec.resources.limits;
    c["resources"] = r;
  }
  if (spec.readiness_probe) c["readinessProbe"] = probe(*spec.readiness_probe);
  if (spec.liveness_probe) c["livenessProbe"] = probe(*spec.liveness_probe);
  if (spec.startup_probe) c["startupProbe"] = probe(*spec.startup_probe);
  return c;
}

// The long-running replicator: serves /healthz on metrics_port when set, so probes can see it.
json sidecar(const AppSpec& spec) {
  json c = parts::replicator_container(spec, "replicator", {"replicate", "-config", parts::kConfigFile}, true);
  if (spec.metrics_port) {
    c["ports"] = json::array(
        {json{{"name", parts::kMetricsPortName}, {"containerPort", *spec.metrics_port}, {"protocol", "TCP"}}});
    json get = {{"path", "/healthz"}, {"port", parts::kMetricsPortName}};
    c["readinessProbe"] = {{"httpGet", get}, {"periodSeconds", 10}, {"failureThreshold", 3}};
    c["livenessProbe"] = {
        {"httpGet", get}, {"initialDelaySeconds", 10}, {"periodSeconds", 30}, {"failureThreshold", 3}};
  }
  if (spec.native_sidecar) c["restartPolicy"] = "Always";
  return c;
}

}  // namespace

json config_map(const AppSpec& spec, const std::string& replicator_config) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", metadata(spec, config_map_name(spec), "replicator-config")},
          {"data", {{parts::kConfigKey, replicator_config}}}};
}

json secret(const AppSpec& spec) {
  json data = json::object();
  for (const auto& e : parts::secret_env(spec)) data[e.name] = base64(e.value);
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", metadata(spec, secret_name(spec), "replicator-secrets")},
          {"type", "Opaque"},
          {"data", data}};
}

json deployment(const AppSpec& spec, const std::string& replicator_config) {
  // The restore init container runs first: it fills the emptyDir from the newest replica (or does
  // nothing for a new app) and fails the pod if a replica exists but cannot be restored.
  json init = json::array();
  init.push_back(parts::replicator_container(
      spec, "restore",
      {"restore", "-config", parts::kConfigFile, "-if-db-not-exists", "-if-replica-exists", spec.database_path}, true));
  json containers = json::array();
  // A native sidecar (init container with restartPolicy Always, after restore) starts before the app
  // and stops after it, so the last writes are replicated on shutdown.
  if (spec.native_sidecar) init.push_back(sidecar(spec));
  containers.push_back(app_container(spec));
  if (!spec.native_sidecar) containers.push_back(sidecar(spec));

  json pod_spec = {{"securityContext", parts::pod_security_context(spec)},
                   {"initContainers", init},
                   {"containers", containers},
                   {"volumes", parts::volumes(spec, config_map_name(spec), true)}};
  parts::add_pod_placement(spec, pod_spec, true);
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", metadata(spec, deployment_name(spec), "app")},
          {"spec",
           {{"replicas", 1},
            // Recreate: two pods must never write (and replicate) the same database at once.
            {"strategy", {{"type", "Recreate"}}},
            {"selector", {{"matchLabels", parts::selector_labels(spec)}}},
            {"template",
             {{"metadata",
               {{"labels", parts::labels(spec, "app")},
                {"annotations", {{"checksum/replicator-config", sha256_hex(replicator_config)}}}}},
              {"spec", pod_spec}}}}}};
}

json service(const AppSpec& spec) {
  const ServiceSpec& svc = *spec.service;
  json ports = json::array();
  for (const auto& p : spec.ports) {
    json port = {{"port", p.container_port}, {"protocol", p.protocol}};
    if (p.name.empty()) {
      port["targetPort"] = p.container_port;
    } else {
      port["name"] = p.name;
      port["targetPort"] = p.name;
    }
    ports.push_back(port);
  }
  json meta = metadata(spec, service_name(spec), "app");
  if (!svc.annotations.empty()) meta["annotations"] = svc.annotations;
  // The Deployment's selector labels: the app's pods only, never the verify Job's.
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", meta},
          {"spec", {{"type", svc.type}, {"selector", parts::selector_labels(spec)}, {"ports", ports}}}};
}

json cron_job(const AppSpec& spec, const std::string& replicator_config) {
  const VerifySpec& v = *spec.verify;
  json pod_spec = {{"restartPolicy", "Never"},
                   {"securityContext", parts::pod_security_context(spec)},
                   {"containers", json::array({parts::replicator_container(spec, "verify", verify_args(spec), false)})},
                   {"volumes", parts::volumes(spec, config_map_name(spec), false)}};
  // The same node as the app (nodeSelector): a file replica is only there.
  parts::add_pod_placement(spec, pod_spec, false);
  json cron_spec = {{"schedule", v.schedule},
                    // Forbid: two verifications at once would only compete for the same replica and scratch space.
                    {"concurrencyPolicy", "Forbid"},
                    {"successfulJobsHistoryLimit", 3},
                    {"failedJobsHistoryLimit", 3},
                    {"jobTemplate",
                     {{"metadata", {{"labels", parts::labels(spec, "verify")}}},
                      {"spec",
                       // backoffLimit 0: a failed verification is the result to report (and ping), not something
                       // to retry until it passes.
                       {{"backoffLimit", 0},
                        {"template",
                         {{"metadata",
                           {{"labels", parts::labels(spec, "verify")},
                            {"annotations", {{"checksum/replicator-config", sha256_hex(replicator_config)}}}}},
                          {"spec", pod_spec}}}}}}}};
  if (!v.time_zone.empty()) cron_spec["timeZone"] = v.time_zone;
  return {{"apiVersion", "batch/v1"},
          {"kind", "CronJob"},
          {"metadata", metadata(spec, cron_job_name(spec), "verify")},
          {"spec", cron_spec}};
}

}  // namespace hs::render::objects
