// `wal`: litestream v0.3.13's wal command: replica, generation, index, offset, size, created.
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/listing.h"
#include "cli/run_command.h"
#include "cli/table.h"
#include "core/layout.h"
#include "gotext/time.h"

namespace hs::cli {
namespace {

void usage() {
  std::printf(R"(The wal command lists all wal segments available for a database.

Usage:

	homeserver-replicator wal [arguments] DB_PATH

	homeserver-replicator wal [arguments] REPLICA_URL

Arguments:

	-config PATH
	    Specifies the configuration file.
	    Defaults to %s

	-no-expand-env
	    Disables environment variable expansion in configuration file.

	-replica NAME
	    Optional, filter by a specific replica.

	-generation NAME
	    Optional, filter by a specific generation.

Examples:

	# List all WAL segments for a database.
	$ homeserver-replicator wal /path/to/db

	# List all WAL segments on S3 for a specific generation.
	$ homeserver-replicator wal -replica s3 -generation xxxxxxxx /path/to/db

	# List all WAL segments for replica URL.
	$ homeserver-replicator wal s3://mybkt/db

)",
              config::default_config_path().c_str());
}

int run(const std::vector<std::string>& args) {
  std::string config_path, replica, generation;
  bool no_expand_env = false;
  FlagSet fs(usage);
  fs.string_flag("config", &config_path);
  fs.bool_flag("no-expand-env", &no_expand_env);
  fs.string_flag("replica", &replica);
  fs.string_flag("generation", &generation);
  if (!fs.parse(args)) return 1;
  if (fs.args().empty() || fs.args()[0].empty()) throw CommandError("database path required");
  if (fs.args().size() > 1) throw CommandError("too many arguments");
  if (!generation.empty() && !core::layout::is_generation_name(generation))
    throw CommandError("invalid -generation \"" + generation + "\": want 16 lowercase hex digits");

  Target t = resolve_target(fs.args()[0], {config_path, !no_expand_env, replica, true});
  Table table;
  table.row({"replica", "generation", "index", "offset", "size", "created"});
  for (auto& r : t.replicas) {
    std::vector<std::string> generations;
    if (!generation.empty()) {
      generations = {generation};
    } else {
      try {
        generations = r.client->generations();
      } catch (const std::exception& e) {
        auto f = replica_fields(t, r);
        f.push_back({"error", e.what()});
        log::error("cannot determine generations", f);
        continue;
      }
    }
    for (const auto& g : generations) {
      try {
        for (const auto& w : r.client->wal_segments(g))
          table.row({r.name, w.generation, std::to_string(w.index), std::to_string(w.offset), std::to_string(w.size),
                     gotext::rfc3339(w.created_at)});
      } catch (const std::exception& e) {
        auto f = replica_fields(t, r);
        f.push_back({"error", e.what()});
        log::error("cannot fetch wal segments", f);
      }
    }
  }
  table.print(stdout);
  return 0;
}

Registration reg({"wal", "List available WAL files for a database",
                  [](const std::vector<std::string>& args) { return run_command([&] { return run(args); }); }});

}  // namespace
}  // namespace hs::cli
