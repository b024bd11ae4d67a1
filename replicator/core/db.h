#pragma once
// Db: one SQLite database being replicated, and its shadow WAL (litestream v0.3.13's DB).
//
// The live -wal file is copied, whole transactions at a time and with every frame's salts and
// checksum verified, into <meta>/generations/<gen>/wal/<index %08x>.wal. A held read transaction
// stops any other connection's checkpoint from backfilling (and so restarting the WAL over) frames
// that are not copied yet. When continuity with the shadow WAL is lost a new generation starts, with
// litestream's reason strings; a WAL restart after a checkpoint starts the next index. The on-disk
// layout and table names equal litestream's, so either tool can take over from the other.
//
// Thread-safe: the replication thread syncs and checkpoints while each replica's thread reads
// positions, shadow files and snapshot views. Every public method holds mutex() (recursive: they
// call each other); a caller that needs two calls to see one state holds it across them, e.g. a
// replica opening a shadow file and taking its size at a transaction boundary.
#include <sqlite3.h>
#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/event_log.h"
#include "core/file_io.h"
#include "core/pos.h"
#include "core/wal.h"
#include "core/wal_index.h"
#include "metrics/metrics.h"

namespace hs::core {

struct DbOptions {
  std::string path;       // the database file (absolute)
  std::string meta_path;  // empty: <dir>/.<file>-litestream
  std::chrono::milliseconds busy_timeout{1000};
  std::chrono::nanoseconds checkpoint_interval = std::chrono::minutes(1);  // 0 disables
  int64_t min_checkpoint_page_n = 1000;
  int64_t max_checkpoint_page_n = 10000;  // 0 disables RESTART checkpoints
  int64_t truncate_page_n = 500000;       // 0 disables TRUNCATE checkpoints
  // Shadow-WAL bytes kept for replicas that are behind, at most: past it a new generation starts
  // (the old one's files go; those replicas restart from a snapshot). 0 = no limit.
  int64_t max_shadow_wal_bytes = 0;
};

enum class CheckpointMode { passive, restart, truncate };
const char* checkpoint_mode_name(CheckpointMode m);  // "PASSIVE", "RESTART", "TRUNCATE"

class Db {
 public:
  Db(DbOptions opt, EventLog log);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  const std::string& path() const { return opt_.path; }
  std::string wal_path() const { return opt_.path + "-wal"; }
  std::string shm_path() const { return opt_.path + "-shm"; }
  // The -shm's WAL-index header and checkpoint info, read through the descriptor held since open()
  // (see wal_index.h: never through a fresh one). nullopt while closed.
  std::optional<wal::IndexHeader> index_header() const { return wal::read_index_header(shm_fd_, shm_path()); }
  std::optional<wal::CheckpointInfo> checkpoint_info() const { return wal::read_checkpoint_info(shm_fd_, shm_path()); }
  const std::string& meta_path() const { return meta_path_; }
  std::string generation_name_path() const { return meta_path_ + "/generation"; }
  std::string shadow_wal_dir(const std::string& generation) const;
  std::string shadow_wal_path(const std::string& generation, int64_t index) const;

  bool is_open() const {
    std::lock_guard lk(mu_);
    return conn_ != nullptr;
  }
  int64_t page_size() const {
    std::lock_guard lk(mu_);
    return page_size_;
  }
  std::recursive_mutex& mutex() const { return mu_; }

  // Attaches to the database (DB.init): WAL mode, litestream's tables, the held read transaction,
  // meta directory, header check of the last shadow WAL. Returns false if the database file does
  // not exist yet (nothing happens then). Throws on failure, leaving the Db closed.
  bool open();
  // Releases the read transaction and both connections. Safe to call twice.
  void close();

  // DB.Sync: copies new committed frames into the shadow WAL, starts generations and indexes,
  // checkpoints past the thresholds, removes old shadow files no replica needs
  // (`replica_positions`: where each replica is; a zero Pos keeps everything). Opens the database
  // first if needed. Returns true if the shadow WAL changed (replicas have something to do).
  // When nothing changed (same WAL-index header in -shm, same size and inode of the WAL and
  // database files) all work is skipped, unless `force` (the final sync at shutdown never skips).
  // A database file replaced at its path (another inode) is reopened before anything else, so a
  // new generation always snapshots the file that is at the path now.
  bool sync(const std::vector<Pos>& replica_positions, bool force = false);

  // Current generation from the meta directory's "generation" file; empty if none.
  std::string current_generation() const;
  // (generation, highest shadow index, frame-aligned size of that shadow file); zero if none.
  Pos pos() const;

  // Under the write lock: copies what is committed, releases the read transaction, checkpoints,
  // re-acquires the read transaction; then, if the WAL restarted, starts the next shadow index.
  void checkpoint(CheckpointMode mode);

