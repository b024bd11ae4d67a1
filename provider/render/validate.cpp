// validate(): every rule an AppSpec must pass before render(), each error with the attribute path.
// Checks run to the end (no early return) so terraform shows all problems at once.
#include <chrono>
#include <set>
#include <tuple>

#include "age/keys.h"
#include "config/config.h"
#include "config/duration.h"
#include "render/pod_parts.h"
#include "render/render.h"
#include "render/replicator_config.h"
#include "render/syntax.h"

namespace hs::render {
namespace {

namespace sx = hs::render::syntax;
constexpr int64_t kMaxNameLength = 45;  // room for "-verify" in a CronJob name (<= 52 characters)

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

class Checker {
 public:
  std::vector<FieldError> errors;

  void add(FieldPath path, std::string summary, std::string detail) {
    errors.push_back({std::move(path), std::move(summary), std::move(detail)});
  }
  // Adds an error when `why` (a syntax check's result) is non-empty.
  void check(const FieldPath& path, const std::string& summary, const std::string& why) {
    if (!why.empty()) add(path, summary, to_string(path) + ": " + why);
  }
  void required(const FieldPath& path, const std::string& value, const std::string& what) {
    if (value.empty()) add(path, "Missing required value", to_string(path) + " is required: " + what);
  }
  // The replicator expands $VAR and ${VAR} over its whole config text, so a '$' in a value that is
  // written into the config would silently change it.
  void no_dollar(const FieldPath& path, const std::string& value) {
    if (value.find('$') != std::string::npos)
      add(path, "Invalid character",
          to_string(path) + ": " + quoted(value) +
              " contains '$', which the replicator would expand as an environment "
              "variable when it loads its config");
  }
  void duration(const FieldPath& path, const std::string& value) {
    if (!value.empty()) check(path, "Invalid duration", sx::check_positive_duration(value));
  }
  void url(const FieldPath& path, const std::string& value) {
    // The URL is usually a secret: the detail names the attribute and the problem, not the value.
    if (!value.empty()) check(path, "Invalid URL", sx::check_http_url(value));
  }
};

FieldPath p(std::initializer_list<PathStep> steps) {
  return FieldPath(steps);
}
PathStep a(const char* name) {
  return PathStep::attr(name);
}

bool path_within(const std::string& path, const std::string& dir) {
  return path == dir ||
         (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && (dir == "/" || path[dir.size()] == '/'));
}

void check_dns_subdomain(const FieldPath& path, const std::string& value, Checker& c) {
  if (value.size() > 253) {
    c.add(path, "Invalid name", to_string(path) + ": longer than 253 characters");
    return;
  }
  size_t start = 0;
  while (true) {
    size_t dot = value.find('.', start);
    std::string label = value.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    auto why = sx::check_dns1123_label(label);
    if (!why.empty()) {
      c.add(path, "Invalid name",
            to_string(path) + ": " + quoted(value) + " is not a Kubernetes object name (" + why + ")");
      return;
    }
    if (dot == std::string::npos) return;
    start = dot + 1;
  }
}

// A key of a Secret: what `kubectl create secret` accepts.
void check_secret_key(const FieldPath& at, const std::string& key, Checker& c) {
  if (key.empty())
    c.required(at, key, "the key inside the Secret");
  else if (key.size() > 253 ||
           key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._") !=
               std::string::npos)
    c.add(at, "Invalid Secret key",
          to_string(at) + ": " + quoted(key) + " may contain only letters, digits, '-', '_' and '.'");
}

// A label key or annotation key: optional DNS-subdomain prefix + "/" + name (<= 63, alphanumeric at both
// ends, '-', '_', '.' inside).
std::string qualified_name_problem(const std::string& key) {
  std::string name = key;
  if (auto slash = key.find('/'); slash != std::string::npos) {
    std::string prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    Checker probe;
    check_dns_subdomain({}, prefix, probe);
    if (prefix.empty() || !probe.errors.empty()) return quoted(key) + " has an invalid prefix (a DNS subdomain)";
  }
  auto alnum = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0; };
  if (name.empty() || name.size() > 63 || !alnum(name.front()) || !alnum(name.back()))
    return quoted(key) + " must have a name of 1-63 characters starting and ending with a letter or digit";
  for (char ch : name)
    if (!alnum(ch) && ch != '-' && ch != '_' && ch != '.')
      return quoted(key) + " may contain only letters, digits, '-', '_' and '.' in its name";
  return "";
}

std::string label_value_problem(const std::string& v) {
  if (v.empty()) return "";
  auto alnum = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0; };
  if (v.size() > 63 || !alnum(v.front()) || !alnum(v.back()))
    return quoted(v) + " must be at most 63 characters, starting and ending with a letter or digit";
  for (char ch : v)
    if (!alnum(ch) && ch != '-' && ch != '_' && ch != '.')
      return quoted(v) + " may contain only letters, digits, '-', '_' and '.'";
  return "";
}

