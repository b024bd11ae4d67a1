#include "resources/app_convert.h"

#include <functional>

namespace hs::provider {
namespace {

using hs::render::FieldPath;
using hs::render::PathStep;
using tfplugin::Value;

// Reads one object's attributes into C++ members; every step knows its path.
class Reader {
 public:
  Reader(const Value& object, FieldPath at, ConvertedSpec& out) : object_(object), at_(std::move(at)), out_(out) {}

  // The attribute's value when it is known and set; nullptr (and, if unknown, the path recorded) otherwise.
  const Value* get(const char* name) const {
    if (!object_.has(name)) return nullptr;
    const Value& v = object_[name];
    if (!v.is_known()) {
      out_.unknown.push_back(path(name));
      return nullptr;
    }
    return v.is_null() ? nullptr : &v;
  }

  FieldPath path(const char* name) const {
    FieldPath p = at_;
    p.push_back(PathStep::attr(name));
    return p;
  }

  void str(const char* name, std::string& out) const {
    if (const Value* v = get(name)) out = v->as_string();
  }
  void boolean(const char* name, bool& out) const {
    if (const Value* v = get(name)) out = v->as_bool();
  }
  void integer(const char* name, int64_t& out) const {
    std::optional<int64_t> n;
    integer(name, n);
    if (n) out = *n;
  }
  void integer(const char* name, std::optional<int64_t>& out) const {
    const Value* v = get(name);
    if (!v) return;
    const auto& n = v->as_number();
    if (!n.is_integer() || !n.fits_int64()) {
      out_.diagnostics.add_error("Invalid number",
                                 hs::render::to_string(path(name)) + ": " + n.to_string() + " is not a whole number",
                                 to_attribute_path(path(name)));
      return;
    }
    out = n.as_int64();
  }
  void strings(const char* name, std::vector<std::string>& out) const {
    const Value* v = get(name);
    if (!v) return;
    for (size_t i = 0; i < v->elements().size(); ++i) {
      const Value& e = v->elements()[i];
      FieldPath p = path(name);
      p.push_back(PathStep::at(static_cast<int64_t>(i)));
      if (!e.is_known())
        out_.unknown.push_back(p);
      else if (e.is_null())
        null_element(p);
      else
        out.push_back(e.as_string());
    }
  }
  void string_map(const char* name, std::map<std::string, std::string>& out) const {
    const Value* v = get(name);
    if (!v) return;
    for (const auto& [key, e] : v->entries()) {
      FieldPath p = path(name);
      p.push_back(PathStep::key(key));
      if (!e.is_known())
        out_.unknown.push_back(p);
      else if (e.is_null())
        null_element(p);
      else
        out[key] = e.as_string();
    }
  }
  // A list of objects (list blocks, list nested attributes): `read` fills one element.
  template <typename T>
  void objects(const char* name, std::vector<T>& out, const std::function<void(const Reader&, T&)>& read) const {
    const Value* v = get(name);
    if (!v) return;
    for (size_t i = 0; i < v->elements().size(); ++i) {
      FieldPath p = path(name);
      p.push_back(PathStep::at(static_cast<int64_t>(i)));
      const Value& e = v->elements()[i];
      if (!e.is_known()) {
        out_.unknown.push_back(p);
        continue;
      }
      T item;
      if (!e.is_null()) read(Reader(e, p, out_), item);
      out.push_back(std::move(item));
    }
  }
  // A single object (single blocks, single nested attributes); nullptr when absent or unknown.
  std::optional<Reader> object(const char* name) const {
    const Value* v = get(name);
    if (!v) return std::nullopt;
    return Reader(*v, path(name), out_);
  }

 private:
  void null_element(const FieldPath& p) const {
    out_.diagnostics.add_error("Invalid value", hs::render::to_string(p) + ": null is not allowed here",
                               to_attribute_path(p));
  }

  const Value& object_;
  FieldPath at_;
  ConvertedSpec& out_;
};

void read_replica(const Reader& r, hs::render::ReplicaSpec& s) {
  r.str("name", s.name);
  r.str("type", s.type);
  r.str("endpoint", s.endpoint);
  r.str("bucket", s.bucket);
  r.str("path", s.path);
  r.str("region", s.region);
  r.boolean("force_path_style", s.force_path_style);
  r.boolean("skip_verify", s.skip_verify);
  r.str("sync_interval", s.sync_interval);
  r.str("snapshot_interval", s.snapshot_interval);
  r.str("retention", s.retention);
  r.str("access_key_id_env", s.access_key_id_env);
  r.str("secret_access_key_env", s.secret_access_key_env);
}

void read_port(const Reader& r, hs::render::PortSpec& s) {
  r.str("name", s.name);
  r.integer("container_port", s.container_port);
  r.str("protocol", s.protocol);
}

}  // namespace

ConvertedSpec app_spec_from_value(const Value& object) {
  ConvertedSpec out;
  if (!object.is_known()) {
    out.unknown.push_back({});
    return out;
  }
  hs::render::AppSpec& s = out.spec;
  Reader r(object, {}, out);
  r.str("name", s.name);
  r.str("namespace", s.namespace_);
  r.str("image", s.image);
  r.strings("command", s.command);
  r.strings("args", s.args);
  r.string_map("env", s.env);
  r.objects<hs::render::PortSpec>("ports", s.ports, read_port);
  if (auto res = r.object("resources")) {
    res->string_map("requests", s.resources.requests);
    res->string_map("limits", s.resources.limits);
  }
  r.str("database_path", s.database_path);
  r.objects<hs::render::ReplicaSpec>("replica", s.replicas, read_replica);
  r.str("credentials_secret", s.credentials_secret);
  r.str("replicator_image", s.replicator_image);
  if (auto v = r.object("verify")) {
    s.verify.emplace();
    v->str("schedule", s.verify->schedule);
    v->str("time_zone", s.verify->time_zone);
    v->str("healthcheck_url", s.verify->healthcheck_url);
    v->str("max_age", s.verify->max_age);
  }
  if (auto a = r.object("alerts")) {
    s.alerts.emplace();
    a->str("slack_webhook_url", s.alerts->slack_webhook_url);
    a->str("gotify_url", s.alerts->gotify_url);
    a->str("gotify_token", s.alerts->gotify_token);
    a->str("ntfy_url", s.alerts->ntfy_url);
    a->str("webhook_url", s.alerts->webhook_url);
    a->integer("rate", s.alerts->rate);
    a->str("interval", s.alerts->interval);
    a->integer("window", s.alerts->window);
  }
  r.integer("metrics_port", s.metrics_port);
  r.boolean("native_sidecar", s.native_sidecar);
  r.integer("run_as_user", s.run_as_user);
  r.integer("fs_group", s.fs_group);
  return out;
}

tfplugin::AttributePath to_attribute_path(const hs::render::FieldPath& path) {
  tfplugin::AttributePath out;
  for (const auto& step : path) {
    switch (step.kind) {
      case PathStep::Kind::Attribute: out = out.attr(step.name); break;
      case PathStep::Kind::Index: out = out.index(step.index); break;
      case PathStep::Kind::Key: out = out.key(step.name); break;
    }
  }
  return out;
}

tfplugin::Diagnostics to_diagnostics(const std::vector<hs::render::FieldError>& errors) {
  tfplugin::Diagnostics d;
  for (const auto& e : errors) {
    std::optional<tfplugin::AttributePath> at;
    if (!e.path.empty()) at = to_attribute_path(e.path);
    d.add_error(e.summary, e.detail, at);
  }
  return d;
}

}  // namespace hs::provider
