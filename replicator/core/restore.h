#pragma once
// Restore of a database from a Litestream v0.3 replica (replica.go Restore, CalcRestoreTarget,
// SnapshotIndexAt, walSegmentMap), made strict where v0.3.13 is lenient:
//  - every downloaded object's LZ4 checksums and every WAL frame's salt and checksum are verified,
//    segments of one index must be contiguous and end on a commit: a gap or a corrupt object is an
//    error, never a silently shorter database;
//  - SQLite must checkpoint exactly the frames we verified, and PRAGMA integrity_check must say ok;
//  - everything is written to temp files next to the output and renamed only at the end (after
//    fsync); on any failure every temp file is removed and nothing exists at the output path;
//  - a stale "<out>-wal", "<out>-shm" or "<out>-journal" (left by another database: the output
//    itself did not exist) is removed right before the rename, with a WARN event each, so SQLite
//    never replays it into the restored file; if one cannot be removed the restore fails.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/event_log.h"
#include "core/layout.h"
#include "core/pos.h"
#include "core/replica_client.h"

namespace hs::core {

// What restore asks SQLite to check before the rename (litestream 0.5's -integrity-check).
// Every mode first checks the header: "SQLite format 3", a valid page size, and the page count
// the header records equal to the file's size. Downloaded bytes are always verified (LZ4 and WAL
// checksums), whatever the mode.
enum class IntegrityCheck {
  full,   // PRAGMA integrity_check: every page, every index entry against its table
  quick,  // PRAGMA quick_check: every page and b-tree, without the index/table cross-check
  none,   // the header check only
};
// "full" | "quick" | "none"; parse throws std::invalid_argument on anything else.
const char* integrity_check_name(IntegrityCheck c);
IntegrityCheck parse_integrity_check(const std::string& s);

struct RestoreOptions {
  std::string output_path;             // required; must not exist yet
  std::string generation;              // empty: choose with calc_restore_target
  int64_t index = layout::kMaxIndex;   // restore up to this WAL index (inclusive); needs generation
  std::optional<TimePoint> timestamp;  // point in time; exclusive with index
  int parallelism = 8;                 // WAL segments downloaded at once (< 1 means 1); indexes
                                       // still apply one at a time, in order
  IntegrityCheck integrity = IntegrityCheck::full;
  EventLogFn log;  // optional; INFO steps, WARN for stale files removed;
                   // called from download threads too
  // "restore progress" (INFO) first after this long, then at this interval.
  std::chrono::milliseconds progress_after{2000};
  std::chrono::milliseconds progress_every{5000};
};

// A generation with its time bounds (min/max created_at over its snapshots and WAL segments).
struct GenerationBounds {
  std::string generation;
  TimePoint created_at;
  TimePoint updated_at;
  bool has_snapshot = false;  // WAL segments alone cannot be restored
};

// Time bounds of one generation; nullopt if it has no snapshots and no WAL segments.
std::optional<GenerationBounds> generation_bounds(ReplicaClient& client, const std::string& generation);

struct RestoreTarget {
  size_t client_index = 0;  // which of the clients passed in
  std::string generation;
  TimePoint updated_at;
  // Newer generations passed over because they have no snapshot yet (the replicator uploads a new
  // generation's WAL before its first snapshot): the caller says so.
  std::vector<std::string> without_snapshot;
};

// CalcRestoreTarget over several replicas (DB.CalcRestoreTarget): for each client, the generation
// (filtered by opt.generation if set) containing opt.timestamp (if set) with the latest
// updated_at; across clients the one with the latest updated_at wins (first client on ties).
// nullopt when nothing matches ("no matching backups found"). Client errors propagate.
std::optional<RestoreTarget> calc_restore_target(const std::vector<ReplicaClient*>& clients, const RestoreOptions& opt);

// One WARN per generation `target` passed over for lacking a snapshot (restore and verify).
void warn_passed_over(const RestoreTarget& target, const EventLogFn& log);

// Restores opt.generation (which must be set) from `client` into opt.output_path.
// Throws Error / CorruptError / NotFoundError with a message naming what failed.
void restore(ReplicaClient& client, const RestoreOptions& opt);

// Pure selection logic, exposed for tests and for `verify`:
// the snapshot to start from (SnapshotIndexByIndex when index < kMaxIndex, else SnapshotIndexAt).
// Throws NotFoundError if there is none.
int64_t pick_snapshot_index(const std::vector<SnapshotInfo>& snapshots, int64_t max_index,
                            const std::optional<TimePoint>& timestamp);

// The WAL segments to replay, grouped by index in (index, offset) order: stops at the first
// segment created after `timestamp` or past `max_index`; indexes below `min_index` are dropped.
// Throws CorruptError on a missing initial segment, out-of-order offsets or a missing index
// between min_index and the last selected index.
struct WalIndexPlan {
  int64_t index = 0;
  std::vector<WalSegmentInfo> segments;
};
std::vector<WalIndexPlan> plan_wal_indexes(const std::string& generation, const std::vector<WalSegmentInfo>& segments,
                                           int64_t min_index, int64_t max_index,
                                           const std::optional<TimePoint>& timestamp);

}  // namespace hs::core
