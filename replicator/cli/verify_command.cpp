// `verify`: proves the backups restore. For each configured database (or the one named), restore
// the replica with the newest data into a temp dir with the strict restore (every checksum
// verified), run PRAGMA integrity_check, report page count, size, the newest position and its
// age, and fail if that age exceeds max-age (replication silently stalled). Exit 0 only if every
// check passed. With a healthcheck URL, healthchecks.io gets /start before and /<exit status>
// after, with this command's log as the body; ping failures are logged, never change the result.
// With `alerts` configured, verify's WARN/ERROR lines are also sent to the alert sinks.
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>

#include "alert/alerter.h"
#include "alert/healthcheck.h"
#include "cli/command.h"
#include "cli/core_log.h"
#include "cli/flags.h"
#include "cli/log_options.h"
#include "cli/replicas.h"
#include "cli/target.h"
#include "config/config.h"
#include "core/restore.h"
#include "gotext/time.h"
#include "log/log.h"

namespace hs::cli {
namespace {

void usage() {
  std::printf(R"(The verify command restores the newest backup of each database into a temporary
directory and checks it.

Usage:

	homeserver-replicator verify [arguments] [DB_PATH]

Arguments:

	-config PATH
	    Specifies the configuration file.
	    Defaults to %s

	-no-expand-env
	    Disables environment variable expansion in configuration file.

	-healthcheck-url URL
	    healthchecks.io ping URL: /start is pinged before, /<exit status> after,
	    with the log as the body. Overrides the config key healthcheck-url.

	-max-age DURATION
	    Fail when the newest replicated position is older than this (e.g. 26h).
	    Overrides the config key max-age.

Checks, per database: the newest backup restores with every checksum verified, PRAGMA
integrity_check says ok, and (with max-age) the backup is recent enough.
Exit code 0 only if every check of every database passed.

)",
              config::default_config_path().c_str());
}

// Every log line goes to the configured stream and into `captured` (the healthcheck body).
struct CapturedLog {
  std::mutex mu;
  std::string text;
  void install(hs::log::Options o) {
    const bool to_stderr = o.to_stderr;
    o.writer = [this, to_stderr](std::string_view line) {
      {
        std::lock_guard<std::mutex> g(mu);
        text.append(line);
      }
      std::fwrite(line.data(), 1, line.size(), to_stderr ? stderr : stdout);
      std::fflush(to_stderr ? stderr : stdout);
    };
    hs::log::configure(o);
  }
  std::string get() {
    std::lock_guard<std::mutex> g(mu);
    return text;
  }
};

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/homeserver-verify-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temp dir for the restore: " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct DbFacts {
  int64_t page_count = 0, page_size = 0, file_size = 0;
};

DbFacts check_database(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open restored database: " + msg);
  }
  auto query = [&](const char* sql) {
    std::vector<std::string> rows;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      rows.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
    sqlite3_finalize(st);
    if (!err.empty()) throw std::runtime_error(std::string(sql) + ": " + err);
    return rows;
  };
  DbFacts f;
  try {
    auto integrity = query("PRAGMA integrity_check");
    if (integrity.size() != 1 || integrity[0] != "ok") {
      std::string joined;
      for (size_t i = 0; i < integrity.size() && i < 5; ++i) joined += (i ? "; " : "") + integrity[i];
      throw std::runtime_error("integrity_check failed: " + joined);
    }
    f.page_count = std::stoll(query("PRAGMA page_count").at(0));
    f.page_size = std::stoll(query("PRAGMA page_size").at(0));
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  sqlite3_close(db);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) f.file_size = st.st_size;
  return f;
}

// The newest replicated position of a generation: its last WAL segment, else its last snapshot.
std::optional<core::Pos> newest_pos(core::ReplicaClient& client, const std::string& generation) {
  auto wal = client.wal_segments(generation);
  if (!wal.empty()) return wal.back().pos();
  auto snaps = client.snapshots(generation);
  if (!snaps.empty()) return snaps.back().pos();
  return std::nullopt;
}

