// Db: checkpoints (DB.checkpoint / execCheckpoint) and the stable view snapshots read through.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

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

void Db::exec_checkpoint(CheckpointMode mode) {
  // Our own read transaction would stop the checkpoint at our read mark: let go of it for the
  // checkpoint only. Everything committed so far is already in the shadow WAL.
  release_read_lock();
  std::string sql = std::string("PRAGMA wal_checkpoint(") + checkpoint_mode_name(mode) + ");";
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(conn_, sql.c_str(), -1, &st, nullptr);
  std::string result;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      result = std::to_string(sqlite3_column_int64(st, 0)) + "," + std::to_string(sqlite3_column_int64(st, 1)) + "," +
               std::to_string(sqlite3_column_int64(st, 2));
      rc = SQLITE_OK;
    }
  }
  std::string err = rc == SQLITE_OK ? "" : sqlite3_errmsg(conn_);
  sqlite3_finalize(st);
  acquire_read_lock();
  if (!err.empty()) throw Error(err);
  log_.debug("checkpoint", {{"mode", checkpoint_mode_name(mode)}, {"result", result}});
}

void Db::checkpoint(CheckpointMode mode) {
  if (snapshotting_) return;  // a snapshot is reading the database file: not now
  std::string gen = current_generation();
  if (gen.empty()) return;
  int64_t index = current_shadow_index(gen).first;
  std::string shadow = shadow_wal_path(gen, index);

  uint8_t before[wal::kHeaderSize], after[wal::kHeaderSize];
  if (!read_wal_header(wal_path(), before)) throw Error("read wal header: " + wal_path() + ": EOF");
  try {
    copy_to_shadow_wal(shadow);
  } catch (const std::exception& e) {
    throw Error(std::string("cannot copy to end of shadow wal before checkpoint: ") + e.what());
  }
  exec_checkpoint(mode);
  // A write right after a complete checkpoint makes SQLite restart the WAL from its start.
  bump_seq();
  if (!read_wal_header(wal_path(), after)) throw Error("read wal header: " + wal_path() + ": EOF");
  if (std::memcmp(before, after, sizeof before) == 0) return;

  // The WAL restarted. Under the write lock (the only one we ever take) nobody can append to the
  // new WAL while we finish the old index and start the next one from the new header.
  exec(conn_, "BEGIN;");
  try {
    exec(conn_, "INSERT INTO _litestream_lock (id) VALUES (1);");
    copy_to_shadow_wal(shadow);
    init_shadow_wal_file(shadow_wal_path(gen, index + 1));
  } catch (const std::exception& e) {
    sqlite3_exec(conn_, "ROLLBACK;", nullptr, nullptr, nullptr);
    throw Error(std::string("start next shadow wal index: ") + e.what());
  }
  exec(conn_, "ROLLBACK;");
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
