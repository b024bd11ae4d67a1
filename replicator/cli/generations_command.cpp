// `generations`: litestream v0.3.13's generations command: name, generation, lag, start, end.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/listing.h"
#include "cli/run_command.h"
#include "cli/table.h"
#include "core/restore.h"
#include "gotext/duration.h"
#include "gotext/time.h"

namespace hs::cli {
namespace {

void usage() {
  std::printf(R"(The generations command lists all generations for a database or replica. It also
lists stats about their lag behind the primary database and the time range they
cover.

Usage:

	homeserver-replicator generations [arguments] DB_PATH

	homeserver-replicator generations [arguments] REPLICA_URL

Arguments:

	-config PATH
	    Specifies the configuration file.
	    Defaults to %s

	-no-expand-env
	    Disables environment variable expansion in configuration file.

	-replica NAME
	    Optional, filters by replica.

)",
              config::default_config_path().c_str());
}

core::TimePoint mtime(const struct stat& st) {
  return core::TimePoint(std::chrono::duration_cast<core::Clock::duration>(
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

// DB.UpdatedAt(): the later of the database's and its WAL's mtimes.
core::TimePoint db_updated_at(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw CommandError("stat " + path + ": " + std::strerror(errno));
  core::TimePoint t = mtime(st);
  if (::stat((path + "-wal").c_str(), &st) == 0) t = std::max(t, mtime(st));
  return t;
}

// Go's truncateDuration in generations.go: coarser the longer the lag.
std::chrono::nanoseconds truncate_lag(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  auto trunc = [&](nanoseconds unit) { return nanoseconds(d.count() / unit.count() * unit.count()); };
  nanoseconds a = d < 0ns ? -d : d;
  bool neg = d < 0ns;
  // Go compares strictly on both sides (d > 10s, d < -10s).
  if (a > 10s) return trunc(1s);
  if (a > 1s) return trunc(100ms);
  if (a > 1ms) return trunc(1ms);
  if (a > 1us) return trunc(1us);
  (void)neg;
  return d;
}

int run(const std::vector<std::string>& args) {
  std::string config_path, replica;
  bool no_expand_env = false;
  FlagSet fs(usage);
  fs.string_flag("config", &config_path);
  fs.bool_flag("no-expand-env", &no_expand_env);
  fs.string_flag("replica", &replica);
  if (!fs.parse(args)) return 1;
  if (fs.args().empty() || fs.args()[0].empty()) throw CommandError("database path or replica URL required");
  if (fs.args().size() > 1) throw CommandError("too many arguments");

  Target t = resolve_target(fs.args()[0], {config_path, !no_expand_env, replica, true});
  core::TimePoint updated = t.url_mode ? core::Clock::now() : db_updated_at(t.db_path);

  Table table;
  table.row({"name", "generation", "lag", "start", "end"});
  for (auto& r : t.replicas) {
    std::vector<std::string> generations;
    try {
      generations = r.client->generations();
    } catch (const std::exception& e) {
      auto f = replica_fields(t, r);
      f.push_back({"error", e.what()});
      log::error("cannot list generations", f);
      continue;
    }
    for (const auto& g : generations) {
      std::optional<core::GenerationBounds> b;
      try {
        b = core::generation_bounds(*r.client, g);
      } catch (const std::exception& e) {
        auto f = replica_fields(t, r);
        f.push_back({"error", e.what()});
        log::error("cannot determine generation time bounds", f);
        continue;
      }
      if (!b) {
        // An empty generation has Go's zero time as bounds (UTC, 0001-01-01) and its lag saturates at
        // Go's largest Duration (time.Time.Sub). No system_clock time point reaches year 1: nanoseconds
        // since 1970 overflow int64 there, so these are written out instead of computed.
        const std::string zero = "0001-01-01T00:00:00Z";
        table.row({r.name, g, gotext::format_duration(truncate_lag(std::chrono::nanoseconds::max())), zero, zero});
        continue;
      }
      table.row({r.name, g,
                 gotext::format_duration(
                     truncate_lag(std::chrono::duration_cast<std::chrono::nanoseconds>(updated - b->updated_at))),
                 gotext::rfc3339(b->created_at), gotext::rfc3339(b->updated_at)});
    }
  }
  table.print(stdout);
  return 0;
}

Registration reg({"generations", "List available generations for a database",
                  [](const std::vector<std::string>& args) { return run_command([&] { return run(args); }); }});

}  // namespace
}  // namespace hs::cli
