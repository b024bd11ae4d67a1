// The WAL reader of restore: a WAL index (header + frames, what litestream's and our WAL segments
// hold once decompressed) checked frame by frame and applied into a database file by
// apply_wal_index, through an in-memory ReplicaClient. Input: the WAL bytes. The index is applied
// twice, once as one segment and once cut into two at a frame boundary, as replicate uploads it,
// with a page cache of 64 KiB and of one page (so the cache's flushes and truncations are compared).
// A third pass applies a copy whose header and frame checksums (and frame salts) are recomputed, so
// mutated page numbers, commit sizes and page sizes get past the checksums into the page writer.
// Properties: never a crash; bad data throws CorruptError only; the two cuts agree (same frames,
// same database bytes, or both refused); header parsing agrees with try_parse_header; a repaired
// WAL of whole frames is refused only for a bad header, page 0, or no final commit, and otherwise
// leaves the database at its last commit's size.
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>

#include "core/error.h"
#include "core/lz4_frame.h"
#include "core/replica_client.h"
#include "core/restore_wal.h"
#include "core/wal.h"
#include "fuzz_check.h"

using namespace hs::core;

namespace {

// Serves WAL segments from memory; everything else is never called by apply_wal_index.
class MemoryClient : public ReplicaClient {
 public:
  std::map<int64_t, std::string> segments;  // offset -> LZ4 frame

