#include "core/replica.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"
#include "core/layout.h"
#include "core/lz4_frame.h"
#include "core/wal.h"

namespace hs::core {

namespace {

using SteadyClock = std::chrono::steady_clock;

LogValue elapsed_since(SteadyClock::time_point start) {
  return LogValue::duration(std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start));
}

// Bytes [offset, end) of a shadow WAL file, read in whole frames so every frame's salts can be
// checked against the header's (or the first frame's when resuming mid-file) as it streams by: a
// segment mixing two WAL incarnations would restore garbage. Shadow files only grow by whole
// transactions and the replication thread is their only writer, so `end` stays valid.
class ShadowSegmentReader : public Reader {
 public:
  ShadowSegmentReader(fileio::Fd fd, std::string path, Pos pos, int64_t end, int64_t page_size)
      : fd_(std::move(fd)),
        path_(std::move(path)),
        pos_(std::move(pos)),
        off_(pos_.offset),
        end_(end),
        frame_size_(wal::frame_size(page_size)) {
    buf_.resize(size_t(std::max<int64_t>(1, (128 * 1024) / frame_size_) * frame_size_));
    if (off_ > 0) {  // resuming mid-file: the header still decides which salts belong here
      uint8_t hdr[wal::kHeaderSize];
      if (fileio::pread_full(fd_.get(), hdr, sizeof hdr, 0, path_) != sizeof hdr)
        throw Error("read " + path_ + ": EOF");
      salt_ = (uint64_t(wal::read_be32(hdr + 16)) << 32) | wal::read_be32(hdr + 20);
    }
  }
  size_t read(void* out, size_t n) override {
    if (buf_pos_ == buf_len_ && !refill()) return 0;
    size_t k = std::min(n, buf_len_ - buf_pos_);
    std::memcpy(out, buf_.data() + buf_pos_, k);
    buf_pos_ += k;
    return k;
  }

 private:
  bool refill() {
    buf_pos_ = buf_len_ = 0;
    if (off_ >= end_) return false;
    size_t want;
    int64_t frames_at = off_;
    if (off_ == 0) {
      want = size_t(wal::kHeaderSize);  // the header alone first: it carries the salts
    } else {
      want = size_t(std::min<int64_t>(int64_t(buf_.size()), end_ - off_));
    }
    size_t got = fileio::pread_full(fd_.get(), buf_.data(), want, off_, path_);
    if (got != want) throw Error("read " + path_ + ": shadow wal shrank while uploading");
    if (off_ == 0) {
      salt_ = (uint64_t(wal::read_be32(buf_.data() + 16)) << 32) | wal::read_be32(buf_.data() + 20);
    } else {
      for (size_t f = 0; f + size_t(frame_size_) <= got; f += size_t(frame_size_)) {
        uint64_t salt = (uint64_t(wal::read_be32(buf_.data() + f + 8)) << 32) | wal::read_be32(buf_.data() + f + 12);
        if (salt_ != 0 && salt != salt_)
          throw Error("replica salt mismatch: " + Pos{pos_.generation, pos_.index, frames_at + int64_t(f)}.str());
        salt_ = salt;
      }
    }
    off_ += int64_t(got);
    buf_len_ = got;
    return true;
  }

  fileio::Fd fd_;
  std::string path_;
  Pos pos_;
  int64_t off_, end_, frame_size_;
  uint64_t salt_ = 0;
  std::vector<uint8_t> buf_;
  size_t buf_pos_ = 0, buf_len_ = 0;
};

// The database at the snapshot view's position, read to its end. At the end, before the client may
// finish the upload, the view proves no checkpoint took the file past the position.
class SnapshotReader : public Reader {
 public:
  explicit SnapshotReader(const Db::SnapshotView& view) : view_(view) {}
  size_t read(void* buf, size_t n) override {
    size_t got = view_.read_at(buf, n, pos_);
    pos_ += int64_t(got);
    if (got == 0) view_.check_file_not_past_pos();
    return got;
  }

 private:
  const Db::SnapshotView& view_;
  int64_t pos_ = 0;
};

// Counts what passes through (the uncompressed size of a segment is litestream's sz=), and reports
// it as the replica's progress.
class CountingReader : public Reader {
 public:
  CountingReader(Reader& r, std::atomic<int64_t>& progress) : r_(r), progress_(progress) {}
  size_t read(void* buf, size_t n) override {
    size_t got = r_.read(buf, n);
    count_ += int64_t(got);
    progress_.fetch_add(int64_t(got), std::memory_order_relaxed);
    return got;
  }
  int64_t count() const { return count_; }

