// The WAL reader of restore: a WAL index (header + frames, what litestream's and our WAL segments
// hold once decompressed) checked frame by frame and applied into a database file by
// apply_wal_index, through an in-memory ReplicaClient. Input: the WAL bytes. The index is applied
// twice, once as one segment and once cut into two at a frame boundary, as replicate uploads it.
// Properties: never a crash; bad data throws CorruptError only; the two cuts agree (same frames,
// same database bytes, or both refused); header parsing agrees with try_parse_header.
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

// Applies `wal` cut at `cuts` (offsets of later segments) to an empty in-memory database file.
Outcome apply(std::string_view wal, const std::vector<int64_t>& cuts, uint32_t page_size) {
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
  WalApplyTarget db{fd, "memfd:fuzz", page_size, 0};
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
      for (int64_t off = wal::kHeaderSize; off + wal::frame_size(page_size) <= int64_t(size); off += wal::frame_size(page_size))
        if (v.check(data + off) != wal::FrameVerifier::Result::ok) break;
    }
  }
  Outcome one = apply(wal, {}, page_size);
  int64_t frames = size > wal::kHeaderSize ? (int64_t(size) - wal::kHeaderSize) / wal::frame_size(page_size) : 0;
  if (frames >= 1) {
    int64_t cut = wal::kHeaderSize + wal::frame_size(page_size) * ((frames + 1) / 2);
    Outcome two = apply(wal, {cut}, page_size);
    FUZZ_CHECK(one.ok == two.ok, "one segment and two segments disagree");
    FUZZ_CHECK(one.frames == two.frames && one.size == two.size && one.db == two.db, "cutting changed the result");
  }
  return 0;
}
