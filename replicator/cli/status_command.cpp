// `status` (an extension; litestream 0.3 has none, its users asked for one, #958): per database and
// replica the generation, positions, last successful sync and its age, lag, last error, last
// validation and its result, local shadow-WAL bytes and, with -remote, the replica's generations
// and size. Local facts come from the config and the meta directory; the runtime facts only the
// running replicator has come from its GET /status on `addr` (cli/status_board.h). When it cannot
// be reached, that is said first and the local state is printed anyway.
#include <httplib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/replicas.h"
#include "cli/run_command.h"
#include "cli/table.h"
#include "cli/target.h"
#include "core/layout.h"
#include "gotext/duration.h"
#include "gotext/time.h"

namespace hs::cli {
namespace {

using nlohmann::json;

void usage() {
  std::printf(R"(The status command shows the replication state of every database in the
configuration: generation, positions, last sync and its age, lag, last error,
last validation, local shadow-WAL bytes. Last sync, errors and validation come
from the running replicator (GET /status on the config's addr).

Usage:

	homeserver-replicator status [arguments] [DB_PATH]

Arguments:

	-config PATH
	    Specifies the configuration file.
	    Defaults to %s

	-no-expand-env
	    Disables environment variable expansion in configuration file.

	-json
	    Prints the status as one JSON document.

	-remote
	    Also lists each replica (generations, stored bytes); costs LIST requests.

)",
              config::default_config_path().c_str());
}

std::string read_trimmed(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// What the meta directory says: the current generation, the shadow position and its bytes.
json local_state(const config::DbConfig& db) {
  namespace fs = std::filesystem;
  std::string meta = config::meta_path(db);
  json j = {{"path", db.path}, {"meta_path", meta}};
  std::error_code ec;
  std::string gen = read_trimmed(meta + "/generation");
  j["generation"] = gen.empty() ? json(nullptr) : json(gen);
  int64_t bytes = 0;
  for (fs::recursive_directory_iterator it(meta + "/generations", ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) bytes += static_cast<int64_t>(it->file_size(ec));
  j["shadow_wal_bytes"] = bytes;
  j["position"] = nullptr;
  if (!gen.empty()) {
    std::string best;
    for (fs::directory_iterator it(meta + "/generations/" + gen + "/wal", ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.size() == 12 && name.ends_with(".wal") && name > best) best = name;
    }
    if (!best.empty()) {
      int64_t size = static_cast<int64_t>(fs::file_size(meta + "/generations/" + gen + "/wal/" + best, ec));
      j["position"] = gen + "/" + best.substr(0, 8) + ":" + std::to_string(ec ? 0 : size);
    }
  }
  j["db_exists"] = fs::exists(db.path, ec);
  return j;
}

// GET /status of the running replicator. nullopt and `why` set when it cannot be asked.
std::optional<json> ask_replicator(const std::string& addr, std::string& url, std::string& why) {
  auto colon = addr.rfind(':');
  std::string host = colon == std::string::npos ? addr : addr.substr(0, colon);
  std::string port_text = colon == std::string::npos ? "" : addr.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";  // it listens everywhere: ask locally
  if (host == "::") host = "::1";
  int port = 0;
  try {
    port = std::stoi(port_text);
  } catch (const std::exception&) {
    why = "addr \"" + addr + "\" has no valid port";
    return std::nullopt;
  }
  url = "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port) +
        "/status";
  httplib::Client c(host, port);
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(5, 0);
  auto res = c.Get("/status");
  if (!res) {
    why = "cannot connect: " + httplib::to_string(res.error());
    return std::nullopt;
  }
  if (res->status != 200) {
    why = "HTTP " + std::to_string(res->status) + " (a replicator without /status, or another server)";
    return std::nullopt;
  }
  try {
    return json::parse(res->body);
  } catch (const std::exception& e) {
    why = std::string("not JSON: ") + e.what();
    return std::nullopt;
  }
}

// -remote: the replica's generations and what it stores, from its listings.
json remote_state(const config::Config& cfg, const config::ReplicaConfig& rc, const std::string& generation) {
  json j;
  try {
    NamedReplica r = make_replica(cfg, rc);
    auto gens = r.client->generations();
    int64_t size = 0, snapshots = 0, segments = 0;
    json last_segment = nullptr;
    for (const auto& g : gens) {
      for (const auto& s : r.client->snapshots(g)) size += s.size, ++snapshots;
      for (const auto& w : r.client->wal_segments(g)) {
        size += w.size, ++segments;
        if (g == generation) last_segment = w.pos().str();
      }
    }
    j = {{"generations", gens},      {"size_bytes", size},           {"snapshots", snapshots},
         {"wal_segments", segments}, {"last_segment", last_segment}, {"error", nullptr}};
  } catch (const std::exception& e) {
    j = {{"error", e.what()}};
  }
  return j;
}

const json* find_by(const json& arr, const std::string& key, const std::string& value) {
  if (!arr.is_array()) return nullptr;
  for (const auto& e : arr)
    if (e.contains(key) && e[key].is_string() && e[key].get<std::string>() == value) return &e;
  return nullptr;
}

std::string text(const json& v, const std::string& none = "-") {
  if (v.is_null()) return none;
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string seconds(const json& v) {
  if (!v.is_number()) return "-";
  auto d = std::chrono::duration<double>(v.get<double>());
  return gotext::format_duration(std::chrono::duration_cast<std::chrono::seconds>(d));
}

int run(const std::vector<std::string>& args) {
  std::string config_path;
  bool no_expand_env = false, as_json = false, remote = false;
  FlagSet fs(usage);
  fs.string_flag("config", &config_path);
  fs.bool_flag("no-expand-env", &no_expand_env);
  fs.bool_flag("json", &as_json);
  fs.bool_flag("remote", &remote);
  if (!fs.parse(args)) return 1;
  if (fs.args().size() > 1) throw CommandError("too many arguments: status takes at most one DB_PATH");
  if (!fs.args().empty() && config::is_url(fs.args()[0]))
    throw CommandError("status reads a configuration: give a DB_PATH, not a replica URL");
  std::string only = fs.args().empty() ? "" : expand_path(fs.args()[0]);
  config::Config cfg = load_config(config_path, !no_expand_env);

  json replicator = {{"addr", cfg.addr ? json(*cfg.addr) : json(nullptr)}, {"reachable", false}};
  std::optional<json> runtime;
  if (cfg.addr && !cfg.addr->empty()) {
    std::string url, why;
    runtime = ask_replicator(*cfg.addr, url, why);
    replicator["url"] = url;
    replicator["reachable"] = runtime.has_value();
    if (runtime) {
      replicator["pid"] = (*runtime)["pid"];
    } else {
      replicator["error"] = why;
    }
  } else {
    replicator["error"] =
        "no addr in the configuration: last sync, errors and validation are only known to the "
        "running replicator (set addr to serve them)";
  }

  json dbs = json::array();
  bool found = false;
  for (const auto& db : cfg.dbs) {
    if (!only.empty() && db.path != only) continue;
    found = true;
    json d = local_state(db);
    const json* rd = runtime ? find_by((*runtime)["dbs"], "path", db.path) : nullptr;
    if (rd) {
      d["position"] = (*rd)["position"];  // the replicator's own view is the newest
      d["last_error"] = (*rd)["last_error"];
    }
    json replicas = json::array();
    for (const auto& rc : db.replicas) {
      std::string name = config::replica_name(rc);
      json r = {{"name", name}, {"type", config::resolve_replica(cfg, rc).type}};
      const json* rr = rd ? find_by((*rd)["replicas"], "name", name) : nullptr;
      for (const char* k :
           {"position", "last_sync", "last_sync_age_seconds", "lag_seconds", "last_error", "validation"})
        r[k] = rr && rr->contains(k) ? (*rr)[k] : json(nullptr);
      if (!rr && rc.validation_interval && rc.validation_interval->count() > 0)
        r["validation"] = {{"status", "unknown"}};
      if (remote)
        r["remote"] = remote_state(cfg, rc, d["generation"].is_string() ? d["generation"].get<std::string>() : "");
      replicas.push_back(std::move(r));
    }
    d["replicas"] = std::move(replicas);
    dbs.push_back(std::move(d));
  }
  if (!only.empty() && !found) throw CommandError("database not found in config: " + only);

  if (as_json) {
    std::printf("%s\n", json{{"replicator", replicator}, {"dbs", dbs}}.dump(2).c_str());
    return 0;
  }
  if (runtime) {
    std::printf("replicator: running (pid %s), %s\n", text(replicator["pid"]).c_str(), text(replicator["url"]).c_str());
  } else if (replicator.contains("url")) {
    std::printf("replicator: not reachable at %s (%s); local state only\n", text(replicator["url"]).c_str(),
                text(replicator["error"]).c_str());
  } else {
    std::printf("replicator: %s\n", text(replicator["error"]).c_str());
  }
  std::printf("\n");
  Table t;
  t.row({"db", "generation", "position", "shadow-wal-bytes", "last-error"});
  for (const auto& d : dbs)
    t.row({text(d["path"]), text(d["generation"]), text(d["position"]), text(d["shadow_wal_bytes"]),
           d.contains("last_error") && !d["last_error"].is_null()
               ? text(d["last_error"]["at"]) + " " + text(d["last_error"]["message"]) + ": " +
                     text(d["last_error"]["error"])
               : "-"});
  t.print(stdout);
  std::printf("\n");
  Table r;
  std::vector<std::string> head = {"db", "replica", "position", "last-sync", "age", "lag", "validation"};
  if (remote) head.insert(head.end(), {"generations", "replica-bytes"});
  head.push_back("last-error");
  r.row(head);
  for (const auto& d : dbs) {
    for (const auto& x : d["replicas"]) {
      std::string validation = "off";
      if (x["validation"].is_object()) {
        const json& v = x["validation"];
        validation = text(v["status"]);
        if (v.contains("at")) validation += " " + text(v["at"]);
      }
      std::vector<std::string> row = {text(d["path"]),
                                      text(x["name"]),
                                      text(x["position"]),
                                      text(x["last_sync"]),
                                      seconds(x["last_sync_age_seconds"]),
                                      seconds(x["lag_seconds"]),
                                      validation};
      if (remote) {
        const json& m = x["remote"];
        if (!m["error"].is_null()) {
          row.insert(row.end(), {"error", "-"});
        } else {
          row.insert(row.end(), {std::to_string(m["generations"].size()), text(m["size_bytes"])});
        }
      }
      std::string err = "-";
      if (x["last_error"].is_object())
        err = text(x["last_error"]["at"]) + " " + text(x["last_error"]["message"]) + ": " +
              text(x["last_error"]["error"]);
      if (remote && !x["remote"]["error"].is_null()) err = "remote: " + text(x["remote"]["error"]);
      row.push_back(err);
      r.row(row);
    }
  }
  r.print(stdout);
  return 0;
}

Registration reg({"status", "Shows replication state: positions, last sync, lag, errors, validation",
                  [](const std::vector<std::string>& args) { return run_command([&] { return run(args); }); }});

}  // namespace
}  // namespace hs::cli