 private:
  Reader& r_;
  std::atomic<int64_t>& progress_;
  int64_t count_ = 0;
};

}  // namespace

Replica::Replica(Db& db, std::unique_ptr<ReplicaClient> client, ReplicaOptions opt, EventLog log)
    : db_(db), client_(std::move(client)), opt_(std::move(opt)) {
  if (opt_.name.empty()) opt_.name = client_->type();
  log_ = log.with("replica", opt_.name);
  metrics_ = &metrics::registry().replica(db_.path(), opt_.name);
  if (opt_.lease.ttl.count() > 0) lease_ = std::make_unique<ReplicaLease>(*client_, opt_.lease, log_);
}

void Replica::ensure_lease() {
  if (!lease_) return;
  try {
    lease_->ensure();
  } catch (const LeaseHeldError&) {
    metrics_->lease_waiting.set(1);
    throw;
  }
  metrics_->lease_waiting.set(0);
}

void Replica::sync() {
  try {
    Pos dpos = db_.pos();
    if (dpos.is_zero()) throw Error("no generation, waiting for data");
    try {
      sync_generation(dpos);
    } catch (const std::exception& e) {
      // The replication thread started a new generation (and removed the old one's shadow files)
      // while this replica uploaded: not an error of the replica; go on with the new generation.
      Pos now = db_.pos();
      if (now.is_zero() || now.generation == dpos.generation) throw;
      log_.info("replica sync: generation changed during sync, restarting",
                {{"generation", now.generation}, {"error", e.what()}});
      set_pos(Pos{});
      sync_generation(now);
    }
  } catch (const LeaseHeldError&) {
    set_pos(Pos{});  // the owner moves the replica on: recompute the position once we hold the lease
    throw;
  } catch (...) {
    set_pos(Pos{});
    metrics_->sync_errors.inc();
    throw;
  }
  metrics_->mark_synced(Clock::now());
}

void Replica::sync_generation(const Pos& dpos) {
  log_.debug("replica sync", {{"position", dpos.str()}});
  ensure_lease();
  if (pos().generation != dpos.generation) {
    if (client_->snapshots(dpos.generation).empty()) {
      // Leaves the position where this generation's WAL upload goes on.
      SnapshotInfo info = snapshot();
      if (info.generation != dpos.generation) throw Error("generation changed during snapshot, exiting sync");
    } else {
      Pos p;
      try {
        p = calc_pos(dpos.generation);
      } catch (const std::exception& e) {
        throw Error(std::string("cannot determine replica position: ") + e.what());
      }
      log_.debug("replica sync: calc new pos", {{"position", p.str()}});
      set_pos(p);
    }
  }
  while (sync_wal()) {
  }
}

bool Replica::sync_wal() {
  // ShadowWALReader: the rest of the current index, or the start of the next one. Opened and sized
  // under the Db's lock, so the size ends on a transaction the replication thread finished copying.
  std::unique_lock db_lock(db_.mutex());
  Pos pos = this->pos();
  int64_t page_size = db_.page_size();
  std::string path = db_.shadow_wal_path(pos.generation, pos.index);
  fileio::Fd fd = fileio::open_file(path, O_RDONLY, 0, true);
  if (!fd) throw Error("replica wal reader: open " + path + ": no such file or directory");
  int64_t size = wal::frame_align(fileio::file_size(fd.get(), path), page_size);
  if (pos.offset > size)
    throw Error("replica wal reader: wal reader offset too high: " + std::to_string(pos.offset) + " > " +
                std::to_string(size));
  if (pos.offset == size) {
    Pos next{pos.generation, pos.index + 1, 0};
    std::string next_path = db_.shadow_wal_path(next.generation, next.index);
    fileio::Fd nfd = fileio::open_file(next_path, O_RDONLY, 0, true);
    if (!nfd) return false;  // EOF: everything is uploaded
    pos = next;
    path = next_path;
    fd = std::move(nfd);
    size = wal::frame_align(fileio::file_size(fd.get(), path), page_size);
    if (size == 0) return false;
  }
  db_lock.unlock();

  int64_t fs = wal::frame_size(page_size);
  int64_t first_frame = pos.offset == 0 ? wal::kHeaderSize : pos.offset;
  ensure_lease();  // a long sync loop re-confirms the lease every TTL/2
  log_.info("write wal segment", {{"position", pos.str()}});
  auto start = SteadyClock::now();
  ShadowSegmentReader raw(std::move(fd), path, pos, size, page_size);
  CountingReader counted(raw, source_bytes_);
  Lz4CompressReader lz4(counted);
  client_->write_wal_segment(pos, lz4);
  set_pos(Pos{pos.generation, pos.index, size});
  metrics_->wal_bytes.inc(double(counted.count()));
  metrics_->frames.inc(double((size - first_frame) / fs));
  metrics_->wal_index.set(double(pos.index));
  metrics_->wal_offset.set(double(size));
  log_.info("wal segment written",
            {{"position", pos.str()}, {"elapsed", elapsed_since(start)}, {"sz", counted.count()}});
  return true;
}

