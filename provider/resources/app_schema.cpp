#include "resources/app_schema.h"

#include <type_traits>

#include "render/app_spec.h"

namespace hs::provider {
namespace {

using hs::render::FieldOpts;
using tfplugin::attr;
using tfplugin::Attribute;
using tfplugin::Block;
using tfplugin::NestedBlock;
using tfplugin::NestingMode;
using tfplugin::Type;

Attribute opt_string(const char* name, std::string description) {
  return attr(name, Type::string()).optional_().description(std::move(description));
}

// Builds a Block from a struct's field table (render/app_spec.h): each field becomes an attribute, a nested
// attribute or a nested block, in table order.
class SchemaBuilder {
 public:
  explicit SchemaBuilder(Block& block) : block_(block) {}

  void field(const char* name, std::string&, std::string_view doc, FieldOpts o = {}) {
    add(name, Type::string(), doc, o);
  }
  void field(const char* name, bool&, std::string_view doc, FieldOpts o = {}) { add(name, Type::boolean(), doc, o); }
  void field(const char* name, int64_t&, std::string_view doc, FieldOpts o = {}) { add(name, Type::number(), doc, o); }
  void field(const char* name, std::optional<int64_t>&, std::string_view doc, FieldOpts o = {}) {
    add(name, Type::number(), doc, o);
  }
  void field(const char* name, std::vector<std::string>&, std::string_view doc, FieldOpts o = {}) {
    add(name, Type::list(Type::string()), doc, o);
  }
  void field(const char* name, std::map<std::string, std::string>&, std::string_view doc, FieldOpts o = {}) {
    add(name, Type::map(Type::string()), doc, o);
  }
  template <class T>
  void field(const char* name, std::vector<T>&, std::string_view doc, FieldOpts o = {}) {
    nested<T>(name, NestingMode::List, doc, o);
  }
  template <class T>
  void field(const char* name, std::map<std::string, T>&, std::string_view doc, FieldOpts o = {}) {
    nested<T>(name, NestingMode::Map, doc, o);
  }
  template <class T>
  void field(const char* name, std::optional<T>&, std::string_view doc, FieldOpts o = {}) {
    nested<T>(name, NestingMode::Single, doc, o);
  }
  template <class T>
  requires std::is_class_v<T>
  void field(const char* name, T&, std::string_view doc, FieldOpts o = {}) {
    nested<T>(name, NestingMode::Single, doc, o);
  }

 private:
  static Attribute flags(tfplugin::AttributeBuilder a, std::string_view doc, FieldOpts o) {
    if (o.required)
      a.required_();
    else
      a.optional_();
    if (o.sensitive) a.sensitive_();
    return a.description(std::string(doc));
  }
  void add(const char* name, Type type, std::string_view doc, FieldOpts o) {
    block_.attributes.push_back(flags(attr(name, std::move(type)), doc, o));
  }
  template <class T>
  void nested(const char* name, NestingMode nesting, std::string_view doc, FieldOpts o) {
    Block inner;
    T prototype{};
    SchemaBuilder sub(inner);
    prototype.fields(sub);
    if (o.block) {
      inner.description = std::string(doc);
      block_.block_types.push_back(NestedBlock{name, std::move(inner), nesting, o.min_items, 0});
    } else {
      block_.attributes.push_back(flags(tfplugin::nested_attr(name, nesting, std::move(inner.attributes)), doc, o));
    }
  }

  Block& block_;
};

// The inputs; `namespace_computed` makes namespace optional+computed (the resource plans its default).
Block inputs(bool namespace_computed) {
  Block b;
  hs::render::AppSpec prototype;
  SchemaBuilder builder(b);
  prototype.fields(builder);
  if (namespace_computed)
    for (auto& a : b.attributes)
      if (a.name == attr::kNamespace) a.computed = true;
  return b;
}

void add_computed(Block& b) {
  b.attributes.push_back(attr("id", Type::string()).computed_().description("`namespace/name`."));
  b.attributes.push_back(
      attr("manifests", Type::map(Type::string()))
          .computed_()
          .sensitive_()
          .description(
              "Every rendered Kubernetes object as JSON, keyed `Kind/name` (e.g. `Deployment/blog`). Sensitive: the "
              "Secret holds alert and healthcheck URLs."));
  b.attributes.push_back(
      attr("manifests_yaml", Type::string())
          .computed_()
          .sensitive_()
          .description(
              "All objects as one multi-document YAML stream for `kubectl apply -f -`. Sensitive, as `manifests`."));
  b.attributes.push_back(
      attr("replicator_config", Type::string())
          .computed_()
          .description("The replicator config the ConfigMap holds (secrets appear only as `${VAR}` references)."));
}

}  // namespace

tfplugin::Schema app_resource_schema() {
  Block b = inputs(true);
  b.description =
      "A self-hosted app that keeps its state in one SQLite file, rendered as Kubernetes objects: a Deployment "
      "(app, replicator sidecar, restore init container), the replicator ConfigMap, a verification CronJob and a "
      "Secret when needed. Nothing is sent to a cluster: apply the `manifests` with the kubernetes provider or "
      "`manifests_yaml` with kubectl. Import with `namespace/name`; the other arguments come from the "
      "configuration on the next apply.";
  add_computed(b);
  return {kAppSchemaVersion, b};
}

tfplugin::Schema app_data_source_schema() {
  Block b = inputs(false);
  b.description = "Renders the same objects as the `homeserver_sqlite_app` resource, without keeping state.";
  add_computed(b);
  return {0, b};
}

tfplugin::Schema provider_block_schema() {
  Block b;
  b.description = "Settings shared by every app of the configuration.";
  b.attributes = {
      opt_string("replicator_image", "Default replicator image of every app (an app's own `replicator_image` wins)."),
      opt_string("image_registry", "Registry prefix of the default replicator image, e.g. `registry.lan:5000/`."),
  };
  return {0, b};
}

}  // namespace hs::provider
