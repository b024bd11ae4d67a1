// `restore`: litestream v0.3.13's restore command (cmd/litestream/restore.go) on our strict
// restore (core/restore.h): same flags, messages and exit codes; a failed restore leaves nothing
// at or next to the output path.
#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "cli/command.h"
#include "log/log.h"
#include "cli/core_log.h"
#include "cli/flags.h"
#include "cli/observability.h"
#include "cli/run_command.h"
#include "cli/target.h"
#include "core/restore.h"
#include "gotext/time.h"

namespace hs::cli {
namespace {

void usage() {
  std::printf(R"(The restore command recovers a database from a previous snapshot and WAL.

Usage:

	homeserver-replicator restore [arguments] DB_PATH

	homeserver-replicator restore [arguments] REPLICA_URL

Arguments:

	-config PATH
	    Specifies the configuration file.
	    Defaults to %s

	-no-expand-env
	    Disables environment variable expansion in configuration file.

	-replica NAME
	    Restore from a specific replica.
	    Defaults to replica with latest data.

	-generation NAME
	    Restore from a specific generation.
	    Defaults to generation with latest data.

	-index NUM
	    Restore up to a specific hex-encoded WAL index (inclusive).
	    Defaults to use the highest available index.

	-timestamp TIMESTAMP
	    Restore to a specific point-in-time.
	    Defaults to use the latest available backup.

	-o PATH
	    Output path of the restored database.
	    Defaults to original DB path.

	-if-db-not-exists
	    Returns exit code of 0 if the database already exists.

	-if-replica-exists
	    Returns exit code of 0 if no backups found.

	-parallelism NUM
	    Determines the number of WAL files downloaded in parallel.
	    Defaults to 8.

	-integrity-check full|quick|none
	    What SQLite checks before the restored file is renamed into place: full
	    (PRAGMA integrity_check), quick (PRAGMA quick_check: every page and b-tree,
	    not the index/table cross-check) or none (the header's page count only).
	    Defaults to quick.

Everything downloaded is verified (LZ4 and WAL checksums, no gaps), the header's page count must
match the file, and the chosen integrity check must pass before the file is renamed into place;
on any failure nothing is left at or next to the output path and the exit code is 1.

Examples:

	# Restore latest replica for database to original location.
	$ homeserver-replicator restore /path/to/db

	# Restore replica for database to a given point in time.
	$ homeserver-replicator restore -timestamp 2020-01-01T00:00:00Z /path/to/db

	# Restore latest replica for database to new /tmp directory
	$ homeserver-replicator restore -o /tmp/db /path/to/db

	# Restore database from latest generation on S3.
	$ homeserver-replicator restore -replica s3 /path/to/db

	# Restore database from specific generation on S3.
	$ homeserver-replicator restore -replica s3 -generation xxxxxxxx /path/to/db

)",
              config::default_config_path().c_str());
}

bool path_exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

int run(const std::vector<std::string>& args) {
  std::string config_path, output, replica, generation, timestamp_text;
  bool no_expand_env = false, if_db_not_exists = false, if_replica_exists = false;
  int64_t index = core::layout::kMaxIndex;
  int parallelism = 8;
  FlagSet fs(usage);
  fs.string_flag("config", &config_path);
  fs.bool_flag("no-expand-env", &no_expand_env);
  fs.string_flag("o", &output);
  fs.string_flag("replica", &replica);
  fs.string_flag("generation", &generation);
  fs.value_flag("index", [&](const std::string& s) {
    // strconv.ParseInt(s, 16, 32): optional sign, hex digits (either case), fits in int32.
    size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    bool ok = i < s.size();
    for (size_t j = i; j < s.size(); j++) ok = ok && std::isxdigit(static_cast<unsigned char>(s[j]));
    long long v = ok && s.size() - i <= 9 ? std::stoll(s, nullptr, 16) : 0;
    if (!ok || s.size() - i > 9 || v > 0x7fffffffLL || v < -0x80000000LL)
      throw std::invalid_argument("invalid hexadecimal format");
    index = v;
  });
  fs.value_flag("parallelism", [&](const std::string& s) {
    long long v = parse_go_int(s);
    if (v > 1'000'000 || v < -1'000'000) throw std::invalid_argument("value out of range");
    parallelism = static_cast<int>(v);
  });
  fs.bool_flag("if-db-not-exists", &if_db_not_exists);
  fs.bool_flag("if-replica-exists", &if_replica_exists);
  fs.string_flag("timestamp", &timestamp_text);
  // quick by default: every page and b-tree is walked (a torn or misapplied page fails), without the
  // index-vs-table cross-check that only finds logical damage the source already had; `verify`,
  // the weekly proof, runs full (see the core_restore test that shows what quick misses).
  core::IntegrityCheck integrity = core::IntegrityCheck::quick;
  fs.value_flag("integrity-check", [&](const std::string& s) { integrity = core::parse_integrity_check(s); });
  if (!fs.parse(args)) return 1;
  if (fs.args().empty() || fs.args()[0].empty()) throw CommandError("database path or replica URL required");
  if (fs.args().size() > 1) throw CommandError("too many arguments");
  if (index < 0) throw CommandError("invalid -index " + std::to_string(index) + ": must not be negative");

  core::RestoreOptions opt;
  opt.integrity = integrity;
  opt.parallelism = parallelism;
  opt.generation = generation;
  opt.index = index;
  if (!timestamp_text.empty()) {
    core::TimePoint t;
    if (!gotext::parse_rfc3339(timestamp_text, t))
      throw CommandError("invalid -timestamp, must specify in ISO 8601\u00a0format (e.g. 2000-01-01T00:00:00Z)");
    opt.timestamp = t;
  }
  // Checked up front (litestream checks later, after listing the replicas): same message.
  if (opt.index != core::layout::kMaxIndex && opt.timestamp)
    throw CommandError("cannot specify index & timestamp to restore");
  if (!generation.empty() && !core::layout::is_generation_name(generation))
    throw CommandError("invalid -generation \"" + generation + "\": want 16 lowercase hex digits");

  const std::string& arg = fs.args()[0];
  bool url_mode = config::is_url(arg);
  if (url_mode && !config_path.empty()) throw CommandError("cannot specify a replica URL and the -config flag");
  if (url_mode && output.empty()) throw CommandError("output path required");
  // Config mode restores to the database's own path unless -o is given; the config must be read
  // first to know that path, but -if-db-not-exists must not need the replicas to be reachable.
  TargetOptions topt{config_path, !no_expand_env, replica, /*unknown_replica_is_error=*/false};
  std::optional<config::Config> cfg;
  std::string db_path;
  if (!url_mode) {
    cfg = load_config(config_path, !no_expand_env);
    alert_until_exit(*cfg);  // the init container's failures reach the alert sinks
    db_path = expand_path(arg);
    bool found = false;
    for (const auto& db : cfg->dbs) found = found || db.path == db_path;
    if (!found) throw CommandError("database not found in config: " + db_path);
    if (output.empty()) output = db_path;
  }
  opt.output_path = output;
  if (if_db_not_exists && path_exists(output)) {
    hs::log::info("database already exists, skipping");
    return 0;
  }
  Target target = resolve_target(arg, topt);

  std::vector<core::ReplicaClient*> clients;
  for (auto& r : target.replicas) clients.push_back(r.client.get());
  auto chosen = core::calc_restore_target(clients, opt);
  if (!chosen) {
    if (if_replica_exists) {
      hs::log::info("no matching backups found");
      return 0;
    }
    throw CommandError("no matching backups found");
  }
  opt.generation = chosen->generation;
  const NamedReplica& r = target.replicas[chosen->client_index];
  std::vector<hs::log::Field> base;
  if (!url_mode) base.push_back({"db", target.db_path});
  base.push_back({"replica", r.name});
  opt.log = core_logger(base);
  core::warn_passed_over(*chosen, opt.log);
  core::restore(*r.client, opt);
  return 0;
}

Registration reg({"restore", "Recovers database backup from a replica",
                  [](const std::vector<std::string>& args) { return run_command([&] { return run(args); }); }});

}  // namespace
}  // namespace hs::cli
