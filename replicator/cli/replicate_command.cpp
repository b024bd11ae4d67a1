// `replicate`: continuous replication of every configured database (litestream v0.3.13's
// cmd/litestream/replicate.go): config or `DB_PATH REPLICA_URL...` form, `-exec` child, final sync
// of every replica on SIGINT/SIGTERM (exit 1 if it fails), litestream's startup/shutdown lines.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <homeserver/version.h>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "cli/core_log.h"
#include "cli/flags.h"
#include "cli/observability.h"
#include "cli/replicas.h"
#include "cli/replicate_exec.h"
#include "cli/status_board.h"
#include "config/config.h"
#include "core/db_replicator.h"
#include "core/event_log.h"
#include "log/log.h"
#include "metrics/http/server.h"
#include "metrics/metrics.h"

namespace hs::cli {
namespace {

void usage() {
  std::printf(
      "The replicate command starts a server to monitor & replicate databases.\n"
      "You can specify your database & replicas in a configuration file or you can\n"
      "replicate a single database file by specifying its path and its replicas in the\n"
      "command line arguments.\n\n"
      "Usage:\n\n"
      "\thomeserver-replicator replicate [arguments]\n\n"
      "\thomeserver-replicator replicate [arguments] DB_PATH REPLICA_URL [REPLICA_URL...]\n\n"
      "Arguments:\n\n"
      "\t-config PATH\n"
      "\t    Specifies the configuration file.\n"
      "\t    Defaults to %s\n\n"
      "\t-exec CMD\n"
      "\t    Executes a subcommand. Replication stops when the child\n"
      "\t    process exits. Useful for simple process management.\n\n"
      "\t-no-expand-env\n"
      "\t    Disables environment variable expansion in configuration file.\n\n",
      config::default_config_path().c_str());
}

// "~" and "~/x" become the home directory; the result is absolute (litestream's expand + Abs).
std::string absolute_db_path(std::string p) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (!home) throw std::runtime_error("cannot expand ~: HOME is not set");
    p = std::string(home) + p.substr(1);
  }
  return std::filesystem::absolute(p).lexically_normal().string();
}

// Replication events go to hs_log, whose WARN/ERROR hooks feed the alerter.
void emit(core::LogLevel level, const std::string& msg, const core::LogFields& fields) {
  log_core_event(level, msg, fields);
  record_status_event(level, msg, fields);  // `status`: each replica's last error
}

// Builds one database's replicator and logs litestream's "replicating to" lines for it.
std::unique_ptr<core::DbReplicator> make_replicator(const config::Config& cfg, const config::DbConfig& db) {
  core::DbOptions o;
  o.path = db.path;
  o.meta_path = config::meta_path(db);
  o.checkpoint_interval = config::checkpoint_interval(db);
  o.min_checkpoint_page_n = config::min_checkpoint_page_count(db);
  o.max_shadow_wal_bytes = config::max_shadow_wal_bytes(db);
  o.max_checkpoint_page_n = config::max_checkpoint_page_count(db);

  std::vector<core::ReplicaSetup> setups;
  std::vector<std::vector<hs::log::Field>> lines;
  for (const auto& rc : db.replicas) {
    config::ResolvedReplica r = config::resolve_replica(cfg, rc);
    core::ReplicaSetup s;
    std::vector<hs::log::Field> f{{"name", r.name}, {"type", r.type}, {"sync-interval", r.sync_interval}};
    check_age_for_replicate(cfg, rc);
    s.client = make_replica(cfg, rc).client;
    if (r.type == "s3") {
      f.insert(f.end(), {{"bucket", r.bucket}, {"path", r.path}, {"region", r.region}, {"endpoint", r.endpoint}});
    } else {
      f.push_back({"path", r.path});
    }
    s.options.name = r.name;
    s.options.sync_interval = r.sync_interval;
    s.options.snapshot_interval = r.snapshot_interval;
    s.options.retention = r.retention;
    s.options.retention_check_interval = r.retention_check_interval;
    s.validation_interval = r.validation_interval;
    s.options.lease.ttl = r.lease_ttl;
    setups.push_back(std::move(s));
    lines.push_back(std::move(f));
  }
  auto rep = std::make_unique<core::DbReplicator>(std::move(o), config::monitor_interval(db), std::move(setups), emit);
  hs::log::info("initialized db", {{"path", db.path}});
  for (const auto& f : lines) hs::log::info("replicating to", f);
  return rep;
}

// Stops every database's replicator in parallel under one deadline; false if any final sync failed.
bool stop_all(std::vector<std::unique_ptr<core::DbReplicator>>& replicators,
              std::chrono::steady_clock::time_point deadline) {
  std::vector<char> ok(replicators.size(), 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < replicators.size(); ++i)
    threads.emplace_back([&, i] { ok[i] = replicators[i]->stop(deadline) ? 1 : 0; });
  for (auto& t : threads) t.join();
  return std::all_of(ok.begin(), ok.end(), [](char v) { return v != 0; });
}