// A list of existing Secret (or ServiceAccount) names.
void check_names(const char* attr_name, const std::vector<std::string>& names, Checker& c) {
  std::set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    FieldPath at = p({a(attr_name), PathStep::at(int64_t(i))});
    check_dns_subdomain(at, names[i], c);
    if (!seen.insert(names[i]).second)
      c.add(at, "Duplicate name", to_string(at) + ": " + quoted(names[i]) + " is listed twice");
  }
}

void check_app_env(const AppSpec& s, Checker& c) {
  for (const auto& [k, v] : s.env)
    c.check(p({a("env"), PathStep::key(k)}), "Invalid environment variable name", sx::check_env_name(k));
  check_names("env_from_secrets", s.env_from_secrets, c);
  for (const auto& [k, ref] : s.secret_env) {
    FieldPath at = p({a("secret_env"), PathStep::key(k)});
    c.check(at, "Invalid environment variable name", sx::check_env_name(k));
    if (s.env.count(k))
      c.add(at, "Duplicate environment variable",
            to_string(at) + ": " + quoted(k) + " is also set in env; set it in one place");
    FieldPath secret = at, key = at;
    secret.push_back(a("secret"));
    key.push_back(a("key"));
    if (ref.secret.empty())
      c.required(secret, ref.secret, "the name of an existing Secret");
    else
      check_dns_subdomain(secret, ref.secret, c);
    check_secret_key(key, ref.key, c);
  }
}

// replica.age: recipients parse as age keys, the identity comes from a valid Secret key.
void check_age(const AppSpec& s, const AgeSpec& age, const FieldPath& block, Checker& c) {
  auto at = [&](const char* f) {
    FieldPath path = block;
    path.push_back(a(f));
    return path;
  };
  if (age.recipients.empty())
    c.add(at("recipients"), "Missing value",
          to_string(at("recipients")) + ": at least one age public key (age1...) is required to encrypt to");
  for (size_t j = 0; j < age.recipients.size(); ++j) {
    FieldPath key = at("recipients");
    key.push_back(PathStep::at(int64_t(j)));
    try {
      if (hs::age::parse_recipients_text(age.recipients[j]).size() != 1)
        c.add(key, "Invalid age recipient", to_string(key) + ": holds more than one key; give one key per entry");
    } catch (const hs::age::KeyError& e) {
      // A recipient is a public key: naming it helps find the typo.
      c.add(key, "Invalid age recipient", to_string(key) + ": " + quoted(age.recipients[j]) + ": " + e.what());
    }
  }
  if (age.identity_secret.empty())
    c.required(at("identity_secret"), age.identity_secret, "the name of an existing Secret holding the identity");
  else
    check_dns_subdomain(at("identity_secret"), age.identity_secret, c);
  if (!s.name.empty() && age.identity_secret == secret_name(s))
    c.add(at("identity_secret"), "Name conflict",
          to_string(at("identity_secret")) + ": " + quoted(age.identity_secret) +
              " is the name of the Secret this resource renders; use another name");
  check_secret_key(at("identity_key"), age.identity_key, c);
}

// A probe's or Service's port: a number 1-65535 or the name of one of `ports`.
void check_port_ref(const AppSpec& s, const FieldPath& at, const std::string& port, Checker& c) {
  if (port.find_first_not_of("0123456789") == std::string::npos) {
    if (port.size() > 5 || std::stol(port) < 1 || std::stol(port) > 65535)
      c.add(at, "Invalid port", to_string(at) + ": " + port + " is not in 1-65535");
    return;
  }
  for (const auto& p : s.ports)
    if (p.name == port) return;
  c.add(at, "Unknown port name",
        to_string(at) + ": " + quoted(port) + " is neither a number nor the name of one of ports");
}