SnapshotInfo Replica::snapshot() {
  ensure_lease();
  try {
    Pos now = db_.pos();
    if (!now.is_zero() && client_->snapshots(now.generation).empty() && client_->wal_segments(now.generation).empty()) {
      if (auto info = first_snapshot(now.generation)) return *info;
    }
    // Most of the WAL goes up before the view: a view defers our checkpoints while it lives.
    if (!now.is_zero()) upload_wal_through(now);
    Db::SnapshotView view(db_);
    // A restore replays the snapshot's index's WAL from offset 0 over it: with less of that WAL
    // than the snapshot's position, old page versions land on newer pages ("2nd reference to
    // page"). So the WAL through the position goes first, and no moment, nor a replicator that
    // dies right after this upload, shows the snapshot without it.
    upload_wal_through(view.pos());
    ensure_lease();  // the upload above may have taken longer than the lease's TTL/2
    return write_snapshot(view);
  } catch (...) {
    set_pos(Pos{});  // it may point into a generation that has no snapshot yet: recomputed next sync
    throw;
  }
}

// WAL first would leave a new generation without a snapshot for as long as its WAL and then its
// snapshot upload: litestream 0.3.13 picks that generation and fails ("no snapshots available"),
// and a replicator dying in that window leaves it so until it runs again. Here the snapshot goes
// first and the WAL follows, so every moment restores: nothing of the generation (restores take the
// one before), the snapshot alone (the database at its position: see Db::SnapshotView), then the
// snapshot with its index's WAL from offset 0 in one segment (its next sync_wal from {index, 0}).
std::optional<SnapshotInfo> Replica::first_snapshot(const std::string& generation) {
  Db::SnapshotView view(db_);
  if (view.pos().generation != generation) return std::nullopt;
  SnapshotInfo info = write_snapshot(view);
  set_pos(Pos{generation, view.pos().index, 0});
  return info;
}

SnapshotInfo Replica::write_snapshot(const Db::SnapshotView& view) {
  const Pos& pos = view.pos();
  log_.info("write snapshot", {{"position", pos.str()}});
  auto start = SteadyClock::now();
  SnapshotReader db_at_pos(view);
  CountingReader counted(db_at_pos, source_bytes_);
  Lz4CompressReader lz4(counted);
  SnapshotInfo info = client_->write_snapshot(pos.generation, pos.index, lz4);
  metrics_->snapshots.inc();
  log_.info("snapshot written", {{"position", pos.str()}, {"elapsed", elapsed_since(start)}, {"sz", info.size}});
  return info;
}

void Replica::upload_wal_through(const Pos& target) {
  if (pos().generation != target.generation) {
    // Unknown position (start, after an error) or the generation's first snapshot: go on from the
    // replica's last segment in this generation, whatever its index, so no index keeps a gap that
    // a restore from an older snapshot would replay across; from the target's index start if none.
    std::optional<WalSegmentInfo> last;
    for (const auto& s : client_->wal_segments(target.generation))
      if (s.index <= target.index && (!last || std::pair(s.index, s.offset) > std::pair(last->index, last->offset)))
        last = s;
    set_pos(last ? Pos{target.generation, last->index, last->offset + segment_length(*last)}
                 : Pos{target.generation, target.index, 0});
  }
  for (;;) {
    Pos p = pos();
    if (std::pair(p.index, p.offset) >= std::pair(target.index, target.offset)) return;
    if (!sync_wal()) throw Error("shadow wal ends at " + p.str() + ", before the snapshot's " + target.str());
  }
}