int run(const std::vector<std::string>& args) {
  std::string config_path, exec_cmd;
  bool no_expand_env = false;
  FlagSet fs(usage);
  fs.string_flag("config", &config_path);
  fs.bool_flag("no-expand-env", &no_expand_env);
  fs.string_flag("exec", &exec_cmd);
  try {
    if (!fs.parse(args)) return 1;
  } catch (const UsageError&) {
    return 1;
  }

  config::Config cfg;
  std::optional<Observability> observability;  // outlives the replicators: final errors are alerted
  std::vector<std::unique_ptr<core::DbReplicator>> replicators;
  metrics::Server metrics_server;
  pid_t child = -1;
  // The signals we wait for are blocked before any thread starts (alerter, replication, metrics),
  // so only sigwaitinfo below sees them: a SIGTERM taken by another thread would kill the process
  // without the final sync.
  sigset_t wait_set, old_mask;
  sigemptyset(&wait_set);
  sigaddset(&wait_set, SIGINT);
  sigaddset(&wait_set, SIGTERM);
  sigaddset(&wait_set, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &wait_set, &old_mask);
  try {
    const auto& pos = fs.args();
    if (pos.size() == 1) throw std::runtime_error("must specify at least one replica URL for " + pos[0]);
    if (pos.size() > 1) {
      if (!config_path.empty()) throw std::runtime_error("cannot specify a replica URL and the -config flag");
      config::DbConfig db;
      db.path = absolute_db_path(pos[0]);
      for (size_t i = 1; i < pos.size(); ++i) {
        config::ReplicaConfig r = config::parse_replica_url(pos[i]);
        r.sync_interval = config::kDefaultSyncInterval;
        db.replicas.push_back(std::move(r));
      }
      cfg.dbs.push_back(std::move(db));
    } else {
      if (config_path.empty()) config_path = config::default_config_path();
      cfg = config::load_file(config_path, {.expand_env = !no_expand_env});
    }
    if (!exec_cmd.empty()) cfg.exec = exec_cmd;
    // hs_log and the alerter are set up before the first line, so every line has the config's shape.
    observability.emplace(cfg, /*from_file=*/!config_path.empty());

    hs::log::info("litestream", {{"version", std::string("v") + homeserver::kVersion}});
    if (cfg.dbs.empty()) hs::log::error("no databases specified in configuration");
    for (const auto& db : cfg.dbs) replicators.push_back(make_replicator(cfg, db));
    for (auto& r : replicators) r->start();

    if (cfg.addr && !cfg.addr->empty()) {
      // litestream: an empty host means every interface, printed as localhost.
      const std::string& addr = *cfg.addr;
      auto colon = addr.rfind(':');
      if (colon == std::string::npos || colon + 1 == addr.size())
        throw std::runtime_error("must specify port for bind address: \"" + addr + "\"");
      std::string host = addr.substr(0, colon);
      if (host.empty()) host = "localhost";
      hs::log::info("serving metrics on", {{"url", "http://" + host + ":" + addr.substr(colon + 1) + "/metrics"}});
      if (cfg.healthz_max_lag) {
        auto bound = std::chrono::duration_cast<std::chrono::nanoseconds>(*cfg.healthz_max_lag);
        metrics_server.set_health_check([bound](std::string& why) {
          why = metrics::registry().lagging(bound);
          if (!why.empty()) why = "replica behind by more than healthz-max-lag: " + why;
          return why.empty();
        });
      }
      metrics_server.set_status([&replicators] { return runtime_status_json(replicators); });
      try {
        metrics_server.start(addr);
      } catch (const std::exception& e) {
        // As litestream: the metrics server failing does not stop replication.
        hs::log::error("cannot start metrics server", {{"error", e.what()}});
      }
    }

    if (cfg.exec && !cfg.exec->empty()) {
      std::vector<std::string> argv;
      try {
        argv = split_shell_words(*cfg.exec);
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error("cannot parse exec command: " + std::string(e.what()));
      }
      if (argv.empty()) throw std::runtime_error("cannot parse exec command: empty");
      child = start_child(argv, old_mask);
    }
  } catch (const std::exception& e) {
    stop_all(replicators,
             std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(config::shutdown_timeout(cfg)));
    // Without a config (not loaded yet, or invalid) hs_log is still litestream's default handler.
    hs::log::error("failed to run", {{"error", e.what()}});
    return 1;
  }

  // Wait for a signal or for the child to exit.
  std::string run_error;
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&wait_set, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      run_error = std::string("sigwaitinfo: ") + std::strerror(errno);
      break;
    }
    if (sig == SIGCHLD) {
      if (child < 0) continue;
      int status = 0;
      pid_t got = waitpid(child, &status, WNOHANG);
      if (got != child) continue;
      child = -1;
      hs::log::info("subprocess exited, litestream shutting down");
      run_error = describe_wait_status(status);
      break;
    }
    hs::log::info("signal received, litestream shutting down");
    if (child > 0) {
      hs::log::info("sending signal to exec process");
      if (::kill(child, sig) != 0) {
        run_error = std::string("cannot signal exec process: ") + std::strerror(errno);
      } else {
        hs::log::info("waiting for exec process to close");
        int status = 0;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        std::string d = describe_wait_status(status);
        if (!d.empty() && d.rfind("signal:", 0) != 0) run_error = "cannot wait for exec process: " + d;
      }
      child = -1;
    }
    break;
  }

  metrics_server.stop();
  // Graceful close: every committed transaction reaches every replica before we exit. All
  // databases close at once under one deadline (shutdown-timeout), so a silent S3 endpoint costs
  // the budget once, not once per database, and healthy replicas finish first.
  bool closed_ok = stop_all(
      replicators, std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(config::shutdown_timeout(cfg)));
  hs::log::info("litestream shut down");
  if (run_error.empty() && !closed_ok) run_error = "final sync failed";
  if (!run_error.empty()) {
    hs::log::error("failed to run", {{"error", run_error}});
    return 1;
  }
  return 0;
}

Registration reg({"replicate", "Runs a server to replicate databases", run});

}  // namespace
}  // namespace hs::cli