  std::string type() const override { return "memory"; }
  std::vector<std::string> generations() override { return {}; }
  void delete_generation(const std::string&) override {}
  std::vector<SnapshotInfo> snapshots(const std::string&) override { return {}; }
  SnapshotInfo write_snapshot(const std::string&, int64_t, Reader&) override { throw Error("unused"); }
  std::unique_ptr<Reader> open_snapshot(const std::string&, int64_t) override { throw Error("unused"); }
  void delete_snapshot(const std::string&, int64_t) override {}
  std::vector<WalSegmentInfo> wal_segments(const std::string&) override { return {}; }
  WalSegmentInfo write_wal_segment(const Pos&, Reader&) override { throw Error("unused"); }
  std::unique_ptr<Reader> open_wal_segment(const Pos& pos) override {
    auto it = segments.find(pos.offset);
    if (it == segments.end()) throw NotFoundError("no segment at " + std::to_string(pos.offset));
    return std::make_unique<MemoryReader>(it->second);
  }
  void delete_wal_segments(const std::vector<Pos>&) override {}
};

const std::string kGen = "0123456789abcdef";

struct Outcome {
  bool ok = false;
  int64_t frames = 0, bytes = 0, size = 0;
  std::string db;
};

// Applies `wal` cut at `cuts` (offsets of later segments) to an empty in-memory database file,
// holding at most `cache_bytes` of pages back (restore's default is 32 MiB; small caches flush often).
Outcome apply(std::string_view wal, const std::vector<int64_t>& cuts, uint32_t page_size,
              size_t cache_bytes = 64 << 10) {
  static int fd = ::memfd_create("fuzz_wal_db", 0);
  FUZZ_CHECK(fd >= 0 && ::ftruncate(fd, 0) == 0, "memfd");
  MemoryClient client;
  WalIndexPlan plan;
  plan.index = 0;
  int64_t start = 0;
  std::vector<int64_t> bounds = cuts;
  bounds.push_back(static_cast<int64_t>(wal.size()));
  for (int64_t end : bounds) {
    client.segments[start] = lz4_compress(std::string(wal.substr(start, end - start)));
    WalSegmentInfo seg;
    seg.generation = kGen;
    seg.index = 0;
    seg.offset = start;
    plan.segments.push_back(seg);
    start = end;
  }
  WalApplyTarget db{fd, "memfd:fuzz", page_size, 0, cache_bytes};
  std::atomic<bool> cancel{false};
  Outcome o;
  try {
    AppliedWal a = apply_wal_index(client, kGen, plan, db, cancel);
    o.ok = true;
    o.frames = a.frames;
    o.bytes = a.bytes;
    o.size = db.size;
    FUZZ_CHECK(a.bytes == static_cast<int64_t>(wal.size()), "applied bytes != input bytes");
    // Small databases only: comparing is the point, not reading gigabytes of holes.
    if (db.size <= (1 << 20)) {
      o.db.resize(static_cast<size_t>(db.size));
      FUZZ_CHECK(::pread(fd, o.db.data(), o.db.size(), 0) == static_cast<ssize_t>(o.db.size()), "pread");
    }
  } catch (const CorruptError&) {
  }
  return o;
}

// The same bytes with valid checksums: header checksum over bytes 0..23, each whole frame carrying
// the header's salts and the running checksum. Magic and version are made valid; page size is kept.
std::string repair(std::string_view in) {
  std::string w(in);
  if (w.size() < size_t(wal::kHeaderSize)) return w;
  auto* p = reinterpret_cast<uint8_t*>(w.data());
  uint32_t magic = wal::read_be32(p) == wal::kMagicBigEndian ? wal::kMagicBigEndian : wal::kMagicLittleEndian;
  wal::write_be32(p, magic);
  wal::write_be32(p + 4, wal::kFormatVersion);
  bool be = magic == wal::kMagicBigEndian;
  wal::Checksum c = wal::checksum(be, {}, p, 24);
  wal::write_be32(p + 24, c.s0);
  wal::write_be32(p + 28, c.s1);
  uint32_t page_size = wal::read_be32(p + 8);
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1))) return w;
  for (size_t off = wal::kHeaderSize; off + wal::frame_size(page_size) <= w.size(); off += wal::frame_size(page_size)) {
    uint8_t* f = p + off;
    std::memcpy(f + 8, p + 16, 8);  // salts
    c = wal::checksum(be, c, f, 8);
    c = wal::checksum(be, c, f + wal::kFrameHeaderSize, page_size);
    wal::write_be32(f + 16, c.s0);
    wal::write_be32(f + 20, c.s1);
  }
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view wal = hs::fuzz::as_text(data, size);
  uint32_t page_size = 4096;
  if (size >= wal::kHeaderSize) {
    wal::Header h;
    bool ok = wal::try_parse_header(data, h);
    bool threw = false;
    try {
      wal::Header p = wal::parse_header(data, "fuzz-wal");
      FUZZ_CHECK(ok && p.page_size == h.page_size && p.salt1 == h.salt1 && p.salt2 == h.salt2, "headers differ");
    } catch (const CorruptError&) {
      threw = true;
    }
    FUZZ_CHECK(ok != threw, "try_parse_header and parse_header disagree");
    if (ok) {
      page_size = h.page_size;
      // The frames as a second verifier sees them: no crash on any page size.
      wal::FrameVerifier v(h);
      for (int64_t off = wal::kHeaderSize; off + wal::frame_size(page_size) <= int64_t(size);
           off += wal::frame_size(page_size))
        if (v.check(data + off) != wal::FrameVerifier::Result::ok) break;
    }
  }
  Outcome one = apply(wal, {}, page_size);
  int64_t frames = size > wal::kHeaderSize ? (int64_t(size) - wal::kHeaderSize) / wal::frame_size(page_size) : 0;
  if (frames >= 1) {
    int64_t cut = wal::kHeaderSize + wal::frame_size(page_size) * ((frames + 1) / 2);
    Outcome two = apply(wal, {cut}, page_size, /*one page*/ 1);
    FUZZ_CHECK(one.ok == two.ok, "one segment and two segments disagree");
    FUZZ_CHECK(one.frames == two.frames && one.size == two.size && one.db == two.db, "cutting changed the result");
  }

  std::string fixed = repair(wal);
  wal::Header fh;
  if (fixed != wal && fixed.size() >= size_t(wal::kHeaderSize) &&
      wal::try_parse_header(reinterpret_cast<const uint8_t*>(fixed.data()), fh)) {
    int64_t whole = (int64_t(fixed.size()) - wal::kHeaderSize) / wal::frame_size(fh.page_size);
    fixed.resize(size_t(wal::wal_size(fh.page_size, whole)));  // whole frames only
    bool page0 = false;
    uint32_t last_commit = 0;
    for (int64_t i = 0; i < whole; i++) {
      auto f = wal::parse_frame_header(reinterpret_cast<const uint8_t*>(fixed.data()) + wal::wal_size(fh.page_size, i));
      page0 = page0 || f.pgno == 0;
      last_commit = f.commit_size;
    }
    Outcome r = apply(fixed, {}, fh.page_size);
    bool must_fail = page0 || (whole > 0 && last_commit == 0);
    FUZZ_CHECK(r.ok != must_fail, std::string("repaired WAL ") + (r.ok ? "applied" : "refused") + " (page 0: " +
                                      std::to_string(page0) + ", last commit " + std::to_string(last_commit) + ")");
    if (r.ok) {
      FUZZ_CHECK(r.frames == whole, "not every frame applied");
      if (whole > 0)
        FUZZ_CHECK(r.size == int64_t(last_commit) * fh.page_size, "database not at its last commit's size");
    }
  }
  return 0;
}
