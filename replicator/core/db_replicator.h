#pragma once
// DbReplicator: one thread per database drives its Db and all of its replicas.
//
// Where litestream runs a monitor goroutine per database plus four per replica, each waking on its
// own ticker, this is one thread sleeping on one condition variable until the earliest deadline:
// the next shadow-WAL check (a stat of the WAL and database files; no reads while idle), a
// replica's next allowed sync (once per sync-interval, only when the shadow WAL changed or the last
// attempt failed), its snapshot interval, its retention check. Idle databases cost nothing, and an
// idle database never touches storage.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/db.h"
#include "core/event_log.h"
#include "core/replica.h"

namespace hs::core {

struct ReplicaSetup {
  std::unique_ptr<ReplicaClient> client;
  ReplicaOptions options;
};

// Counters a metrics registry can read (updated by the replication thread).
struct DbReplicatorStats {
  int64_t sync_count = 0;
  int64_t sync_error_count = 0;
  int64_t replica_sync_error_count = 0;
  int64_t segments_uploaded = 0;
};

class DbReplicator {
 public:
  // `monitor_interval`: how often the shadow WAL is brought up to date (0: only on final sync).
  DbReplicator(DbOptions db, std::chrono::nanoseconds monitor_interval, std::vector<ReplicaSetup> replicas,
               EventLogFn log);
  ~DbReplicator();

  Db& db() { return *db_; }
  std::vector<std::unique_ptr<Replica>>& replicas() { return replicas_; }

  // Starts the replication thread.
  void start();
  // Stops the thread, then syncs the database and every replica one last time (Close() in
  // litestream). Returns false, having logged why at ERROR, if the final sync failed.
  bool stop();

  // One pass of the loop, for tests and for the final sync: sync the Db, then every replica that
  // is due (or every replica with changes when `force`). Errors are logged; returns false on any.
  bool run_once(bool force);

  DbReplicatorStats stats() const;

 private:
  void loop();
  using Steady = std::chrono::steady_clock;
  struct ReplicaState {
    bool dirty = true;  // shadow WAL changed (or last sync failed) since the last upload
    Steady::time_point next_sync;
    Steady::time_point next_snapshot = Steady::time_point::max();
    Steady::time_point next_retention = Steady::time_point::max();
    bool snapshot_timer_set = false;
  };
  bool sync_db(bool force = false);
  void schedule_snapshot(size_t i);

  std::unique_ptr<Db> db_;
  std::chrono::nanoseconds monitor_interval_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<ReplicaState> state_;
  EventLog log_;
  Steady::time_point next_db_sync_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  DbReplicatorStats stats_;
};

}  // namespace hs::core
