// `snapshots`: litestream v0.3.13's snapshots command: replica, generation, index, size, created.
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/listing.h"
#include "cli/run_command.h"
#include "cli/table.h"
#include "gotext/time.h"

namespace hs::cli {
namespace {

void usage() {
  std::printf(R"(The snapshots command lists all snapshots available for a database or replica.

Usage:

	homeserver-replicator snapshots [arguments] DB_PATH

	homeserver-replicator snapshots [arguments] REPLICA_URL

Arguments:

	-config PATH
	    Specifies the configuration file.
	    Defaults to %s

	-no-expand-env
	    Disables environment variable expansion in configuration file.

	-replica NAME
	    Optional, filter by a specific replica.

Examples:

	# List all snapshots for a database.
	$ homeserver-replicator snapshots /path/to/db

	# List all snapshots on S3.
	$ homeserver-replicator snapshots -replica s3 /path/to/db

	# List all snapshots by replica URL.
	$ homeserver-replicator snapshots s3://mybkt/db

)",
              config::default_config_path().c_str());
}

int run(const std::vector<std::string>& args) {
  std::string config_path, replica;
  bool no_expand_env = false;
  FlagSet fs(usage);
  fs.string_flag("config", &config_path);
  fs.bool_flag("no-expand-env", &no_expand_env);
  fs.string_flag("replica", &replica);
  if (!fs.parse(args)) return 1;
  if (fs.args().empty() || fs.args()[0].empty()) throw CommandError("database path required");
  if (fs.args().size() > 1) throw CommandError("too many arguments");

  Target t = resolve_target(fs.args()[0], {config_path, !no_expand_env, replica, true});
  Table table;
  table.row({"replica", "generation", "index", "size", "created"});
  for (auto& r : t.replicas) {
    // Replica.Snapshots(): every generation's snapshots; one failure skips the replica.
    std::vector<core::SnapshotInfo> infos;
    try {
      for (const auto& g : r.client->generations()) {
        auto s = r.client->snapshots(g);
        infos.insert(infos.end(), s.begin(), s.end());
      }
    } catch (const std::exception& e) {
      log::error("cannot determine snapshots", {{"error", e.what()}});
      continue;
    }
    for (const auto& s : infos)
      table.row({r.name, s.generation, std::to_string(s.index), std::to_string(s.size), gotext::rfc3339(s.created_at)});
  }
  table.print(stdout);
  return 0;
}

Registration reg({"snapshots", "List available snapshots for a database",
                  [](const std::vector<std::string>& args) { return run_command([&] { return run(args); }); }});

}  // namespace
}  // namespace hs::cli
