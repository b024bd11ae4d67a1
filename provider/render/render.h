#pragma once
// The renderer: an AppSpec in, the Kubernetes objects and the replicator config out.
//
//   auto errors = hs::render::validate(spec);   // every problem, each with the attribute path
//   if (errors.empty()) { auto out = hs::render::render(spec); ... }
//
// Pure functions: no I/O, no clock, no randomness, so the same spec always renders the same bytes
// (terraform compares planned and applied values byte for byte).

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "render/app_spec.h"

namespace hs::render {

// One step of an attribute path, as terraform's AttributePath steps: an attribute (or block) name,
// an element index of a list, or a key of a map.
struct PathStep {
  enum class Kind { Attribute, Index, Key };
  Kind kind = Kind::Attribute;
  std::string name;   // Attribute: HCL name; Key: map key
  int64_t index = 0;  // Index

  static PathStep attr(std::string n) { return {Kind::Attribute, std::move(n), 0}; }
  static PathStep at(int64_t i) { return {Kind::Index, {}, i}; }
  static PathStep key(std::string k) { return {Kind::Key, std::move(k), 0}; }
  bool operator==(const PathStep&) const = default;
};
using FieldPath = std::vector<PathStep>;

// "replica[1].sync_interval", "env[\"FOO\"]": for messages and tests.
std::string to_string(const FieldPath& path);

struct FieldError {
  FieldPath path;       // the attribute the error is about (blocks: the block's path)
  std::string summary;  // short, e.g. "Invalid duration"
  std::string detail;   // what is wrong and what is expected, naming the value
};

struct Rendered {
  // "Kind/name" -> the object (e.g. "Deployment/blog", "ConfigMap/blog-replicator").
  std::map<std::string, nlohmann::json> manifests;
  // All objects as one multi-document YAML stream for `kubectl apply -f`, in apply order
  // (Secret, ConfigMap, Deployment, Service, CronJob), deterministic.
  std::string manifests_yaml;
  // The replicator config the ConfigMap holds (rendered by hs::config, parsed by the replicator).
  std::string replicator_config;
};

// Every problem in the spec (empty = valid). Never throws.
std::vector<FieldError> validate(const AppSpec& spec);

// Thrown by render() when given a spec validate() rejects; what() lists the errors.
class InvalidSpec : public std::invalid_argument {
 public:
  explicit InvalidSpec(std::vector<FieldError> errors);
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  std::vector<FieldError> errors_;
};

// Renders a valid spec; throws InvalidSpec otherwise.
Rendered render(const AppSpec& spec);

// Names of the objects, so the resource layer and tests need not rebuild them.
std::string deployment_name(const AppSpec& spec);  // <name>
std::string config_map_name(const AppSpec& spec);  // <name>-replicator
std::string secret_name(const AppSpec& spec);      // <name>-replicator-secrets
std::string cron_job_name(const AppSpec& spec);    // <name>-verify
std::string service_name(const AppSpec& spec);     // <name>

// Advice that does not stop rendering (e.g. a file replica without node_selector), each with its path.
std::vector<FieldError> warnings(const AppSpec& spec);

}  // namespace hs::render