void check_probe(const AppSpec& s, const char* which, const std::optional<ProbeSpec>& probe, Checker& c) {
  if (!probe) return;
  const ProbeSpec& pr = *probe;
  auto at = [&](const char* f) { return p({a(which), a(f)}); };
  const int kinds = !pr.http_path.empty() + !pr.tcp_port.empty() + !pr.exec.empty();
  if (kinds != 1)
    c.add(p({a(which)}), "Invalid probe",
          std::string(which) + ": set exactly one of http_path (with port), tcp_port, exec" +
              (kinds ? "; more than one is set" : ""));
  if (!pr.http_path.empty()) {
    if (pr.http_path.front() != '/' || pr.http_path.find_first_of(" \t\r\n") != std::string::npos)
      c.add(
          at("http_path"), "Invalid path",
          to_string(at("http_path")) + ": " + quoted(pr.http_path) + " must start with '/' and contain no whitespace");
    if (pr.port.empty())
      c.required(at("port"), pr.port, "the port http_path is served on (a number or a name from ports)");
  }
  if (!pr.port.empty()) {
    if (pr.http_path.empty())
      c.add(at("port"), "Invalid probe", to_string(at("port")) + " applies only with http_path (use tcp_port for TCP)");
    else
      check_port_ref(s, at("port"), pr.port, c);
  }
  if (!pr.tcp_port.empty()) check_port_ref(s, at("tcp_port"), pr.tcp_port, c);
  for (size_t i = 0; i < pr.exec.size(); ++i)
    if (i == 0 && pr.exec[0].empty())
      c.add(p({a(which), a("exec"), PathStep::at(0)}), "Invalid command",
            std::string(which) + ".exec[0]: must not be empty");
  for (auto [f, v, zero_ok] :
       {std::tuple<const char*, const std::string*, bool>{"initial_delay", &pr.initial_delay, true},
        {"period", &pr.period, false},
        {"timeout", &pr.timeout, false}}) {
    if (v->empty()) continue;
    std::string why;
    auto d = hs::config::parse_duration(*v, &why);
    if (!d) {
      c.add(at(f), "Invalid duration", to_string(at(f)) + ": " + why);
    } else if (*d % std::chrono::seconds(1) != std::chrono::nanoseconds(0) || *d < std::chrono::nanoseconds(0) ||
               (!zero_ok && *d == std::chrono::nanoseconds(0)) || *d > std::chrono::hours(24 * 365)) {
      c.add(at(f), "Invalid duration",
            to_string(at(f)) + ": " + quoted(*v) + " must be a whole number of seconds" +
                (zero_ok ? ", at least 0s" : ", at least 1s") + " (Kubernetes probes count in seconds)");
    }
  }
  if (pr.failure_threshold && (*pr.failure_threshold < 1 || *pr.failure_threshold > 1000000))
    c.add(at("failure_threshold"), "Invalid number",
          to_string(at("failure_threshold")) + ": " + std::to_string(*pr.failure_threshold) + " must be 1-1000000");
}

void check_service(const AppSpec& s, Checker& c) {
  if (!s.service) return;
  const ServiceSpec& svc = *s.service;
  FieldPath at = p({a("service"), a("type")});
  if (svc.type != "ClusterIP" && svc.type != "NodePort" && svc.type != "LoadBalancer")
    c.add(at, "Invalid service type",
          to_string(at) + ": " + quoted(svc.type) + " is not one of \"ClusterIP\", \"NodePort\", \"LoadBalancer\"");
  if (s.ports.empty())
    c.add(p({a("service")}), "Missing ports", "service: the Service exposes ports, and no ports are set");
  if (s.ports.size() > 1)
    for (size_t i = 0; i < s.ports.size(); ++i)
      if (s.ports[i].name.empty()) {
        FieldPath name = p({a("ports"), PathStep::at(int64_t(i)), a("name")});
        c.add(name, "Missing port name",
              to_string(name) + ": a Service with more than one port needs a name for each (service is set)");
      }
  for (const auto& [k, v] : svc.annotations)
    c.check(p({a("service"), a("annotations"), PathStep::key(k)}), "Invalid annotation key", qualified_name_problem(k));
}

