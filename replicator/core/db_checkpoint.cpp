// Db: checkpoints (DB.checkpoint / execCheckpoint).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <vector>
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

namespace {

// Commit frames among whole frames [from, to) of a WAL or shadow file whose salts are `salts`,
// each checked against the running checksum from `verifier`; -1 if a frame fails the check (the
// file is not what the WAL-index header describes, so nothing can be proven from it).
int64_t count_commits(const std::string& path, int64_t from, int64_t to, int64_t page_size,
                      wal::FrameVerifier& verifier) {
  int64_t fs = wal::frame_size(page_size), commits = 0;
  fileio::Fd fd = fileio::open_file(path, O_RDONLY);
  std::vector<uint8_t> frame(static_cast<size_t>(fs));
  for (int64_t off = from; off + fs <= to; off += fs) {
    if (fileio::pread_full(fd.get(), frame.data(), frame.size(), off, path) != frame.size()) return -1;
    if (verifier.check(frame.data()) != wal::FrameVerifier::Result::ok) return -1;
    if (wal::parse_frame_header(frame.data()).is_commit()) ++commits;
  }
  return commits;
}

// Commit frames in the shadow after frame `from_frame` (1-based count of frames before them).
int64_t shadow_commits_after(const std::string& shadow, uint32_t from_frame, int64_t page_size) {
  uint8_t hdr_bytes[wal::kHeaderSize];
  if (!read_wal_header(shadow, hdr_bytes)) return -1;
  wal::Header hdr;
  if (!wal::try_parse_header(hdr_bytes, hdr)) return -1;
  int64_t fs = wal::frame_size(page_size);
  int64_t end = wal::frame_align(fileio::file_size(shadow), page_size);
  int64_t from = wal::kHeaderSize + int64_t(from_frame) * fs;
  if (from > end) return -1;
  // Resume the checksum chain at the base frame (or at the header when the base had no frame).
  wal::Checksum last = hdr.checksum;
  if (from_frame > 0) {
    uint8_t fh[wal::kFrameHeaderSize];
    fileio::Fd fd = fileio::open_file(shadow, O_RDONLY);
    if (fileio::pread_full(fd.get(), fh, sizeof fh, from - fs, shadow) != sizeof fh) return -1;
    last = wal::parse_frame_header(fh).checksum;
  }
  wal::FrameVerifier verifier(hdr, last);
  return count_commits(shadow, from, end, page_size, verifier);
}

}  // namespace

bool Db::restart_is_lossless(const wal::IndexHeader& base, const std::string& shadow_path) {
  std::optional<wal::IndexHeader> now = index_header();
  if (!now) return false;
  int64_t in_shadow = shadow_commits_after(shadow_path, base.max_frame, page_size_);
  if (in_shadow < 0) return false;
  int64_t in_new_wal = 0;
  if (now->max_frame > 0) {
    uint8_t hdr_bytes[wal::kHeaderSize];
    wal::Header hdr;
    if (!read_wal_header(wal_path(), hdr_bytes) || !wal::try_parse_header(hdr_bytes, hdr)) return false;
    if (hdr.salt1 != now->salt1 || hdr.salt2 != now->salt2) return false;  // not the WAL the index describes
    wal::FrameVerifier verifier(hdr);
    in_new_wal =
        count_commits(wal_path(), wal::kHeaderSize, wal::wal_size(page_size_, now->max_frame), page_size_, verifier);
    if (in_new_wal < 0) return false;
  }
  // iChange counts every commit and survives restarts (unsigned: it may wrap).
  uint32_t committed_since_base = now->change - base.change;
  bool lossless = int64_t(committed_since_base) == in_shadow + in_new_wal;
  log_.debug("checkpoint: restart continuity",
             {{"committed", int64_t(committed_since_base)}, {"in_shadow", in_shadow}, {"in_new_wal", in_new_wal}});
  return lossless;
}

