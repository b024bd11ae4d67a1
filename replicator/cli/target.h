#pragma once
// What a command's DB_PATH|REPLICA_URL argument names, by litestream v0.3.13's rules: an
// argument matching ^\w+:// is a replica URL (and then -config is an error); anything else is a
// database path, expanded (~, absolute) and looked up in the config file given by -config,
// $LITESTREAM_CONFIG or /etc/litestream.yml.
#include <optional>
#include <string>
#include <vector>

#include "cli/replicas.h"
#include "config/config.h"

namespace hs::cli {

// Thrown for errors litestream reports as "failed to run" (bad arguments, missing config, ...).
struct CommandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// litestream's expand(): "~" and "~/x" to the home directory, then an absolute path.
std::string expand_path(const std::string& path);

// Reads the config file (`path` empty: the default lookup) and switches logging to its settings.
// Errors: "config file not found: <path>" or the config library's message naming the key.
config::Config load_config(std::string path, bool expand_env);

struct Target {
  bool url_mode = false;
  std::optional<config::Config> config;
  const config::DbConfig* db = nullptr;  // config mode: the database's entry
  std::string db_path;                   // config mode: its absolute path
  std::vector<NamedReplica> replicas;
};

struct TargetOptions {
  std::string config_path;  // -config
  bool expand_env = true;   // !-no-expand-env
  std::string replica;      // -replica: keep only this one (config mode)
  // generations/snapshots/wal fail on an unknown -replica; restore treats it as "no backups".
  bool unknown_replica_is_error = true;
};

Target resolve_target(const std::string& arg, const TargetOptions& opt);

}  // namespace hs::cli
