// Validator's two checksums: the live database at a shadow position, and the replica restored to
// exactly that position (see validator.h).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <chrono>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"
#include "core/forwarding_client.h"
#include "core/layout.h"
#include "core/lz4_frame.h"
#include "core/restore.h"
#include "core/validator.h"
#include "core/wal.h"
#include "core/wal_index.h"

namespace hs::core {
namespace {

constexpr uint64_t kIsoPoly = 0xD800000000000000ULL;  // reversed x^64 + x^4 + x^3 + x + 1

const std::array<uint64_t, 256>& iso_table() {
  static const std::array<uint64_t, 256> t = [] {
    std::array<uint64_t, 256> a{};
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kIsoPoly : c >> 1;
      a[i] = c;
    }
    return a;
  }();
  return t;
}

uint32_t be16_page_size(const uint8_t* h) {
  uint32_t ps = (uint32_t(h[16]) << 8) | h[17];
  return ps == 1 ? 65536 : ps;
}

// Yields at most `limit` bytes of `source`, then reads the rest and drops it, so a compressed
// source still has its content checksum verified at its end.
class LimitReader : public Reader {
 public:
  LimitReader(std::unique_ptr<Reader> source, int64_t limit) : source_(std::move(source)), left_(limit) {}
  size_t read(void* buf, size_t n) override {
    if (left_ > 0) {
      size_t k = source_->read(buf, static_cast<size_t>(std::min<int64_t>(left_, static_cast<int64_t>(n))));
      left_ -= static_cast<int64_t>(k);
      return k;
    }
    char sink[64 * 1024];
    while (source_->read(sink, sizeof sink) > 0) {
    }
    return 0;
  }

 private:
  std::unique_ptr<Reader> source_;
  int64_t left_;
};

// Fails the read once `cancel` is set: a stopping replicator never waits for a whole restore.
class CancelReader : public Reader {
 public:
  CancelReader(std::unique_ptr<Reader> source, const std::atomic<bool>* cancel)
      : source_(std::move(source)), cancel_(cancel) {}
  size_t read(void* buf, size_t n) override {
    if (cancel_ && cancel_->load()) throw Error("validation cancelled: the replicator is stopping");
    return source_->read(buf, n);
  }

 private:
  std::unique_ptr<Reader> source_;
  const std::atomic<bool>* cancel_;
};

// The replica as it was at `pos`: only snapshots listed before pos was taken, no WAL index past
// pos.index, and the segments of pos.index cut at pos.offset (a segment uploaded after pos was taken
// may run past it; it is decoded, cut at the commit frame pos ends on and encoded again).
class PositionClient : public ForwardingClient {
 public:
  PositionClient(ReplicaClient& inner, Pos pos, std::vector<SnapshotInfo> snapshots, const std::atomic<bool>* cancel)
      : ForwardingClient(inner), pos_(std::move(pos)), snapshots_(std::move(snapshots)), cancel_(cancel) {}
  std::unique_ptr<Reader> open_snapshot(const std::string& g, int64_t i) override {
    return std::make_unique<CancelReader>(inner().open_snapshot(g, i), cancel_);
  }
  std::vector<SnapshotInfo> snapshots(const std::string& g) override {
    return g == pos_.generation ? snapshots_ : std::vector<SnapshotInfo>{};
  }
  std::vector<WalSegmentInfo> wal_segments(const std::string& g) override {
    std::vector<WalSegmentInfo> out;
    for (auto& s : inner().wal_segments(g))
      if (s.index < pos_.index || (s.index == pos_.index && s.offset < pos_.offset)) out.push_back(std::move(s));
    return out;
  }
  std::unique_ptr<Reader> open_wal_segment(const Pos& p) override {
    std::unique_ptr<Reader> raw = std::make_unique<CancelReader>(inner().open_wal_segment(p), cancel_);
    if (p.index != pos_.index) return raw;
    std::string what = layout::join(layout::join(p.generation, "wal"), layout::wal_segment_name(p.index, p.offset));
    auto plain = std::make_unique<Lz4DecompressReader>(std::move(raw), what);
    return std::make_unique<Lz4CompressReader>(std::make_unique<LimitReader>(std::move(plain), pos_.offset - p.offset));
  }

 private:
  Pos pos_;
  std::vector<SnapshotInfo> snapshots_;
  const std::atomic<bool>* cancel_;
};

}  // namespace

