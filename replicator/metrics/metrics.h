#pragma once
// Prometheus metrics of the replicator: litestream v0.3.13's names where they exist, plus ours.
//
// HOW TO USE (replication / storage code):
//   #include "metrics/metrics.h"
//   auto& dbm = hs::metrics::registry().db(db_path);           // once per db; reference stays valid
//   dbm.sync_count.inc();  dbm.sync_seconds.inc(elapsed_s);   dbm.db_size.set(bytes);
//   dbm.generation_changes.inc();                              // a new generation was started
//   auto& rm = hs::metrics::registry().replica(db_path, replica_name);
//   rm.mark_pending(now);                   // local WAL has data the replica does not have yet
//   rm.wal_bytes.inc(n);  rm.frames.inc(k); // after a WAL segment was written to the replica
//   rm.mark_synced(now);                    // sync succeeded and the replica is caught up
//   rm.sync_errors.inc();                   // a replica sync failed
//   rm.wal_index.set(i); rm.wal_offset.set(off);
//   hs::metrics::registry().operation("s3", "PUT").record(bytes);  // successful client call
//   rm.requests(metrics::RequestKind::kList).inc();  // every request sent to storage (each attempt)
// All updates are lock-free atomics, cheap enough for every frame. Registration (db(), replica(),
// operation()) takes a mutex: do it once and keep the reference.
//
// The registry depends on nothing; serving it is hs_metrics_http (metrics/http/server.h: /metrics, /healthz).
#include <atomic>
#include <chrono>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace hs::metrics {

class Counter {
 public:
  void inc(double v = 1) { v_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void inc(double v = 1) { v_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Per database (label db="<path>").
struct DbMetrics {
  Gauge db_size;             // litestream_db_size: bytes of the database file
  Gauge wal_size;            // litestream_wal_size: bytes of the real -wal file
  Counter total_wal_bytes;   // litestream_total_wal_bytes: bytes written to the shadow WAL
  Gauge shadow_wal_index;    // litestream_shadow_wal_index
  Gauge shadow_wal_size;     // litestream_shadow_wal_size
  Counter sync_count;        // litestream_sync_count
  Counter sync_error_count;  // litestream_sync_error_count
  Counter sync_seconds;      // litestream_sync_seconds
  // litestream_checkpoint_{count,error_count,seconds}{mode="PASSIVE"|"RESTART"|"TRUNCATE"}
  struct Checkpoint {
    Counter count, error_count, seconds;
  };
  Checkpoint& checkpoint(const std::string& mode);
  Counter generation_changes;      // hs_generation_changes_total: new generations started
  Counter shadow_wal_cap_reached;  // hs_shadow_wal_cap_reached_total: max-shadow-wal-bytes hit

 private:
  friend class Registry;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Checkpoint>> checkpoints_;
};

// What a storage request is billed as (S3): hs_replica_requests_total{kind="GET"|...}.
enum class RequestKind { kGet, kPut, kList, kDelete, kHead };
inline constexpr const char* kRequestKindNames[] = {"GET", "PUT", "LIST", "DELETE", "HEAD"};

// Per replica (labels db, name).
struct ReplicaMetrics {
  Counter wal_bytes;         // litestream_replica_wal_bytes: WAL bytes written to the replica
  Gauge wal_index;           // litestream_replica_wal_index
  Gauge wal_offset;          // litestream_replica_wal_offset
  Counter validation_ok;     // litestream_replica_validation_total{status="ok"}
  Counter validation_error;  // litestream_replica_validation_total{status="error"}
  Gauge validation_failing;  // hs_replica_validation_failing: 1 while the last validation failed (alert on it)
  Gauge validation_last;     // hs_replica_validation_last_timestamp_seconds: last ok/failed verdict (unix s)
  Counter frames;            // hs_replica_frames_total: WAL frames written to the replica
  Counter sync_errors;       // hs_replica_sync_errors_total
  Counter snapshots;         // hs_replica_snapshots_total: snapshots written
  Gauge lease_waiting;       // hs_replica_lease_waiting: 1 while another replicator holds the lease
  // hs_replica_requests_total{kind}: requests sent to the replica's storage, every attempt counted
  // (what a provider bills), so idle cost and retry storms show up.
  Counter& requests(RequestKind k) { return requests_[static_cast<size_t>(k)]; }
  const Counter& requests(RequestKind k) const { return requests_[static_cast<size_t>(k)]; }

  // Lag bookkeeping: hs_replica_lag_seconds = now - oldest unreplicated change (0 when caught up);
  // hs_replica_last_sync_timestamp_seconds = time of the last successful sync (unix seconds).
  void mark_pending(std::chrono::system_clock::time_point t);  // keeps the oldest pending time
  void mark_synced(std::chrono::system_clock::time_point t);
  double lag_seconds(std::chrono::system_clock::time_point now) const;
  double last_sync_seconds() const { return last_sync_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> pending_since_{0};  // unix seconds, 0 = nothing pending
  std::atomic<double> last_sync_{0};
  Counter requests_[std::size(kRequestKindNames)];
};

// Per storage client kind: litestream_replica_operation_{total,bytes}{replica_type, operation}.
struct OperationMetrics {
  Counter total, bytes;
  void record(double n_bytes = 0) {
    total.inc();
    bytes.inc(n_bytes);
  }
};

class Registry {
 public:
  DbMetrics& db(const std::string& path);
  ReplicaMetrics& replica(const std::string& db_path, const std::string& name);
  OperationMetrics& operation(const std::string& replica_type, const std::string& op);  // GET PUT LIST DELETE

  // Replicas whose oldest unreplicated change is older than `max_lag`, as one line for /healthz
  // ("db=/data/app.db replica=s3 lag=312s; ..."); empty when every replica is within it.
  std::string lagging(std::chrono::nanoseconds max_lag,
                      std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

  // Prometheus text exposition format 0.0.4 of everything registered plus process metrics.
  std::string render(std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;
  void clear();  // tests

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<DbMetrics>> dbs_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<ReplicaMetrics>> replicas_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<OperationMetrics>> operations_;
};

Registry& registry();

// Process metrics as the Prometheus process collector names them (from /proc/self).
struct ProcessStats {
  double cpu_seconds = 0;     // process_cpu_seconds_total (user + system)
  double resident_bytes = 0;  // process_resident_memory_bytes
  double virtual_bytes = 0;   // process_virtual_memory_bytes
  double start_time = 0;      // process_start_time_seconds (unix)
  double open_fds = 0;        // process_open_fds
};
ProcessStats read_process_stats();

}  // namespace hs::metrics