// Verifies one database; logs the outcome. Returns true when every check passed.
bool verify_db(const config::Config& cfg, const config::DbConfig& db, std::optional<config::Duration> max_age) {
  try {
    std::vector<NamedReplica> replicas = make_replicas(cfg, db);
    if (replicas.empty()) throw std::runtime_error("no replicas configured");
    std::vector<core::ReplicaClient*> clients;
    clients.reserve(replicas.size());
    for (auto& r : replicas) clients.push_back(r.client.get());
    core::RestoreOptions opt;
    opt.integrity = core::IntegrityCheck::none;  // check_database below runs the full check once
    auto target = core::calc_restore_target(clients, opt);
    if (!target) throw std::runtime_error("no backups found on any replica");
    NamedReplica& chosen = replicas[target->client_index];
    opt.generation = target->generation;

    TempDir tmp;
    opt.output_path = tmp.path() + "/" + std::filesystem::path(db.path).filename().string();
    const std::string replica_name = chosen.name;
    opt.log = core_logger({{"db", db.path}, {"replica", replica_name}}, /*info_as_debug=*/true);
    core::warn_passed_over(*target, opt.log);
    auto t0 = std::chrono::steady_clock::now();
    core::restore(*chosen.client, opt);
    const DbFacts facts = check_database(opt.output_path);
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    const auto pos = newest_pos(*chosen.client, target->generation);
    const auto age = std::chrono::duration_cast<std::chrono::nanoseconds>(core::Clock::now() - target->updated_at);

    std::vector<hs::log::Field> fields = {{"db", db.path},
                                          {"replica", chosen.name},
                                          {"generation", target->generation},
                                          {"position", pos ? pos->str() : std::string("none")},
                                          {"newest", gotext::rfc3339(target->updated_at)},
                                          {"age", age},
                                          {"page_count", facts.page_count},
                                          {"page_size", facts.page_size},
                                          {"size", facts.file_size},
                                          {"elapsed", elapsed}};
    if (max_age && age > *max_age) {
      fields.push_back({"max_age", *max_age});
      hs::log::error("verify failed: newest backup is older than max-age (replication stalled?)", fields);
      return false;
    }
    hs::log::info("verify ok", fields);
    return true;
  } catch (const std::exception& e) {
    hs::log::error("verify failed", {{"db", db.path}, {"error", e.what()}});
    return false;
  }
}

int run(const std::vector<std::string>& args) {
  std::string config_path, healthcheck_flag;
  bool no_expand_env = false;
  std::optional<config::Duration> max_age_flag;
  FlagSet fs(usage);
  fs.string_flag("config", &config_path);
  fs.bool_flag("no-expand-env", &no_expand_env);
  fs.string_flag("healthcheck-url", &healthcheck_flag);
  fs.value_flag("max-age", [&](const std::string& s) {
    std::string why;
    auto d = config::parse_duration(s, &why);
    if (!d) throw std::invalid_argument(why);
    if (d->count() <= 0) throw std::invalid_argument("must be greater than 0");
    max_age_flag = d;
  });
  try {
    if (!fs.parse(args)) return 1;
  } catch (const UsageError&) {
    return 1;
  }

  CapturedLog captured;
  captured.install(hs::log::Options{});
  std::optional<alert::HealthcheckPinger> pinger;
  auto set_pinger = [&](const std::string& url) {
    if (url.empty() || pinger) return;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
      throw CommandError("healthcheck url must start with http:// or https://");
    pinger.emplace(url);
    pinger->start();
  };

  int exit_code = 0;
  std::unique_ptr<alert::Alerter> alerter;  // verify's own WARN/ERROR lines go to the alert sinks too
  try {
    if (fs.args().size() > 1) throw CommandError("too many arguments");
    config::Config cfg = load_config(config_path, !no_expand_env);
    captured.install(log_options(cfg));
    alerter = alert::Alerter::from_config(cfg);
    if (alerter) alerter->start();
    set_pinger(!healthcheck_flag.empty() ? healthcheck_flag : cfg.healthcheck_url.value_or(""));
    const auto max_age = max_age_flag ? max_age_flag : cfg.max_age;

    std::vector<const config::DbConfig*> dbs;
    if (!fs.args().empty()) {
      const std::string path = expand_path(fs.args()[0]);
      for (const auto& db : cfg.dbs)
        if (db.path == path) dbs.push_back(&db);
      if (dbs.empty()) throw CommandError("database not found in config: " + path);
    } else {
      for (const auto& db : cfg.dbs) dbs.push_back(&db);
      if (dbs.empty()) throw CommandError("no databases specified in configuration");
    }
    int failed = 0;
    for (const auto* db : dbs)
      if (!verify_db(cfg, *db, max_age)) ++failed;
    if (failed) {
      hs::log::error("verify: some checks failed", {{"databases", int64_t(dbs.size())}, {"failed", failed}});
      exit_code = 1;
    } else {
      hs::log::info("verify: all checks passed", {{"databases", int64_t(dbs.size())}});
    }
  } catch (const std::exception& e) {
    hs::log::error("failed to run", {{"error", e.what()}});
    exit_code = 1;
    // A config that does not load still reaches healthchecks.io when the flag names the URL.
    try {
      set_pinger(healthcheck_flag);
    } catch (const std::exception& bad_url) {
      hs::log::error("failed to run", {{"error", bad_url.what()}});
    }
  }
  if (pinger) pinger->finish(exit_code, captured.get());
  if (alerter) alerter->stop();  // sends what is queued (bounded wait)
  return exit_code;
}

Registration reg({"verify", "Restores the newest backup of each database and checks it", run});

}  // namespace
}  // namespace hs::cli
