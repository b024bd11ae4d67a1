#pragma once
// A path to a value inside a resource's object: what a diagnostic points at (terraform underlines
// the matching config line) and what PlanResourceChange's requires_replace lists.

#include <cstdint>
#include <string>
#include <vector>

namespace tfplugin {

struct PathStep {
  enum class Kind { Attribute, ElementKeyString, ElementKeyInt };
  Kind kind = Kind::Attribute;
  std::string name;   // Attribute: the attribute or block type name; ElementKeyString: the map key
  int64_t index = 0;  // ElementKeyInt: list or tuple index

  bool operator==(const PathStep&) const = default;
};

class AttributePath {
 public:
  AttributePath() = default;
  explicit AttributePath(std::string attribute) {
    steps_.push_back({PathStep::Kind::Attribute, std::move(attribute), 0});
  }

  // Builders return an extended copy: AttributePath("replica").index(0).attr("url").
  AttributePath attr(std::string name) const;
  AttributePath key(std::string key) const;  // map element or map-nested block
  AttributePath index(int64_t i) const;      // list/tuple element or list-nested block
  // Sets have no path step in the protocol: paths into a set element stop at the set.

  const std::vector<PathStep>& steps() const { return steps_; }
  bool empty() const { return steps_.empty(); }

  // Terraform's style: replica[0].url, labels["app"], (empty path: "").
  std::string to_string() const;

  bool operator==(const AttributePath&) const = default;

 private:
  std::vector<PathStep> steps_;
};

}  // namespace tfplugin
