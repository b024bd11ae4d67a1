#pragma once
// Validator: validation-interval (litestream v0.3's Replica.Validate), without its write lock.
//
// Every interval, on a thread of its own at low CPU and I/O priority:
//  1. checksum_db_at(): a SnapshotView of the live database (a read transaction, never the write
//     lock; our checkpoints wait for it) gives the shadow position P taken in the same critical
//     section. The database at P is the file overlaid with the shadow WAL frames of P's index up to
//     P. A checkpoint may still copy frames past P into the file while it is read (SQLite's
//     nBackfill in -shm says how far): P then moves to the next shadow position at or past those
//     frames and the pages they touch are recomputed, so the result is exact for the final P. The
//     checksum is CRC-64/ISO (litestream 0.3's hash) over the CRC-64/ISO of each page 1..N, so
//     pages can be recomputed without keeping the database in memory (8 bytes per page).
//  2. It waits until the replica has uploaded through P.
//  3. checksum_replica_at(): the replica restored to exactly P (core/restore.h, through the
//     replica's own ReplicaClient, so the core never knows the backend) into a temp file in the
//     meta directory, hashed the same way, then removed.
//  4. A different checksum, or an object that cannot be read or does not verify, is an ERROR
//     ("validation failed"), counted in litestream_replica_validation_total{status="error"}; a
//     match is INFO "validation ok". Replication is never stopped.
// Races with the replica's own work (retention deleting an object mid-restore, a periodic snapshot
// rewriting the snapshot used, a checkpoint that moved the file past P) are never reported as
// failures: the objects are listed again and the round is "skipped" (INFO) and retried soon.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/db.h"
#include "core/event_log.h"
#include "core/pos.h"
#include "core/replica.h"
#include "core/replica_client.h"

namespace hs::core {

// CRC-64/ISO as Go's hash/crc64 with crc64.ISO computes it (init and final xor all ones); chain
// calls by passing the previous result. crc64_iso(0, "123456789", 9) == 0xb90956c775a41001.
uint64_t crc64_iso(uint64_t crc, const void* data, size_t n);

// A page checksum of a database at a position: CRC-64/ISO over the little-endian CRC-64/ISO of
// each page 1..pages, in order.
struct PageChecksum {
  Pos pos;
  int64_t pages = 0;
  int64_t page_size = 0;
  uint64_t crc = 0;
  int moves = 0;  // live side: times a checkpoint past pos moved pos forward while the file was read
  friend bool operator==(const PageChecksum&, const PageChecksum&) = default;
};

// The live database could not be checksummed at a stable position this time (a checkpoint or a
// new generation moved under us): retry later, nothing is wrong.
class ValidationSkipped : public Error {
 public:
  using Error::Error;
};

// Step 1 above. Throws ValidationSkipped (retry), Error (no database / generation).
PageChecksum checksum_db_at(Db& db);

// Step 3 above: restores `client`'s generation pos.generation to exactly `pos` from `snapshots`
// (listed before pos was captured, so none holds a later state) into `out_path` (must not exist;
// the caller removes it) and checksums it. Throws what restore throws for a bad or missing object;
// Error as soon as `*cancel` is set (optional).
PageChecksum checksum_replica_at(ReplicaClient& client, const Pos& pos, const std::vector<SnapshotInfo>& snapshots,
                                 const std::string& out_path, const EventLog& log,
                                 const std::atomic<bool>* cancel = nullptr);

// The same checksum of the file at `path` (whole pages of `page_size`; 0: from its header).
PageChecksum checksum_file(const std::string& path, int64_t page_size);

struct ValidationResult {
  enum class Status { none, ok, failed, skipped };
  Status status = Status::none;
  TimePoint at{};  // when the round ended
  Pos pos;
  uint64_t db_crc = 0, replica_crc = 0;
  int moves = 0;       // see PageChecksum::moves
  std::string detail;  // failed/skipped: why
  std::chrono::nanoseconds elapsed{0};
};
const char* validation_status_name(ValidationResult::Status s);  // "none" "ok" "failed" "skipped"

class Validator {
 public:
  // `temp_dir`: where the restored copy goes (the db's meta directory), created if missing.
  Validator(Db& db, Replica& replica, std::chrono::nanoseconds interval, std::string temp_dir);
  ~Validator();
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  // Starts the thread (first round one interval from now); stop() ends it, cancelling a wait for
  // the replica or a restore in progress (its next read fails; its temp files are removed).
  void start();
  void stop();

  // One round, on the calling thread (the thread's body; tests). Logs and counts its result.
  ValidationResult validate_once();
  // The last verdict (ok or failed); a skipped round only until there is one.
  ValidationResult last() const;
  std::chrono::nanoseconds interval() const { return interval_; }

  // How long a round waits for the replica to reach P: ten sync intervals, at least a minute.
  std::chrono::nanoseconds replica_wait() const;

 private:
  void loop();
  ValidationResult run_round();
  bool wait_for_replica(const Pos& p);  // false: stopped, timed out or another generation
  std::string temp_path() const;
  void remove_temps() const;

  Db& db_;
  Replica& replica_;
  std::chrono::nanoseconds interval_;
  std::string temp_dir_;
  EventLog log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};  // stop(): a restore in progress fails at its next read
  ValidationResult last_;
  std::thread thread_;
};

}  // namespace hs::core