// Litestream copies the WAL, releases its read lock and checkpoints. A transaction committed in
// that gap can be backfilled and then overwritten by a WAL restart (the app's own RESTART or
// TRUNCATE checkpoint, or its next write) before it reaches the shadow WAL, and restores silently
// miss it; an app that checkpoints with TRUNCATE often turns that gap into errors and a new
// generation (a full snapshot) every few seconds. We close the gap: the write lock is held from the
// last copy until the read lock is back, so no commit and no restart but our own can happen in it
// (an app's RESTART/TRUNCATE checkpoint meanwhile degrades to PASSIVE, as SQLite documents). The
// app's writers wait for the checkpoint itself, as they do for SQLite's own RESTART checkpoints.
//
// Outside the gap an app checkpoint can still restart the WAL once everything is backfilled (our
// read lock then sits on the database file only); sync() proves such a restart lossless from
// SQLite's commit counter against the base taken here (restart_is_lossless). SQLite does not always
// write salt1+1 after a restart (a connection that never checkpointed picks random salts), so the
// salts cannot prove continuity; the counter can, double restarts included.
void Db::checkpoint(CheckpointMode mode) {
  std::lock_guard lk(mu_);
  if (views_ > 0) return;  // a snapshot is reading the database file: not now
  std::string gen = current_generation();
  if (gen.empty()) return;
  int64_t index = current_shadow_index(gen).first;
  std::string shadow = shadow_wal_path(gen, index);

  if (sqlite3_exec(conn_, "BEGIN IMMEDIATE;", nullptr, nullptr, nullptr) != SQLITE_OK) {
    log_.debug("checkpoint: skipped, the app held the write lock", {{"error", sqlite3_errmsg(conn_)}});
    return;
  }
  bool in_tx = true;
  auto end_tx = [&](const char* sql) {
    if (!in_tx) return;
    in_tx = false;
    exec(conn_, sql);
  };
  try {
    uint8_t before[wal::kHeaderSize], now[wal::kHeaderSize];
    try {
      copy_to_shadow_wal(shadow);
    } catch (const std::exception& e) {
      throw Error(std::string("cannot copy to end of shadow wal before checkpoint: ") + e.what());
    }
    if (!read_wal_header(wal_path(), before)) {
      // Truncated by the app's TRUNCATE checkpoint since we looked (our read lock does not stop one
      // once everything is backfilled): nothing to checkpoint; the next sync proves the restart.
      log_.debug("checkpoint: skipped, the wal was truncated by another connection");
      end_tx("ROLLBACK;");
      return;
    }
    // Under the write lock the shadow now holds every committed frame: the base of the proof.
    std::optional<wal::IndexHeader> base = index_header();
    int64_t frames =
        (wal::frame_align(fileio::file_size(shadow), page_size_) - wal::kHeaderSize) / wal::frame_size(page_size_);
    if (!base || base->salt1 != wal::read_be32(before + 16) || base->salt2 != wal::read_be32(before + 20) ||
        int64_t(base->max_frame) != frames)
      base.reset();

    release_read_lock();
    try {
      // RESTART and TRUNCATE want the whole WAL backfilled so it can restart; give the app's readers
      // up to busy_timeout to move on (SQLite's RESTART waits the same way, holding the writers too).
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
    // The gap is closed. Our write transaction's own snapshot would keep the WAL from restarting:
    // end it before the write that restarts it.
    end_tx("ROLLBACK;");

    // A write right after a complete checkpoint makes SQLite restart the WAL from its start; for
    // TRUNCATE our restarting write also cuts the -wal file down (journal_size_limit on our
    // connection only). If the app holds the write lock its own next write restarts the WAL
    // instead; sync() proves that restart against the same base.
    if (mode == CheckpointMode::truncate) exec(conn_, "PRAGMA journal_size_limit = 0;");
    try {
      bump_seq();
    } catch (const std::exception& e) {
      log_.debug("checkpoint: _litestream_seq write skipped", {{"error", e.what()}});
    }
    if (mode == CheckpointMode::truncate) exec(conn_, "PRAGMA journal_size_limit = -1;");

    bool has_header = read_wal_header(wal_path(), now);
    if (has_header && std::memcmp(before, now, sizeof before) == 0) {
      restart_base_ = base;  // not restarted (readers kept frames): a later restart is proven against it
      restart_base_shadow_ = shadow;
      copy_to_shadow_wal(shadow);
      return;
    }
    if (!base || !restart_is_lossless(*base, shadow)) {
      lost_frames_reason_ = "wal restarted before all frames were copied";
      log_.warn("checkpoint: the wal restarted over frames we may not have copied, starting a new generation");
      return;
    }
    if (!has_header) {
      restart_base_ = base;  // truncated by the app after our commit: the next sync proves it again
      restart_base_shadow_ = shadow;
      return;
    }
    // Everything of the old WAL is in the shadow; the new one starts the next index (our read lock
    // stops a second restart before we copy it).
    try {
      init_shadow_wal_file(shadow_wal_path(gen, index + 1));
    } catch (const std::exception& e) {
      throw Error(std::string("cannot init shadow wal file: ") + e.what());
    }
  } catch (...) {
    if (in_tx) sqlite3_exec(conn_, "ROLLBACK;", nullptr, nullptr, nullptr);
    if (mode == CheckpointMode::truncate)
      sqlite3_exec(conn_, "PRAGMA journal_size_limit = -1;", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace hs::core