void check_placement(const AppSpec& s, Checker& c) {
  check_names("image_pull_secrets", s.image_pull_secrets, c);
  for (const auto& [k, v] : s.node_selector) {
    FieldPath at = p({a("node_selector"), PathStep::key(k)});
    c.check(at, "Invalid label key", qualified_name_problem(k));
    c.check(at, "Invalid label value", label_value_problem(v));
  }
  for (size_t i = 0; i < s.tolerations.size(); ++i) {
    const TolerationSpec& t = s.tolerations[i];
    auto at = [&](const char* f) { return p({a("tolerations"), PathStep::at(int64_t(i)), a(f)}); };
    if (!t.key.empty()) c.check(at("key"), "Invalid taint key", qualified_name_problem(t.key));
    if (t.operator_ != "Equal" && t.operator_ != "Exists")
      c.add(at("operator"), "Invalid operator",
            to_string(at("operator")) + ": " + quoted(t.operator_) + " is not one of \"Equal\", \"Exists\"");
    if (t.operator_ == "Exists" && !t.value.empty())
      c.add(at("value"), "Invalid toleration", to_string(at("value")) + " must be unset with operator \"Exists\"");
    if (t.key.empty() && t.operator_ != "Exists")
      c.add(at("operator"), "Invalid toleration",
            to_string(at("operator")) + ": a toleration without key matches every taint and needs operator \"Exists\"");
    if (t.operator_ == "Equal") c.check(at("value"), "Invalid taint value", label_value_problem(t.value));
    if (!t.effect.empty() && t.effect != "NoSchedule" && t.effect != "PreferNoSchedule" && t.effect != "NoExecute")
      c.add(at("effect"), "Invalid effect",
            to_string(at("effect")) + ": " + quoted(t.effect) +
                " is not one of \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
    if (t.toleration_seconds && t.effect != "NoExecute")
      c.add(at("toleration_seconds"), "Invalid toleration",
            to_string(at("toleration_seconds")) + " applies only with effect \"NoExecute\"");
  }
  if (!s.service_account_name.empty()) check_dns_subdomain(p({a("service_account_name")}), s.service_account_name, c);
}

void check_ports(const AppSpec& s, Checker& c) {
  std::set<std::string> names;
  std::set<std::pair<int64_t, std::string>> numbers;
  for (size_t i = 0; i < s.ports.size(); ++i) {
    const PortSpec& port = s.ports[i];
    auto at = [&](const char* f) { return p({a("ports"), PathStep::at(int64_t(i)), a(f)}); };
    if (port.container_port < 1 || port.container_port > 65535)
      c.add(at("container_port"), "Invalid port",
            to_string(at("container_port")) + ": " + std::to_string(port.container_port) + " is not in 1-65535");
    if (!port.name.empty()) {
      c.check(at("name"), "Invalid port name", sx::check_port_name(port.name));
      if (!names.insert(port.name).second)
        c.add(at("name"), "Duplicate port name", to_string(at("name")) + ": " + quoted(port.name) + " is used twice");
      if (port.name == parts::kMetricsPortName && s.metrics_port)
        c.add(at("name"), "Reserved port name",
              to_string(at("name")) + ": \"metrics\" is the replicator's port name when metrics_port is set");
    }
    if (port.protocol != "TCP" && port.protocol != "UDP" && port.protocol != "SCTP")
      c.add(at("protocol"), "Invalid protocol",
            to_string(at("protocol")) + ": " + quoted(port.protocol) + " is not one of \"TCP\", \"UDP\", \"SCTP\"");
    if (!numbers.insert({port.container_port, port.protocol}).second)
      c.add(at("container_port"), "Duplicate port",
            to_string(at("container_port")) + ": " + std::to_string(port.container_port) + "/" + port.protocol +
                " is declared twice");
    if (s.metrics_port && port.container_port == *s.metrics_port && port.protocol == "TCP")
      c.add(at("container_port"), "Port conflict",
            to_string(at("container_port")) + ": " + std::to_string(port.container_port) +
                " is also metrics_port; the app and the replicator share the pod's network namespace");
  }
}

void check_resources(const AppSpec& s, Checker& c) {
  auto check_map = [&](const char* which, const std::map<std::string, std::string>& m) {
    for (const auto& [k, v] : m) {
      FieldPath path = p({a("resources"), a(which), PathStep::key(k)});
      if (k != "cpu" && k != "memory" && k != "ephemeral-storage")
        c.add(path, "Unknown resource",
              to_string(path) + ": " + quoted(k) + " is not one of \"cpu\", \"memory\", \"ephemeral-storage\"");
      else
        c.check(path, "Invalid quantity", sx::check_quantity(v));
    }
  };
  check_map("requests", s.resources.requests);
  check_map("limits", s.resources.limits);
}

void check_database_path(const AppSpec& s, Checker& c) {
  FieldPath path = p({a("database_path")});
  if (s.database_path.empty()) {
    c.required(path, s.database_path, "the absolute path of the SQLite file, e.g. \"/data/app.db\"");
    return;
  }
  auto why = sx::check_clean_absolute_path(s.database_path);
  c.check(path, "Invalid database path", why);
  if (!why.empty()) return;
  c.no_dollar(path, s.database_path);
  const std::string dir = parts::database_dir(s);
  if (dir == "/")
    c.add(path, "Invalid database path",
          to_string(path) + ": " + quoted(s.database_path) +
              " is directly under \"/\"; its directory becomes the shared volume, so use e.g. \"/data/app.db\"");
  else if (path_within(dir, "/tmp") || path_within(dir, parts::kConfigDir) || path_within(parts::kConfigDir, dir))
    c.add(path, "Invalid database path",
          to_string(path) + ": the directory " + quoted(dir) + " overlaps a replicator mount (\"/tmp\", \"" +
              parts::kConfigDir + "\")");
}

void check_replicas(const AppSpec& s, Checker& c) {
  if (s.replicas.empty()) {
    c.add(p({a("replica")}), "Missing replica",
          "at least one replica block is required: without a replica the database is not backed up");
    return;
  }
  std::map<std::string, size_t> names, targets;
  // Overlap with the database directory is only checked against a valid database_path.
  const std::string db_dir = parts::database_dir(s);
  const bool db_ok = sx::check_clean_absolute_path(s.database_path).empty() && db_dir != "/";
  for (size_t i = 0; i < s.replicas.size(); ++i) {
    const ReplicaSpec& r = s.replicas[i];
    auto at = [&](const char* f) { return p({a("replica"), PathStep::at(int64_t(i)), a(f)}); };
    FieldPath block = p({a("replica"), PathStep::at(int64_t(i))});
    for (auto [f, v] : {std::pair<const char*, const std::string*>{"name", &r.name},
                        {"endpoint", &r.endpoint},
                        {"bucket", &r.bucket},
                        {"path", &r.path},
                        {"region", &r.region}})
      c.no_dollar(at(f), *v);
    if (!r.name.empty())
      for (char ch : r.name)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') {
          c.add(at("name"), "Invalid replica name",
                to_string(at("name")) + ": " + quoted(r.name) + " may contain only letters, digits, '-', '_' and '.'");
          break;
        }
    if (r.type != "s3" && r.type != "file") {
      c.add(at("type"), "Invalid replica type",
            to_string(at("type")) + ": " +
                (r.type.empty() ? std::string("is required") : quoted(r.type) + " is not supported") +
                "; use \"s3\" or \"file\"");
    } else {
      const std::string name = r.name.empty() ? r.type : r.name;
      if (auto [it, fresh] = names.emplace(name, i); !fresh)
        c.add(at("name"), "Duplicate replica name",
              to_string(at("name")) + ": " + quoted(name) + " is also the name of replica[" +
                  std::to_string(it->second) + "]" +
                  (r.name.empty() ? " (an unnamed replica is named after its type)" : "") +
                  "; give each replica a distinct name");
    }
    std::string target;
    if (r.type == "s3") {
      c.required(at("bucket"), r.bucket, "s3 replicas need a bucket");
      if (r.bucket.find_first_of(":/ \t") != std::string::npos)
        c.add(at("bucket"), "Invalid bucket",
              to_string(at("bucket")) + ": " + quoted(r.bucket) + " is not a bucket name");
      c.url(at("endpoint"), r.endpoint);
      if (r.path.find("://") != std::string::npos)
        c.add(at("path"), "Invalid path",
              to_string(at("path")) + ": " + quoted(r.path) +
                  " is a URL; for s3 the path is a key prefix inside the bucket");
      std::string prefix = r.path;
      while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
      while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
      target = "s3 " + r.endpoint + " " + r.bucket + "/" + prefix;
      if (r.access_key_id_env.empty() != r.secret_access_key_env.empty())
        c.add(r.access_key_id_env.empty() ? at("access_key_id_env") : at("secret_access_key_env"), "Missing value",
              to_string(block) + ": set both access_key_id_env and secret_access_key_env, or neither");
      for (auto [f, v] : {std::pair<const char*, const std::string*>{"access_key_id_env", &r.access_key_id_env},
                          {"secret_access_key_env", &r.secret_access_key_env}}) {
        if (v->empty()) continue;
        c.check(at(f), "Invalid environment variable name", sx::check_env_name(*v));
        if (v->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
            std::string::npos)
          c.add(at(f), "Invalid environment variable name",
                to_string(at(f)) + ": " + quoted(*v) +
                    " may contain only letters, digits and '_' (it is referenced as ${" + *v + "})");
      }
      if (!r.access_key_id_env.empty() && s.credentials_secret.empty() && r.credentials_secret.empty())
        c.add(at("access_key_id_env"), "Missing credentials_secret",
              to_string(at("access_key_id_env")) + " names a variable of credentials_secret, which is not set");
      if (!r.credentials_secret.empty()) {
        check_dns_subdomain(at("credentials_secret"), r.credentials_secret, c);
        if (!s.name.empty() && r.credentials_secret == secret_name(s))
          c.add(at("credentials_secret"), "Name conflict",
                to_string(at("credentials_secret")) + ": " + quoted(r.credentials_secret) +
                    " is the name of the Secret this resource renders; use another name");
      }
    } else if (r.type == "file") {
      if (r.path.empty()) {
        c.required(at("path"), r.path, "file replicas need the absolute directory on the node");
      } else if (auto why = sx::check_clean_absolute_path(r.path); !why.empty()) {
        c.check(at("path"), "Invalid path", why);
      } else if (r.path == "/" || (db_ok && (path_within(r.path, db_dir) || path_within(db_dir, r.path))) ||
                 path_within(r.path, "/tmp") || path_within(r.path, parts::kConfigDir)) {
        c.add(at("path"), "Invalid path",
              to_string(at("path")) + ": " + quoted(r.path) +
                  " overlaps the database directory or a replicator mount; use a separate directory such as "
                  "\"/srv/backups/<app>\"");
      }
      for (auto [f, set] : {std::pair<const char*, bool>{"endpoint", !r.endpoint.empty()},
                            {"bucket", !r.bucket.empty()},
                            {"region", !r.region.empty()},
                            {"force_path_style", r.force_path_style},
                            {"skip_verify", r.skip_verify},
                            {"access_key_id_env", !r.access_key_id_env.empty()},
                            {"secret_access_key_env", !r.secret_access_key_env.empty()},
                            {"credentials_secret", !r.credentials_secret.empty()}})
        if (set)
          c.add(at(f), "Not valid for a file replica",
                to_string(at(f)) + " applies only to s3 replicas; this replica's type is \"file\"");
      target = "file " + r.path;
    }
    if (r.age) {
      FieldPath age_block = block;
      age_block.push_back(a("age"));
      check_age(s, *r.age, age_block, c);
    }
    if (!target.empty()) {
      if (auto [it, fresh] = targets.emplace(target, i); !fresh)
        c.add(block, "Duplicate replica",
              to_string(block) + " writes to the same place as replica[" + std::to_string(it->second) +
                  "]; two replicas of one database must not share a target");
    }
    c.duration(at("sync_interval"), r.sync_interval);
    c.duration(at("snapshot_interval"), r.snapshot_interval);
    c.duration(at("retention"), r.retention);
  }
}