int64_t Replica::segment_length(const WalSegmentInfo& segment) {
  // Only the decompressed length tells where the segment ends: read it through, in small pieces.
  auto raw = client_->open_wal_segment(segment.pos());
  Lz4DecompressReader rd(*raw, segment.pos().str());
  std::vector<char> buf(64 * 1024);
  int64_t n = 0;
  while (size_t got = rd.read(buf.data(), buf.size())) n += int64_t(got);
  return n;
}

std::optional<SnapshotInfo> Replica::max_snapshot(const std::string& generation) {
  std::optional<SnapshotInfo> max;
  for (const auto& s : client_->snapshots(generation))
    if (!max || s.index > max->index) max = s;
  return max;
}

Pos Replica::calc_pos(const std::string& generation) {
  std::optional<SnapshotInfo> snap;
  try {
    snap = max_snapshot(generation);
  } catch (const std::exception& e) {
    throw Error(std::string("max snapshot: ") + e.what());
  }
  if (!snap) throw Error("no snapshot available: generation=" + generation);

  std::optional<WalSegmentInfo> last;
  try {
    for (const auto& s : client_->wal_segments(generation))
      if (!last || s.index > last->index || (s.index == last->index && s.offset > last->offset)) last = s;
  } catch (const std::exception& e) {
    throw Error(std::string("max wal segment: ") + e.what());
  }
  if (!last) return Pos{snap->generation, snap->index, 0};
  return Pos{last->generation, last->index, last->offset + segment_length(*last)};
}

void Replica::enforce_retention() {
  ensure_lease();  // deletes are writes: a waiting replicator must not prune the owner's generations
  std::vector<SnapshotInfo> all;
  std::vector<std::string> generations;
  // Listed once per check: each LIST is a billed request (issue 12 item 2).
  std::map<std::string, std::vector<SnapshotInfo>> by_generation;
  try {
    generations = client_->generations();
    for (const auto& g : generations) {
      auto s = client_->snapshots(g);
      all.insert(all.end(), s.begin(), s.end());
      by_generation[g] = std::move(s);
    }
  } catch (const std::exception& e) {
    throw Error(std::string("snapshots: ") + e.what());
  }
  auto cutoff = Clock::now() - std::chrono::duration_cast<Clock::duration>(opt_.retention);
  std::vector<SnapshotInfo> retained;
  for (const auto& s : all)
    if (s.created_at >= cutoff) retained.push_back(s);
  if (retained.empty()) {
    try {
      retained.push_back(snapshot());
    } catch (const std::exception& e) {
      throw Error(std::string("snapshot: ") + e.what());
    }
    // The new snapshot may have started a generation the listing above did not see.
    if (std::find(generations.begin(), generations.end(), retained.back().generation) == generations.end())
      generations.push_back(retained.back().generation);
  }

  for (const auto& g : generations) {
    std::optional<int64_t> min_index;
    for (const auto& s : retained)
      if (s.generation == g && (!min_index || s.index < *min_index)) min_index = s.index;
    if (!min_index) {
      try {
        client_->delete_generation(g);
      } catch (const std::exception& e) {
        throw Error(std::string("delete generation: ") + e.what());
      }
      continue;
    }
    // A generation the listing did not see holds only the snapshot just taken: nothing below it.
    for (const auto& s : by_generation[g]) {
      if (s.index >= *min_index) continue;
      client_->delete_snapshot(g, s.index);
      // litestream logs the retained index here (sic); we log the one actually deleted.
      log_.info("snapshot deleted", {{"generation", g}, {"index", s.index}});
    }
    std::vector<Pos> doomed;
    for (const auto& w : client_->wal_segments_below(g, *min_index)) doomed.push_back(w.pos());
    if (doomed.empty()) continue;
    // Each index's segments highest offset first: a run killed between deletes (kill -9, OOM) then
    // leaves every index starting at offset 0. litestream 0.3.13's restore checks that for every
    // index of the generation, even ones below its snapshot, and failed with "missing initial wal
    // segment" on the replica a kill after deleting N/0 left (tests/e2e/faults/faults_kill.py).
    std::sort(doomed.begin(), doomed.end(),
              [](const Pos& a, const Pos& b) { return a.index != b.index ? a.index < b.index : a.offset > b.offset; });
    client_->delete_wal_segments(doomed);
    log_.info("wal segmented deleted before",
              {{"generation", g}, {"index", *min_index}, {"n", uint64_t(doomed.size())}});
  }
}

}  // namespace hs::core
