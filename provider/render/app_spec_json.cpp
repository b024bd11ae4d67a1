#include "render/app_spec_json.h"

#include <functional>
#include <map>
#include <set>
#include <stdexcept>

namespace hs::render {
namespace {

using nlohmann::json;

// Walks one JSON object: each known key is read by its handler; leftovers are errors.
class Reader {
 public:
  Reader(const json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j.is_object()) fail(where_, "must be an object");
  }
  ~Reader() noexcept(false) {
    if (std::uncaught_exceptions()) return;
    for (const auto& [k, _] : j_.items())
      if (!seen_.count(k)) fail(key(k), "unknown attribute");
  }

  void str(const char* k, std::string& out) {
    if (auto v = get(k)) {
      if (!v->is_string()) fail(key(k), "must be a string");
      out = v->get<std::string>();
    }
  }
  void num(const char* k, int64_t& out) {
    if (auto v = get(k)) {
      if (!v->is_number_integer()) fail(key(k), "must be an integer");
      out = v->get<int64_t>();
    }
  }
  void num(const char* k, std::optional<int64_t>& out) {
    int64_t n = 0;
    if (get(k)) num(k, n), out = n;
  }
  void boolean(const char* k, bool& out) {
    if (auto v = get(k)) {
      if (!v->is_boolean()) fail(key(k), "must be a boolean");
      out = v->get<bool>();
    }
  }
  void strings(const char* k, std::vector<std::string>& out) {
    if (auto v = get(k)) {
      if (!v->is_array()) fail(key(k), "must be a list of strings");
      for (const auto& e : *v) {
        if (!e.is_string()) fail(key(k), "must be a list of strings");
        out.push_back(e.get<std::string>());
      }
    }
  }
  void string_map(const char* k, std::map<std::string, std::string>& out) {
    if (auto v = get(k)) {
      if (!v->is_object()) fail(key(k), "must be a map of strings");
      for (const auto& [mk, mv] : v->items()) {
        if (!mv.is_string()) fail(key(k) + "[\"" + mk + "\"]", "must be a string");
        out[mk] = mv.get<std::string>();
      }
    }
  }
  void object(const char* k, const std::function<void(Reader&)>& fn) {
    if (auto v = get(k)) {
      Reader r(*v, key(k));
      fn(r);
    }
  }
  void list(const char* k, const std::function<void(Reader&)>& fn) {
    if (auto v = get(k)) {
      if (!v->is_array()) fail(key(k), "must be a list");
      for (size_t i = 0; i < v->size(); ++i) {
        Reader r((*v)[i], key(k) + "[" + std::to_string(i) + "]");
        fn(r);
      }
    }
  }

 private:
  const json* get(const char* k) {
    seen_.insert(k);
    auto it = j_.find(k);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::string key(const std::string& k) const { return where_.empty() ? k : where_ + "." + k; }
  [[noreturn]] static void fail(const std::string& key, const std::string& what) {
    throw std::invalid_argument((key.empty() ? std::string("spec") : key) + ": " + what);
  }

  const json& j_;
  std::string where_;
  std::set<std::string> seen_;
};

}  // namespace

AppSpec app_spec_from_json(const json& j) {
  AppSpec s;
  Reader r(j, "");
  r.str("name", s.name);
  r.str("namespace", s.namespace_);
  r.str("image", s.image);
  r.strings("command", s.command);
  r.strings("args", s.args);
  r.string_map("env", s.env);
  r.list("ports", [&](Reader& pr) {
    PortSpec port;
    pr.str("name", port.name);
    pr.num("container_port", port.container_port);
    pr.str("protocol", port.protocol);
    s.ports.push_back(port);
  });
  r.object("resources", [&](Reader& rr) {
    rr.string_map("requests", s.resources.requests);
    rr.string_map("limits", s.resources.limits);
  });
  r.str("database_path", s.database_path);
  r.list("replica", [&](Reader& rr) {
    ReplicaSpec rep;
    rr.str("name", rep.name);
    rr.str("type", rep.type);
    rr.str("endpoint", rep.endpoint);
    rr.str("bucket", rep.bucket);
    rr.str("path", rep.path);
    rr.str("region", rep.region);
    rr.boolean("force_path_style", rep.force_path_style);
    rr.boolean("skip_verify", rep.skip_verify);
    rr.str("sync_interval", rep.sync_interval);
    rr.str("snapshot_interval", rep.snapshot_interval);
    rr.str("retention", rep.retention);
    rr.str("access_key_id_env", rep.access_key_id_env);
    rr.str("secret_access_key_env", rep.secret_access_key_env);
    s.replicas.push_back(rep);
  });
  r.str("credentials_secret", s.credentials_secret);
  r.str("replicator_image", s.replicator_image);
  r.object("verify", [&](Reader& vr) {
    VerifySpec v;
    vr.str("schedule", v.schedule);
    vr.str("time_zone", v.time_zone);
    vr.str("healthcheck_url", v.healthcheck_url);
    vr.str("max_age", v.max_age);
    s.verify = v;
  });
  r.object("alerts", [&](Reader& ar) {
    AlertsSpec al;
    ar.str("slack_webhook_url", al.slack_webhook_url);
    ar.str("gotify_url", al.gotify_url);
    ar.str("gotify_token", al.gotify_token);
    ar.str("ntfy_url", al.ntfy_url);
    ar.str("webhook_url", al.webhook_url);
    ar.num("rate", al.rate);
    ar.str("interval", al.interval);
    ar.num("window", al.window);
    s.alerts = al;
  });
  r.num("metrics_port", s.metrics_port);
  r.boolean("native_sidecar", s.native_sidecar);
  r.num("run_as_user", s.run_as_user);
  r.num("fs_group", s.fs_group);
  return s;
}

}  // namespace hs::render
