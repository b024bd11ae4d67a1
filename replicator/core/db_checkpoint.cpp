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

// Litestream copies the WAL, releases its read lock and checkpoints; a transaction committed in
// between is backfilled and, once the WAL restarts, overwritten before it reached the shadow WAL
// (restores then miss it). We close that window: the write lock is held from the last copy until
// the read lock is back, so the checkpoint only ever covers frames that are already copied.
// RESTART and TRUNCATE wait (holding the write lock, as SQLite's own RESTART does) up to
// busy_timeout for the app's readers to let the whole WAL be backfilled; TRUNCATE then shrinks the
// -wal file through our own restarting write (journal_size_limit on our connection only).
void Db::checkpoint(CheckpointMode mode) {
  if (snapshotting_) return;  // a snapshot is reading the database file: not now
  std::string gen = current_generation();
  if (gen.empty()) return;
  int64_t index = current_shadow_index(gen).first;
  std::string shadow = shadow_wal_path(gen, index);

  // An app that writes back to back can keep the write lock from us for longer than busy_timeout;
  // then we checkpoint without it and check afterwards that nothing was lost (see below).
  bool locked = sqlite3_exec(conn_, "BEGIN IMMEDIATE;", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (!locked) log_.debug("checkpoint: write lock busy, checking for missed frames afterwards");
  uint8_t before[wal::kHeaderSize], after[wal::kHeaderSize];
  CheckpointResult result;
  try {
    try {
      copy_to_shadow_wal(shadow);
    } catch (const std::exception& e) {
      throw Error(std::string("cannot copy to end of shadow wal before checkpoint: ") + e.what());
    }
    if (!read_wal_header(wal_path(), before)) throw Error("read wal header: " + wal_path() + ": EOF");
    release_read_lock();
    auto deadline = std::chrono::steady_clock::now() + opt_.busy_timeout;
    for (;;) {
      result = exec_checkpoint(read_conn_, CheckpointMode::passive);
      if (mode == CheckpointMode::passive || result.checkpointed >= result.log_frames ||
          std::chrono::steady_clock::now() >= deadline)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    acquire_read_lock();
  } catch (...) {
    try {
      acquire_read_lock();
    } catch (...) {
    }
    if (locked) sqlite3_exec(conn_, "ROLLBACK;", nullptr, nullptr, nullptr);
    throw;
  }
  if (locked) {
    exec(conn_, "ROLLBACK;");
  } else {
    // Frames committed after our copy may be checkpointed already. They are still in the -wal
    // file unless a restart overwrote them: copy what is there (salts and checksums tell), then
    // every frame the checkpoint saw must be in the shadow, or that history is lost.
    copy_to_shadow_wal(shadow);
    int64_t shadow_frames =
        (wal::frame_align(fileio::file_size(shadow), page_size_) - wal::kHeaderSize) / wal::frame_size(page_size_);
    if (shadow_frames < result.log_frames) {
      lost_frames_reason_ = "wal restarted before all frames were copied";
      log_.warn("checkpoint: frames checkpointed before they were copied, starting a new generation",
                {{"copied", std::to_string(shadow_frames)}, {"checkpointed", std::to_string(result.log_frames)}});
      return;
    }
  }

  // A write right after a complete checkpoint makes SQLite restart the WAL from its start. If the
  // app holds the write lock, its own next write restarts it instead; sync() notices either way.
  if (mode == CheckpointMode::truncate) exec(conn_, "PRAGMA journal_size_limit = 0;");
  try {
    bump_seq();
  } catch (const std::exception& e) {
    log_.debug("checkpoint: _litestream_seq write skipped", {{"error", e.what()}});
  }
  if (mode == CheckpointMode::truncate) exec(conn_, "PRAGMA journal_size_limit = -1;");

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
