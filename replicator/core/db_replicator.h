#pragma once
// DbReplicator: drives one database's Db and all of its replicas.
//
// One monitor thread brings the shadow WAL up to date every monitor-interval (a look at the -shm
// WAL-index header and two stats while idle; no reads) and watches the replicas. Each replica has a
// thread of its own that sleeps until its next allowed sync (once per sync-interval, only when the
// shadow WAL changed or the last attempt failed), snapshot or retention check. So a replica on a
// silent S3 endpoint never holds back the file replica next to it, and an idle database never
// touches storage.
//
// Shutdown (stop) has a deadline: the monitor thread stops, the shadow WAL gets a final, forced
// sync, then every replica uploads what it lacks, all at once. A replica still busy at the
// deadline is cancelled (its client's requests fail at once) and reported at ERROR.
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
#include "core/validator.h"

namespace hs::core {

struct ReplicaSetup {
  std::unique_ptr<ReplicaClient> client;
  ReplicaOptions options;
  std::chrono::nanoseconds validation_interval{0};  // validation-interval (core/validator.h); 0: off
};

// Counters a metrics registry can read.
struct DbReplicatorStats {
  int64_t sync_count = 0;
  int64_t sync_error_count = 0;
  int64_t replica_sync_error_count = 0;
  int64_t replica_stall_count = 0;  // syncs reported stalled by the watchdog
};

class DbReplicator {
 public:
  using Steady = std::chrono::steady_clock;

  // `monitor_interval`: how often the shadow WAL is brought up to date (0: only before uploads).
  DbReplicator(DbOptions db, std::chrono::nanoseconds monitor_interval, std::vector<ReplicaSetup> replicas,
               EventLogFn log);
  ~DbReplicator();

  Db& db() { return *db_; }
  std::vector<std::unique_ptr<Replica>>& replicas() { return replicas_; }
  // Replica i's validator; null when its validation-interval is 0.
  const Validator* validator(size_t i) const { return i < validators_.size() ? validators_[i].get() : nullptr; }

  // Starts the monitor thread and one thread per replica.
  void start();
  // Stops the threads, then syncs the database and every replica one last time (Close() in
  // litestream), the replicas in parallel. Replicas not done by `deadline` are cancelled. Returns
  // false, having logged why at ERROR, if any final sync failed or ran out of time.
  bool stop(Steady::time_point deadline = Steady::time_point::max());

  DbReplicatorStats stats() const;

  // A sync that moved no byte for this long is reported stalled (ERROR "replica sync stalled"):
  // ten sync intervals, at least 10 s. Slow transfers that move bytes are never stalled.
  static std::chrono::nanoseconds stall_after(const ReplicaOptions& o);

 private:
  struct ReplicaState {
    bool dirty = true;  // shadow WAL changed (or last sync failed) since the last upload
    Steady::time_point next_sync;
    Steady::time_point next_snapshot = Steady::time_point::max();
    Steady::time_point next_retention = Steady::time_point::max();
    bool snapshot_timer_set = false;
    // Watchdog: set while a step runs; progress as last seen and when it last moved.
    bool busy = false;
    int64_t seen_progress = 0;
    Steady::time_point progress_at;
    bool stall_reported = false;
    bool final_done = false;  // shutdown: this replica's final sync has finished...
    bool final_ok = false;    // ...and succeeded
    std::thread thread;
  };

  void monitor_loop();
  void replica_loop(size_t i);
  // One due step of replica i (sync, snapshot, retention); `force`: the final sync.
  bool replica_step(size_t i, bool force);
  void check_stalls(Steady::time_point now);
  bool sync_db(bool force = false);
  void schedule_snapshot(size_t i);
  void set_busy(size_t i, bool busy);

  std::unique_ptr<Db> db_;
  std::chrono::nanoseconds monitor_interval_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<std::unique_ptr<Validator>> validators_;  // one per replica, null if off; stopped first
  EventLog log_;

  mutable std::mutex mu_;  // guards everything below and the ReplicaStates (not the Db or replicas)
  std::condition_variable cv_;
  std::vector<ReplicaState> state_;
  Steady::time_point next_db_sync_;
  bool stopping_ = false;       // threads finish their current step and leave their loops
  bool final_sync_go_ = false;  // the final shadow sync is done: replicas upload what they lack
  bool abandon_ = false;        // destroyed without stop(): no final sync
  bool started_ = false;
  std::thread monitor_;
  DbReplicatorStats stats_;
};

}  // namespace hs::core
