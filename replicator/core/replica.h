#pragma once
// Replica: ships one Db's shadow WAL to one ReplicaClient (litestream v0.3.13's Replica).
// Snapshots at generation start (the database file, LZ4-framed, streamed), one LZ4 WAL segment per
// sync with changes, position recovery from the replica itself after a restart or an error
// (calcPos), periodic snapshots and retention. Owned by a DbReplicator and driven by a thread of its
// own, so a slow or silent storage never holds back another replica of the same database.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/db.h"
#include "core/event_log.h"
#include "core/pos.h"
#include "core/replica_client.h"
#include "core/replica_lease.h"
#include "metrics/metrics.h"

namespace hs::core {

struct ReplicaOptions {
  std::string name;  // empty: the client type
  std::chrono::nanoseconds sync_interval = std::chrono::seconds(1);
  std::chrono::nanoseconds snapshot_interval{0};                // 0: only at generation start and from retention
  std::chrono::nanoseconds retention = std::chrono::hours(24);  // <= 0 disables retention
  std::chrono::nanoseconds retention_check_interval = std::chrono::hours(1);
  LeaseOptions lease;  // ttl 0: written without a lease (one writer per replica: replica_lease.h)
};

class Replica {
 public:
  Replica(Db& db, std::unique_ptr<ReplicaClient> client, ReplicaOptions opt, EventLog log);

  const std::string& name() const { return opt_.name; }
  const ReplicaOptions& options() const { return opt_; }
  ReplicaClient& client() { return *client_; }
  const EventLog& log() const { return log_; }
  metrics::ReplicaMetrics& metrics() { return *metrics_; }
  // Null when the replica has no lease (options().lease.ttl == 0).
  ReplicaLease* lease() { return lease_.get(); }
  // Clean shutdown, after the final sync: gives the lease up so the next replicator need not wait.
  void release_lease() {
    if (lease_) lease_->release();
  }

  // Where the replica is: the end of the last uploaded segment. Zero when unknown (start, error).
  // Safe to call from any thread (the Db's cleanup reads it while this replica uploads).
  Pos pos() const {
    std::lock_guard lk(pos_mu_);
    return pos_;
  }

  // Moves whenever this replica reads its source or its client moves bytes: a sync whose progress
  // stands still for long is stalled, not slow (DbReplicator's watchdog).
  int64_t progress() const { return source_bytes_.load(std::memory_order_relaxed) + client_->progress(); }

  // Replica.Sync: snapshot if the generation has none, recover the position if needed, then upload
  // the shadow WAL from the position to its end, one segment per index. Any error resets the
  // position (it is recomputed from the replica next time) and is rethrown; LeaseHeldError when
  // another replicator holds the replica's lease (nothing was written).
  void sync();

  // Streams the database at the current shadow position (LZ4) as the snapshot of its index, after
  // uploading the shadow WAL up to that position. A generation's first snapshot goes up before any
  // of its WAL (see first_snapshot).
  SnapshotInfo snapshot();

  // EnforceRetention: keeps snapshots newer than `retention` (taking one if none is), deletes
  // older snapshots, WAL segments below the oldest kept snapshot, and generations with none kept.
  void enforce_retention();

  // Newest snapshot (by index) of a generation; nullopt if none.
  std::optional<SnapshotInfo> max_snapshot(const std::string& generation);
  // calcPos: the end of the last segment (downloaded and decompressed to learn its length), or the
  // last snapshot's index at offset 0 if there are no segments.
  Pos calc_pos(const std::string& generation);

 private:
  // Uploads one segment from pos_; returns false when there is nothing left to upload.
  bool sync_wal();
  // Uploads segments until the position reaches `target` (in the Db's current generation).
  void upload_wal_through(const Pos& target);
  // The snapshot of a generation the replica holds nothing of, uploaded before its WAL; nullopt
  // (nothing written) when the Db has moved on to another generation.
  std::optional<SnapshotInfo> first_snapshot(const std::string& generation);
  // Streams the database at the view's position as the snapshot of that position.
  SnapshotInfo write_snapshot(const Db::SnapshotView& view);
  // A segment's decompressed length: where the next one starts.
  int64_t segment_length(const WalSegmentInfo& segment);
  void set_pos(Pos p) {
    std::lock_guard lk(pos_mu_);
    pos_ = std::move(p);
  }
  void sync_generation(const Pos& dpos);
  // Before every write to the replica: no request while the lease is fresh; throws LeaseHeldError.
  void ensure_lease();

  Db& db_;
  std::unique_ptr<ReplicaClient> client_;
  ReplicaOptions opt_;
  EventLog log_;
  metrics::ReplicaMetrics* metrics_;
  mutable std::mutex pos_mu_;
  Pos pos_;  // written by this replica's thread only
  std::atomic<int64_t> source_bytes_{0};
  std::unique_ptr<ReplicaLease> lease_;
};

}  // namespace hs::core