void check_verify(const AppSpec& s, Checker& c) {
  if (!s.verify) return;
  const VerifySpec& v = *s.verify;
  auto at = [&](const char* f) { return p({a("verify"), a(f)}); };
  if (v.schedule.empty())
    c.required(at("schedule"), v.schedule, "a cron schedule such as \"30 3 * * *\" or \"@daily\"");
  else
    c.check(at("schedule"), "Invalid cron schedule", sx::check_cron(v.schedule));
  if (!v.time_zone.empty()) c.check(at("time_zone"), "Invalid time zone", sx::check_time_zone(v.time_zone));
  c.url(at("healthcheck_url"), v.healthcheck_url);
  c.duration(at("max_age"), v.max_age);
}

// alerts_secret: the Secret, its keys, and that each value has a block using it and is set only once.
void check_alerts_secret(const AppSpec& s, Checker& c) {
  if (!s.alerts_secret) return;
  const AlertsSecretSpec& as = *s.alerts_secret;
  auto at = [&](const char* f) { return p({a("alerts_secret"), a(f)}); };
  if (as.name.empty())
    c.required(at("name"), as.name, "the name of an existing Secret");
  else
    check_dns_subdomain(at("name"), as.name, c);
  if (!s.name.empty() && as.name == secret_name(s))
    c.add(at("name"), "Name conflict",
          "alerts_secret.name: " + quoted(as.name) +
              " is the name of the Secret this resource renders; use another name");
  const AlertsSpec none{};
  const AlertsSpec& al = s.alerts ? *s.alerts : none;
  struct Key {
    const char* name;
    const std::string* key;
    const std::string* attribute;  // the same value as an attribute, or nullptr
  };
  const std::string no_url;
  const Key keys[] = {{"healthcheck_url", &as.healthcheck_url, s.verify ? &s.verify->healthcheck_url : &no_url},
                      {"slack_webhook_url", &as.slack_webhook_url, &al.slack_webhook_url},
                      {"gotify_url", &as.gotify_url, &al.gotify_url},
                      {"gotify_token", &as.gotify_token, &al.gotify_token},
                      {"ntfy_url", &as.ntfy_url, &al.ntfy_url},
                      {"webhook_url", &as.webhook_url, &al.webhook_url}};
  bool any = false;
  for (const Key& k : keys) {
    if (k.key->empty()) continue;
    any = true;
    const bool healthcheck = std::string(k.name) == "healthcheck_url";
    const std::string block = healthcheck ? "verify" : "alerts";
    if (k.key->size() > 253 ||
        k.key->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._") !=
            std::string::npos)
      c.add(at(k.name), "Invalid Secret key",
            to_string(at(k.name)) + ": " + quoted(*k.key) + " may contain only letters, digits, '-', '_' and '.'");
    if (healthcheck ? !s.verify : !s.alerts)
      c.add(at(k.name), "Missing " + block + " block",
            to_string(at(k.name)) + " is used by the " + block + " block, which is not set");
    else if (!k.attribute->empty())
      c.add(at(k.name), "Conflicting values",
            to_string(at(k.name)) + ": " + block + "." + k.name + " is set too; set it in one place");
  }
  if (!any)
    c.add(
        p({a("alerts_secret")}), "No key",
        "alerts_secret: name at least one key (healthcheck_url, slack_webhook_url, gotify_url, ntfy_url, webhook_url)");
}