uint64_t crc64_iso(uint64_t crc, const void* data, size_t n) {
  const auto& t = iso_table();
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

namespace {

// The database at a shadow position, being computed: the last shadow frame of every page up to
// `offset`, the page count there, and each page's CRC.
struct LiveState {
  std::unordered_map<uint32_t, int64_t> frame_of;  // page -> offset of its last frame <= offset
  int64_t offset = wal::kHeaderSize;
  int64_t pages = 0;  // from the last commit frame; 0 = no frame yet
  std::vector<uint64_t> page_crc;

  // Takes the shadow frames [offset, to) into the map; returns the pages they touch.
  std::vector<uint32_t> scan(int fd, const std::string& path, int64_t to, int64_t fs) {
    std::vector<uint32_t> touched;
    std::vector<uint8_t> buf(static_cast<size_t>(fs) * 64);
    while (offset < to) {
      size_t want = static_cast<size_t>(std::min<int64_t>(int64_t(buf.size()), to - offset));
      size_t got = fileio::pread_full(fd, buf.data(), want, offset, path);
      if (got < want || got % size_t(fs) != 0)
        throw Error("shadow wal " + path + " ends before offset " + std::to_string(to));
      for (size_t at = 0; at < got; at += size_t(fs), offset += fs) {
        auto fh = wal::parse_frame_header(buf.data() + at);
        frame_of[fh.pgno] = offset;
        touched.push_back(fh.pgno);
        if (fh.is_commit()) pages = fh.commit_size;
      }
    }
    return touched;
  }
};

uint64_t combine(const std::vector<uint64_t>& page_crc, size_t n) {
  uint64_t crc = 0;
  for (size_t i = 0; i < n; ++i) {
    uint8_t le[8];
    for (int k = 0; k < 8; ++k) le[k] = uint8_t(page_crc[i] >> (8 * k));
    crc = crc64_iso(crc, le, sizeof le);
  }
  return crc;
}

}  // namespace

PageChecksum checksum_db_at(Db& db) {
  std::unique_lock lk(db.mutex());
  if (!db.is_open()) throw Error("database not open");
  Db::SnapshotView view(db);
  PageChecksum out;
  out.pos = view.pos();
  out.page_size = db.page_size();
  const int64_t ps = out.page_size;
  std::string shadow = db.shadow_wal_path(out.pos.generation, out.pos.index);
  // Opened while the Db is locked: a later cleanup may unlink it, the descriptor still reads it.
  fileio::Fd sfd = fileio::open_file(shadow, O_RDONLY);
  lk.unlock();

  uint8_t hdr[wal::kHeaderSize];
  if (fileio::pread_full(sfd.get(), hdr, sizeof hdr, 0, shadow) != sizeof hdr)
    throw ValidationSkipped("shadow wal " + shadow + " has no header yet");
  wal::Header wh = wal::parse_header(hdr, shadow);
  if (int64_t(wh.page_size) != ps)
    throw Error("shadow wal " + shadow + " has page size " + std::to_string(wh.page_size) + ", the database " +
                std::to_string(ps));
  const int64_t fs = wal::frame_size(ps);
  LiveState st;
  st.scan(sfd.get(), shadow, out.pos.offset, fs);
  if (st.pages == 0) st.pages = view.size() / ps;  // no frame in this index: the file is the database

  std::vector<uint8_t> page(static_cast<size_t>(ps));
  auto frame_page = [&](uint32_t pgno) {
    if (fileio::pread_full(sfd.get(), page.data(), page.size(), st.frame_of[pgno] + wal::kFrameHeaderSize, shadow) !=
        page.size())
      throw Error("shadow wal " + shadow + ": short frame read");
    return crc64_iso(0, page.data(), page.size());
  };

  // Pages 1..N: the file's, unless the shadow has a later version. 1 MiB per read.
  const int64_t chunk_pages = std::max<int64_t>(1, (1 << 20) / ps);
  std::vector<uint8_t> buf(static_cast<size_t>(chunk_pages * ps));
  st.page_crc.resize(static_cast<size_t>(st.pages));
  for (int64_t first = 1; first <= st.pages; first += chunk_pages) {
    int64_t n = std::min(chunk_pages, st.pages - first + 1);
    size_t got = view.read_at(buf.data(), static_cast<size_t>(n * ps), (first - 1) * ps);
    for (int64_t k = 0; k < n; ++k) {
      uint32_t pgno = static_cast<uint32_t>(first + k);
      if (st.frame_of.count(pgno)) {
        st.page_crc[pgno - 1] = frame_page(pgno);
      } else if (size_t((k + 1) * ps) > got) {
        throw ValidationSkipped("page " + std::to_string(pgno) + " is neither in the database file nor the shadow wal");
      } else {
        st.page_crc[pgno - 1] = crc64_iso(0, buf.data() + k * ps, size_t(ps));
      }
    }
  }

  // A checkpoint may have copied frames past pos into the file while we read it (nBackfill says
  // how far). Every page it wrote has a frame at or below nBackfill, so the file read is still
  // right for the position nBackfill or any later one in the shadow: move pos there (the next
  // shadow sync copies those frames) and recompute the pages its frames touch. Same WAL only.
  for (int round = 0;; ++round) {
    auto ck = db.checkpoint_info();
    if (!ck) throw ValidationSkipped("cannot read the WAL-index " + db.shm_path());
    if (ck->salt1 != wh.salt1 || ck->salt2 != wh.salt2)
      throw ValidationSkipped("the wal restarted while the database was read");
    int64_t need = wal::wal_size(ps, ck->backfill);
    if (need <= out.pos.offset) break;
    if (round == 3) throw ValidationSkipped("the database file is checkpointed faster than it can be read");
    Pos now;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);;) {
      now = db.pos();
      if (now.generation != out.pos.generation || now.index != out.pos.index)
        throw ValidationSkipped("a new wal index started while the database was read");
      if (now.offset >= need) break;
      if (std::chrono::steady_clock::now() >= deadline)
        throw ValidationSkipped("the shadow wal did not reach the checkpointed frames within 10s");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    int64_t old_pages = st.pages;
    std::vector<uint32_t> touched = st.scan(sfd.get(), shadow, now.offset, fs);
    out.pos = now;
    ++out.moves;
    st.page_crc.resize(static_cast<size_t>(st.pages));
    for (uint32_t pgno : touched)
      if (pgno <= st.pages) st.page_crc[pgno - 1] = frame_page(pgno);
    for (int64_t pgno = old_pages + 1; pgno <= st.pages; ++pgno)  // grown: new pages are all in frames
      if (!st.frame_of.count(uint32_t(pgno)))
        throw ValidationSkipped("page " + std::to_string(pgno) + " is neither in the database file nor the shadow wal");
  }
  out.pages = st.pages;
  out.crc = combine(st.page_crc, st.page_crc.size());
  return out;
}