  // The database exactly at a shadow position, for a snapshot: runs a PASSIVE checkpoint, then holds
  // a read transaction on a connection of its own, and blocks our checkpoints and any reopen until
  // destroyed. pos() is the shadow position, taken in the same critical section. read_at() reads
  // the database at pos(): the file (through the descriptor held since open(); closing any
  // descriptor of the file would drop SQLite's locks) with every page that has a frame in pos()'s
  // shadow index up to pos() taken from its last such frame. The file alone is the database as of
  // the last backfill, anywhere up to pos() (our read lock stops checkpoints there), and may take
  // more of those frames while it is read; with the frames over it, what is read is the database
  // at pos() whatever checkpoints do meanwhile. Needs no lock.
  class SnapshotView {
   public:
    explicit SnapshotView(Db& db);
    ~SnapshotView();
    SnapshotView(const SnapshotView&) = delete;
    SnapshotView& operator=(const SnapshotView&) = delete;
    int64_t size() const { return pages_ * page_size_; }  // of the database at pos()
    const Pos& pos() const { return pos_; }
    size_t read_at(void* buf, size_t n, int64_t offset) const;
    // Throws unless every checkpoint so far stayed at or below pos() in its WAL: a file with frames
    // past pos() backfilled mixes in page versions the frames over it cannot undo. Our read lock
    // rules it out; this proves it for what was read, before a snapshot is allowed to finish.
    void check_file_not_past_pos() const;

   private:
    Db& db_;
    sqlite3* conn_ = nullptr;
    int fd_ = -1;
    int64_t page_size_ = 0;
    int64_t pages_ = 0;  // database size at pos()
    Pos pos_;
    std::string shadow_path_;
    fileio::Fd shadow_;               // pos()'s shadow index, opened under the Db's lock (a cleanup may unlink it)
    uint32_t salt1_ = 0, salt2_ = 0;  // of that index's WAL (its header)
    std::vector<std::pair<uint32_t, int64_t>> frame_of_;  // page -> offset of its last frame <= pos(), by page
  };

 private:
  // A shadow WAL file's header through `fd`, checked and of the database's page size; throws.
  wal::Header read_shadow_header(int fd, const std::string& shadow_path) const;

  // What verify() learned about the real WAL vs. the shadow WAL.
  struct WalState {
    std::string generation;
    int64_t wal_size = 0;  // frame-aligned size of the real WAL
    std::string shadow_path;
    int64_t shadow_size = 0;
    bool restart = false;  // real WAL header differs: the WAL was restarted, start the next index
    std::string reason;    // non-empty: continuity lost, start a new generation
  };
  WalState verify();
  std::string create_generation();
  int64_t init_shadow_wal_file(const std::string& shadow_path);
  struct CopyResult {
    int64_t orig_wal_size = 0;  // frame-aligned size of the real WAL
    int64_t new_size = 0;       // shadow size after the copy (ends on a commit frame)
  };
  CopyResult copy_to_shadow_wal(const std::string& shadow_path);
  struct CheckpointResult {
    int64_t busy = 0, log_frames = 0, checkpointed = 0;
  };
  CheckpointResult exec_checkpoint(sqlite3* c, CheckpointMode mode);
  void acquire_read_lock();
  void release_read_lock();
  void exec(sqlite3* c, const char* sql);
  void bump_seq();
  void clean(const std::vector<Pos>& replica_positions);
  void truncate_to_last_commit(const std::string& shadow_path);
  // Highest shadow index of a generation and the total size of its shadow files; -1 if none.
  std::pair<int64_t, int64_t> current_shadow_index(const std::string& generation) const;
  std::string verify_headers_match();

  // True when the file at path() is not the one our descriptor holds (deleted or replaced).
  bool file_replaced() const;
  // Proof that a WAL restart lost no commit: every commit counted since `base` (the WAL-index
  // header taken while the shadow held every committed frame) is either in the shadow after the
  // base or in the new WAL. See db_checkpoint.cpp.
  bool restart_is_lossless(const wal::IndexHeader& base, const std::string& shadow_path);

  static int busy_retry(void* self, int attempt);
  bool table_exists(const std::string& name);

  mutable std::recursive_mutex mu_;
  DbOptions opt_;
  metrics::DbMetrics& metrics_;
  std::chrono::steady_clock::time_point busy_since_;
  EventLog log_;
  std::string meta_path_;
  sqlite3* conn_ = nullptr;       // writes, checkpoints, the write-lock dance
  sqlite3* read_conn_ = nullptr;  // holds the long-running read transaction
  bool read_locked_ = false;
  int views_ = 0;    // live SnapshotViews: checkpoints and reopening wait for them
  int db_fd_ = -1;   // long-lived descriptor of the database file
  int shm_fd_ = -1;  // long-lived descriptor of its -shm, for our reads of the WAL-index
  int64_t page_size_ = 0;
  mode_t file_mode_ = 0600;
  mode_t dir_mode_ = 0700;
  uid_t uid_ = 0;
  gid_t gid_ = 0;

  // Change detection: what the WAL and database looked like at the start of the last full sync.
  // mtime is deliberately not part of it: its granularity can hide a commit (see wal_index.h).
  struct FileStamp {
    int64_t size = -1;
    ino_t ino = 0;
    friend bool operator==(const FileStamp&, const FileStamp&) = default;
  };
  FileStamp last_wal_stamp_, last_db_stamp_;
  std::optional<wal::IndexHeader> last_index_;
  std::string last_generation_;
  int64_t last_shadow_size_ = 0;
  bool synced_once_ = false;
  // Set when a checkpoint could not prove every frame reached the shadow WAL: the next sync
  // starts a new generation with this reason (litestream has no such check).
  std::string lost_frames_reason_;
  // Set by a checkpoint that could not start the next shadow index yet (the WAL had not restarted,
  // or had been truncated and not rewritten): the base a later restart is proven lossless against.
  // Valid for the current shadow index only; cleared when another index or generation starts.
  std::optional<wal::IndexHeader> restart_base_;
  std::string restart_base_shadow_;
};

}  // namespace hs::core