void check_alerts(const AppSpec& s, Checker& c) {
  if (!s.alerts) return;
  const AlertsSpec& al = *s.alerts;
  auto at = [&](const char* f) { return p({a("alerts"), a(f)}); };
  const AlertsSecretSpec from_secret = s.alerts_secret.value_or(AlertsSecretSpec{});
  auto set = [](const std::string& attribute, const std::string& key) { return !attribute.empty() || !key.empty(); };
  if (!set(al.slack_webhook_url, from_secret.slack_webhook_url) && !set(al.gotify_url, from_secret.gotify_url) &&
      !set(al.ntfy_url, from_secret.ntfy_url) && !set(al.webhook_url, from_secret.webhook_url))
    c.add(p({a("alerts")}), "No alert destination",
          "alerts: set at least one of slack_webhook_url, gotify_url, ntfy_url, webhook_url, here or as a key of "
          "alerts_secret (or remove the block)");
  c.url(at("slack_webhook_url"), al.slack_webhook_url);
  c.url(at("gotify_url"), al.gotify_url);
  c.url(at("ntfy_url"), al.ntfy_url);
  c.url(at("webhook_url"), al.webhook_url);
  const bool gotify_url = set(al.gotify_url, from_secret.gotify_url);
  const bool gotify_token = set(al.gotify_token, from_secret.gotify_token);
  if (gotify_url && !gotify_token)
    c.add(at("gotify_token"), "Missing gotify token",
          "alerts.gotify_token (or alerts_secret.gotify_token) is required when gotify_url is set");
  if (!gotify_url && gotify_token)
    c.add(at("gotify_url"), "Missing gotify URL",
          "alerts.gotify_url (or alerts_secret.gotify_url) is required when gotify_token is set");
  for (char ch : al.gotify_token)
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f || ch == '"' || ch == '\\') {
      // A quote or backslash would break the quoted YAML string the token is expanded into.
      c.add(at("gotify_token"), "Invalid token",
            "alerts.gotify_token contains whitespace, control characters, '\"' or '\\'");
      break;
    }
  if (al.rate < 1) c.add(at("rate"), "Invalid rate", "alerts.rate: must be at least 1, got " + std::to_string(al.rate));
  if (al.interval.empty())
    c.required(at("interval"), al.interval, "a Go duration such as \"2h\"");
  else
    c.duration(at("interval"), al.interval);
  if (al.window < 1)
    c.add(at("window"), "Invalid window", "alerts.window: must be at least 1, got " + std::to_string(al.window));
}

}  // namespace