PageChecksum checksum_file(const std::string& path, int64_t page_size) {
  fileio::Fd fd = fileio::open_file(path, O_RDONLY);
  int64_t size = fileio::file_size(fd.get(), path);
  if (page_size <= 0) {
    uint8_t h[100];
    if (fileio::pread_full(fd.get(), h, sizeof h, 0, path) != sizeof h) throw CorruptError(path + ": no header");
    page_size = be16_page_size(h);
  }
  PageChecksum out;
  out.page_size = page_size;
  out.pages = size / page_size;
  const int64_t chunk_pages = std::max<int64_t>(1, (1 << 20) / page_size);
  std::vector<uint8_t> buf(static_cast<size_t>(chunk_pages * page_size));
  uint64_t crc = 0;
  for (int64_t off = 0; off + page_size <= size;) {
    size_t got = fileio::pread_full(fd.get(), buf.data(), buf.size(), off, path);
    size_t whole = got / size_t(page_size);
    if (whole == 0) break;
    for (size_t k = 0; k < whole; ++k) {
      uint64_t page_crc = crc64_iso(0, buf.data() + k * size_t(page_size), size_t(page_size));
      uint8_t le[8];
      for (int b = 0; b < 8; ++b) le[b] = uint8_t(page_crc >> (8 * b));
      crc = crc64_iso(crc, le, sizeof le);
    }
    off += int64_t(whole) * page_size;
  }
  out.crc = crc;
  return out;
}

PageChecksum checksum_replica_at(ReplicaClient& client, const Pos& pos, const std::vector<SnapshotInfo>& snapshots,
                                 const std::string& out_path, const EventLog& log, const std::atomic<bool>* cancel) {
  PositionClient at(client, pos, snapshots, cancel);
  RestoreOptions o;
  o.output_path = out_path;
  o.generation = pos.generation;
  o.index = pos.index;
  o.parallelism = 2;  // background work: few requests at once
  // The page checksum compares every byte; the header check (page count = file size) stays.
  o.integrity = IntegrityCheck::none;
  // Restore's INFO steps are this validator's DEBUG lines.
  o.log = [&log](LogLevel level, const std::string& msg, const LogFields& f) {
    log.log(level == LogLevel::info ? LogLevel::debug : level, "validation restore: " + msg, f);
  };
  restore(at, o);
  PageChecksum out = checksum_file(out_path, 0);
  out.pos = pos;
  return out;
}

}  // namespace hs::core
