// Db: checkpoints (DB.checkpoint / execCheckpoint) and the stable view snapshots read through.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "core/db.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/wal.h"

namespace hs::core {

namespace {

bool read_wal_header(const std::string& path, uint8_t out[wal::kHeaderSize]) {
  fileio::Fd fd = fileio::open_file(path, O_RDONLY, 0, true);
  if (!fd) return false;
  return fileio::pread_full(fd.get(), out, wal::kHeaderSize, 0, path) == size_t(wal::kHeaderSize);
}

}  // namespace

Db::CheckpointResult Db::exec_checkpoint(sqlite3* c, CheckpointMode mode) {
  std::string sql = std::string("PRAGMA wal_checkpoint(") + checkpoint_mode_name(mode) + ");";
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(c, sql.c_str(), -1, &st, nullptr);
  CheckpointResult r;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      r.busy = sqlite3_column_int64(st, 0);
      r.log_frames = sqlite3_column_int64(st, 1);
      r.checkpointed = sqlite3_column_int64(st, 2);
      rc = SQLITE_OK;
    }
  }
  std::string err = rc == SQLITE_OK ? "" : sqlite3_errmsg(c);
  sqlite3_finalize(st);
  if (!err.empty()) throw Error(err);
  log_.debug("checkpoint", {{"mode", checkpoint_mode_name(mode)},
                            {"result", std::to_string(r.busy) + "," + std::to_string(r.log_frames) + "," +
                                           std::to_string(r.checkpointed)}});
  return r;
}

// Litestream copies the WAL, releases its read lock and checkpoints. A transaction committed in
// that gap can be backfilled and then overwritten by a WAL restart before it reaches the shadow
// WAL, and restores silently miss it. Holding the write lock across the checkpoint would close the
// gap but stalls the app for the whole checkpoint (its fsyncs included). So we keep the gap as
// short as litestream does and prove afterwards that nothing fell into it: once our read lock is
// back (no further restart can happen), copy again; if the WAL restarted meanwhile, the frames
// after our shadow's end must not have been overwritten by the new WAL, otherwise we cannot know
// what was there and start a new generation (a full snapshot: slow, never wrong).
void Db::checkpoint(CheckpointMode mode) {
  if (snapshotting_) return;  // a snapshot is reading the database file: not now
  std::string gen = current_generation();
  if (gen.empty()) return;
  int64_t index = current_shadow_index(gen).first;
  std::string shadow = shadow_wal_path(gen, index);

  uint8_t before[wal::kHeaderSize], now[wal::kHeaderSize];
  try {
    copy_to_shadow_wal(shadow);
  } catch (const std::exception& e) {
    throw Error(std::string("cannot copy to end of shadow wal before checkpoint: ") + e.what());
  }
  if (!read_wal_header(wal_path(), before)) throw Error("read wal header: " + wal_path() + ": EOF");
  release_read_lock();
  try {
    // RESTART and TRUNCATE want the whole WAL backfilled so it can restart; give the app's readers
    // up to busy_timeout to move on (SQLite's RESTART waits the same way, but holding the writers).
    auto deadline = std::chrono::steady_clock::now() + opt_.busy_timeout;
    for (;;) {
      CheckpointResult r = exec_checkpoint(read_conn_, CheckpointMode::passive);
      if (mode == CheckpointMode::passive || r.checkpointed >= r.log_frames ||
          std::chrono::steady_clock::now() >= deadline)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (...) {
    acquire_read_lock();
    throw;
  }
  acquire_read_lock();

  copy_to_shadow_wal(shadow);
  if (!read_wal_header(wal_path(), now)) throw Error("read wal header: " + wal_path() + ": EOF");
  if (std::memcmp(before, now, sizeof before) != 0) {
    wal::Header h = wal::parse_header(now, wal_path());
    int64_t end = wal::frame_align(fileio::file_size(shadow), page_size_);
    uint8_t fh[wal::kFrameHeaderSize];
    fileio::Fd fd = fileio::open_file(wal_path(), O_RDONLY);
    bool overwritten = fileio::pread_full(fd.get(), fh, sizeof fh, end, wal_path()) == sizeof fh &&
                       wal::parse_frame_header(fh).salt1 == h.salt1 && wal::parse_frame_header(fh).salt2 == h.salt2;
    if (overwritten) {
      lost_frames_reason_ = "wal restarted before all frames were copied";
      log_.warn("checkpoint: the wal restarted over frames we may not have copied, starting a new generation",
                {{"offset", end}});
      return;
    }
  }

  // A write right after a complete checkpoint makes SQLite restart the WAL from its start; for
  // TRUNCATE our restarting write also cuts the -wal file down (journal_size_limit on our
  // connection only). If the app holds the write lock its own next write restarts the WAL
  // instead; sync() notices either way.
  if (mode == CheckpointMode::truncate) exec(conn_, "PRAGMA journal_size_limit = 0;");
  try {
    bump_seq();
  } catch (const std::exception& e) {
    log_.debug("checkpoint: _litestream_seq write skipped", {{"error", e.what()}});
  }
  if (mode == CheckpointMode::truncate) exec(conn_, "PRAGMA journal_size_limit = -1;");

  uint8_t after[wal::kHeaderSize];
  if (!read_wal_header(wal_path(), after)) throw Error("read wal header: " + wal_path() + ": EOF");
  if (std::memcmp(before, after, sizeof before) == 0) return;
  // The WAL restarted. Everything of the old one is in the shadow; the new one starts the next
  // index (our read lock stops a second restart before we copy it).
  try {
    init_shadow_wal_file(shadow_wal_path(gen, index + 1));
  } catch (const std::exception& e) {
    throw Error(std::string("cannot init shadow wal file: ") + e.what());
  }
}

Db::SnapshotView::SnapshotView(Db& db) : db_(db) {
  if (!db.conn_) throw Error("no database available");
  db.snapshotting_ = true;
  try {
    db.exec(db.conn_, "PRAGMA wal_checkpoint(PASSIVE);");
    // A read transaction of its own so nobody checkpoints past it while the file is read.
    db.exec(db.conn_, "BEGIN;");
    db.exec(db.conn_, "SELECT COUNT(1) FROM _litestream_seq;");
    size_ = fileio::file_size(db.db_fd_, db.path());
  } catch (...) {
    sqlite3_exec(db.conn_, "ROLLBACK;", nullptr, nullptr, nullptr);
    db.snapshotting_ = false;
    throw;
  }
}

Db::SnapshotView::~SnapshotView() {
  sqlite3_exec(db_.conn_, "ROLLBACK;", nullptr, nullptr, nullptr);
  db_.snapshotting_ = false;
}

size_t Db::SnapshotView::read_at(void* buf, size_t n, int64_t offset) const {
  return fileio::pread_full(db_.db_fd_, buf, n, offset, db_.path());
}

}  // namespace hs::core