std::vector<FieldError> validate(const AppSpec& s) {
  Checker c;
  if (s.name.empty())
    c.required(p({a("name")}), s.name, "a DNS-1123 label such as \"blog\"");
  else
    c.check(p({a("name")}), "Invalid name", sx::check_dns1123_label(s.name, kMaxNameLength));
  c.check(p({a("namespace")}), "Invalid namespace", sx::check_dns1123_label(s.namespace_));
  c.check(p({a("image")}), "Invalid image", sx::check_image(s.image));
  if (!s.replicator_image.empty())
    c.check(p({a("replicator_image")}), "Invalid image", sx::check_image(s.replicator_image));
  check_app_env(s, c);
  check_ports(s, c);
  check_resources(s, c);
  check_database_path(s, c);
  check_replicas(s, c);
  if (!s.credentials_secret.empty()) {
    check_dns_subdomain(p({a("credentials_secret")}), s.credentials_secret, c);
    if (!s.name.empty() && s.credentials_secret == secret_name(s))
      c.add(p({a("credentials_secret")}), "Name conflict",
            "credentials_secret: " + quoted(s.credentials_secret) +
                " is the name of the Secret this resource renders for alert and healthcheck URLs; use another name");
  }
  check_verify(s, c);
  check_alerts(s, c);
  check_alerts_secret(s, c);
  check_probe(s, "readiness_probe", s.readiness_probe, c);
  check_probe(s, "liveness_probe", s.liveness_probe, c);
  check_probe(s, "startup_probe", s.startup_probe, c);
  check_service(s, c);
  check_placement(s, c);
  if (s.metrics_port && (*s.metrics_port < 1 || *s.metrics_port > 65535))
    c.add(p({a("metrics_port")}), "Invalid port",
          "metrics_port: " + std::to_string(*s.metrics_port) + " is not in 1-65535");
  if (s.run_as_user < 1 || s.run_as_user > 2147483647)
    c.add(p({a("run_as_user")}), "Invalid user id",
          "run_as_user: " + std::to_string(s.run_as_user) + " must be 1-2147483647 (the pod runs as non-root)");
  if (s.fs_group < 0 || s.fs_group > 2147483647)
    c.add(p({a("fs_group")}), "Invalid group id", "fs_group: " + std::to_string(s.fs_group) + " must be 0-2147483647");

  // Last, the replicator's own rules on the config we would render (with the real secret values, as
  // the replicator sees them after env expansion): one model, no drift between the two validations.
  if (c.errors.empty()) {
    try {
      hs::config::validate(replicator_config(s, SecretValues::Inline));
    } catch (const hs::config::ConfigError& e) {
      c.add({}, "Invalid replicator configuration",
            std::string("the replicator would reject the rendered config: ") + e.what());
    }
  }
  return c.errors;
}

std::vector<FieldError> warnings(const AppSpec& s) {
  std::vector<FieldError> out;
  if (!s.node_selector.empty()) return out;
  for (size_t i = 0; i < s.replicas.size(); ++i)
    if (s.replicas[i].type == "file") {
      // At the replica's path: terraform shows that line (a path ending at a block shows only the resource).
      FieldPath at = p({a("replica"), PathStep::at(int64_t(i)), a("path")});
      out.push_back({at, "File replica without node_selector",
                     to_string(at) + " is a directory on one node (\"" + s.replicas[i].path +
                         "\"), but the pods may be scheduled on any node: set node_selector (e.g. { "
                         "\"kubernetes.io/hostname\" = \"<node>\" }) to the node that has it. The hostPath is "
                         "of type Directory, so elsewhere the pod fails to start instead of starting empty."});
      break;
    }
  return out;
}

}  // namespace hs::render
