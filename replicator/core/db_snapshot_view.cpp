// Db::SnapshotView: the database exactly at a shadow position, read from the file with the shadow
// index's frames up to the position laid over it.
//
// Why the frames: the file alone is the database as of the last backfill, which our read lock keeps
// at or below the position but may leave far below it (an app reader with an old snapshot holds
// every checkpoint back; our own checkpoints run only every so often). A snapshot of the file alone
// is whole only once its index's WAL is replayed over it, and a new generation's first snapshot is
// visible alone until that WAL follows; if the replicator dies in between, a restore of it would
// miss commits an older generation already held. With the frames over it the snapshot is the
// database at its position by itself, and checkpoints that write to the file while it is read
// change nothing: every page they write has a frame at or below our read lock, so the frame is
// what is read.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/db.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/wal.h"
#include "core/wal_index.h"

namespace hs::core {

Db::SnapshotView::SnapshotView(Db& db) : db_(db), page_size_(db.page_size_) {
  std::lock_guard lk(db.mu_);
  if (!db.conn_) throw Error("no database available");
  // Never snapshot a file that is no longer at the path: the next sync reopens the new one.
  if (db.file_replaced()) throw Error("database file replaced at " + db.path() + ", snapshot after reopening");
  pos_ = db.pos();
  if (pos_.is_zero()) throw Error("no generation");
  // The file may hold only frames the shadow has (up to pos_): our read lock must be held, and
  // taken where the shadow had caught up, and no frames may have been lost since.
  if (!db.read_locked_ || !db.synced_once_ || !db.lost_frames_reason_.empty())
    throw Error("snapshot: the shadow wal is not in step with the database, snapshot after the next sync");

  // Opened under the Db's lock: a cleanup may unlink the file later, the descriptor still reads it.
  shadow_path_ = db.shadow_wal_path(pos_.generation, pos_.index);
  shadow_ = fileio::open_file(shadow_path_, O_RDONLY);
  wal::Header wh = db.read_shadow_header(shadow_.get(), shadow_path_);
  salt1_ = wh.salt1;
  salt2_ = wh.salt2;

  // The last frame of every page up to pos_ (which ends on a commit frame: its size is the
  // database's size there). The shadow only grows past pos_, so these frames stay as read.
  const int64_t fs = wal::frame_size(page_size_);
  std::unordered_map<uint32_t, int64_t> last;
  std::vector<uint8_t> buf(static_cast<size_t>(fs) * 64);
  for (int64_t off = wal::kHeaderSize; off < pos_.offset;) {
    size_t want = static_cast<size_t>(std::min<int64_t>(int64_t(buf.size()), pos_.offset - off));
    size_t got = fileio::pread_full(shadow_.get(), buf.data(), want, off, shadow_path_);
    if (got < want || got % size_t(fs) != 0)
      throw Error("snapshot: shadow wal " + shadow_path_ + " ends before " + pos_.str());
    for (size_t at = 0; at < got; at += size_t(fs), off += fs) {
      wal::FrameHeader fh = wal::parse_frame_header(buf.data() + at);
      last[fh.pgno] = off;
      if (fh.is_commit()) pages_ = fh.commit_size;
    }
  }
  frame_of_.assign(last.begin(), last.end());
  std::sort(frame_of_.begin(), frame_of_.end());

  // Its own connection: the replication thread keeps using conn_ while this snapshot uploads.
  if (sqlite3_open_v2(db.path().c_str(), &conn_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string msg = conn_ ? sqlite3_errmsg(conn_) : "out of memory";
    sqlite3_close_v2(conn_);
    throw Error("snapshot: open " + db.path() + ": " + msg);
  }
  int one = 1;
  sqlite3_file_control(conn_, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
  sqlite3_busy_timeout(conn_, int(db.opt_.busy_timeout.count()));
  try {
    // Backfills what it can, so fewer pages come from the shadow (as litestream's snapshot does).
    // No read transaction of its own is needed: our read lock, which no checkpoint of ours releases
    // while a view lives (views_), keeps every backfill at or below pos_.
    db.exec(conn_, "PRAGMA wal_checkpoint(PASSIVE);");
    fd_ = db.db_fd_;
    if (pages_ == 0) pages_ = fileio::file_size(fd_, db.path()) / page_size_;  // no frame: the file is it
    check_file_not_past_pos();
  } catch (...) {
    sqlite3_close_v2(conn_);
    throw;
  }
  ++db.views_;
}

Db::SnapshotView::~SnapshotView() {
  std::lock_guard lk(db_.mu_);
  sqlite3_close_v2(conn_);
  --db_.views_;
}

void Db::SnapshotView::check_file_not_past_pos() const {
  std::optional<wal::CheckpointInfo> ck = db_.checkpoint_info();
  if (!ck) throw Error("snapshot: cannot read the WAL-index " + db_.shm_path());
  // Another WAL: this one restarted, which SQLite does only with every frame backfilled and every
  // reader on the file alone; such a reader (ours) stops all backfill, so the file was frozen at
  // our read lock, at or below pos_.
  if (ck->salt1 != salt1_ || ck->salt2 != salt2_) return;
  if (wal::wal_size(page_size_, ck->backfill) > pos_.offset)
    throw Error("snapshot: the database file holds frames past " + pos_.str() + " (nBackfill " +
                std::to_string(ck->backfill) + "), snapshot after the next sync");
}

size_t Db::SnapshotView::read_at(void* buf, size_t n, int64_t offset) const {
  const int64_t total = size();
  if (n == 0 || offset >= total) return 0;
  const int64_t want = std::min<int64_t>(int64_t(n), total - offset);
  auto* out = static_cast<uint8_t*>(buf);
  const int64_t got = int64_t(fileio::pread_full(fd_, out, size_t(want), offset, db_.path()));
  if (got < want) std::memset(out + got, 0, size_t(want - got));  // the database is longer than the file

  const int64_t ps = page_size_;
  const uint32_t first = uint32_t(offset / ps + 1), last = uint32_t((offset + want - 1) / ps + 1);
  auto it = std::lower_bound(frame_of_.begin(), frame_of_.end(), std::pair<uint32_t, int64_t>(first, 0));
  for (uint32_t pg = first; pg <= last; ++pg) {
    const int64_t start = int64_t(pg - 1) * ps;
    const int64_t lo = std::max(offset, start), hi = std::min(offset + want, start + ps);
    if (it != frame_of_.end() && it->first == pg) {
      const int64_t at = it->second + wal::kFrameHeaderSize + (lo - start);
      if (fileio::pread_full(shadow_.get(), out + (lo - offset), size_t(hi - lo), at, shadow_path_) != size_t(hi - lo))
        throw Error("snapshot: shadow wal " + shadow_path_ + ": short frame read");
      ++it;
    } else if (hi > offset + got) {
      throw Error("snapshot: page " + std::to_string(pg) + " is neither in the database file nor in the shadow wal " +
                  shadow_path_);
    }
  }
  return size_t(want);
}

}  // namespace hs::core
