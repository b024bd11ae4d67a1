#include <catch2/catch.hpp>
#include <fcntl.h>
#include <algorithm>
#include <atomic>
#include <thread>
#include <mutex>

#include <fstream>

#include "core/error.h"
#include "core/forwarding_client.h"
#include "core/restore.h"
#include "core/restore_wal.h"
#include "replica_fixture.h"

using namespace hs::core;
using fixture::ReplicaBuilder;

namespace {

// Three WAL indexes, several segments each; returns row counts after each index.
std::vector<int64_t> build(ReplicaBuilder& b) {
  std::vector<int64_t> after;
  b.insert(10);
  b.snapshot(0);
  for (int idx = 0; idx < 3; idx++) {
    for (int s = 0; s < 3; s++) {
      b.insert(20);
      b.segment();
    }
    after.push_back(b.count());
    if (idx < 2) b.next_index();
  }
  b.segment();
  return after;
}

void overwrite(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

std::string object(const ReplicaBuilder& b, int64_t index, int64_t offset) {
  return layout::wal_segment_path(b.replica_root(), ReplicaBuilder::kGen, index, offset);
}

// Restores and expects failure with `needle` in the message and nothing left next to the output.
void expect_failure(ReplicaBuilder& b, const fixture::TempDir& dir, const std::string& needle,
                    RestoreOptions opt = {}) {
  opt.output_path = dir / "out.db";
  opt.generation = ReplicaBuilder::kGen;
  CHECK_THROWS_WITH(restore(b.client(), opt), Catch::Contains(needle));
  CHECK(fixture::files_with_prefix(dir.path.string(), "out.db").empty());
}

}  // namespace

TEST_CASE("restore replays snapshot + every WAL index and matches the source") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  auto after = build(b);
  std::vector<std::string> logs;
  std::mutex mu;
  RestoreOptions opt;
  opt.output_path = dir / "out.db";
  opt.generation = ReplicaBuilder::kGen;
  opt.parallelism = 2;
  opt.log = [&](LogLevel, const std::string& msg, const LogFields&) {
    std::lock_guard lock(mu);
    logs.push_back(msg);
  };
  restore(b.client(), opt);
  // Exactly the output, no temp files (checked before anything opens it and makes -wal/-shm).
  CHECK(fixture::files_with_prefix(dir.path.string(), "out.db") == std::vector<std::string>{"out.db"});
  CHECK(fixture::query_int(opt.output_path, "SELECT count(*) FROM t") == after.back());
  CHECK(std::count(logs.begin(), logs.end(), "applied wal") == 3);
  CHECK(std::count(logs.begin(), logs.end(), "downloaded wal") == 3);
  // The output exists now: a second restore refuses to overwrite it.
  CHECK_THROWS_WITH(restore(b.client(), opt), Catch::Contains("output path already exists"));
}

TEST_CASE("restore up to an index stops there; an index that does not exist is an error") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  auto after = build(b);
  for (int64_t idx : {0, 1}) {
    RestoreOptions opt;
    opt.output_path = dir / ("idx" + std::to_string(idx) + ".db");
    opt.generation = ReplicaBuilder::kGen;
    opt.index = idx;
    restore(b.client(), opt);
    CHECK(fixture::query_int(opt.output_path, "SELECT count(*) FROM t") == after[idx]);
  }
  RestoreOptions opt;
  opt.generation = ReplicaBuilder::kGen;
  opt.index = 9;
  expect_failure(b, dir, "unable to locate index 00000009", opt);
}

TEST_CASE("a corrupt, truncated or missing object fails the restore and leaves nothing behind") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  build(b);
  const auto& segs = b.segments();
  REQUIRE(segs.size() >= 6);
  const auto& mid = segs[4];  // index 1, second segment

  SECTION("flipped byte in a WAL segment") {
    std::string path = object(b, mid.index, mid.offset);
    std::string data = fixture::slurp(path);
    data[data.size() / 2] ^= 0x55;
    overwrite(path, data);
    expect_failure(b, dir, "cannot download wal");
  }
  SECTION("truncated WAL segment") {
    std::string path = object(b, mid.index, mid.offset);
    std::string data = fixture::slurp(path);
    overwrite(path, data.substr(0, data.size() - 5));
    expect_failure(b, dir, "truncated LZ4 frame");
  }
  SECTION("a segment whose frames fail their WAL checksum, in a valid LZ4 frame") {
    std::string bytes = mid.bytes;
    bytes[100] ^= 0x01;  // inside the first frame's page
    overwrite(object(b, mid.index, mid.offset), lz4_compress(bytes));
    expect_failure(b, dir, "fails its checksum");
  }
  SECTION("a missing segment in the middle of an index is a gap") {
    std::filesystem::remove(object(b, mid.index, mid.offset));
    expect_failure(b, dir, "gap in wal index");
  }
  SECTION("a missing whole index") {
    for (const auto& s : segs)
      if (s.index == 1) std::filesystem::remove(object(b, s.index, s.offset));
    expect_failure(b, dir, "missing WAL index");
  }
  SECTION("a segment cut inside a frame") {
    overwrite(object(b, mid.index, mid.offset), lz4_compress(mid.bytes.substr(0, mid.bytes.size() - 100)));
    expect_failure(b, dir, "ends inside a frame");
  }
  SECTION("a corrupt snapshot") {
    std::string path = layout::snapshot_path(b.replica_root(), ReplicaBuilder::kGen, 0);
    std::string data = fixture::slurp(path);
    data[data.size() / 3] ^= 0x10;
    overwrite(path, data);
    expect_failure(b, dir, "snapshots/00000000.snapshot.lz4");
  }
  SECTION("a snapshot that decompresses but is not a database") {
    overwrite(layout::snapshot_path(b.replica_root(), ReplicaBuilder::kGen, 0), lz4_compress(std::string(8192, 'x')));
    expect_failure(b, dir, "not an SQLite database file");
  }
}

TEST_CASE("restore with a point in time stops at the segment created after it") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  build(b);
  // Give each object a distinct mtime: snapshot at t, segment k at t + k + 1 seconds.
  auto set_mtime = [](const std::string& path, int64_t sec) {
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    REQUIRE(utimensat(AT_FDCWD, path.c_str(), ts, 0) == 0);
  };
  const int64_t t = 1'700'000'000;
  set_mtime(layout::snapshot_path(b.replica_root(), ReplicaBuilder::kGen, 0), t);
  const auto& segs = b.segments();
  for (size_t k = 0; k < segs.size(); k++) set_mtime(object(b, segs[k].index, segs[k].offset), t + 1 + k);

  // Up to and including segment 3 (index 1, offset 0): rows of the snapshot + 4 transactions.
  RestoreOptions opt;
  opt.output_path = dir / "pitr.db";
  opt.generation = ReplicaBuilder::kGen;
  opt.timestamp = TimePoint(std::chrono::seconds(t + 4));
  restore(b.client(), opt);
  CHECK(fixture::query_int(opt.output_path, "SELECT count(*) FROM t") == 10 + 4 * 20);
}

TEST_CASE("stale -wal/-shm/-journal next to the output are removed before the rename, WARN-logged") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  auto after = build(b);
  std::string out = dir / "out.db";
  // Another database's leftovers (contents do not matter: SQLite would replay a real WAL).
  overwrite(out + "-wal", std::string(4096 + 32, 'w'));
  overwrite(out + "-shm", std::string(32768, 's'));
  overwrite(out + "-journal", std::string(512, 'j'));
  std::vector<std::pair<std::string, std::string>> warned;  // path, size
  std::vector<std::string> infos;
  RestoreOptions opt;
  opt.output_path = out;
  opt.generation = ReplicaBuilder::kGen;
  opt.log = [&](LogLevel level, const std::string& msg, const LogFields& f) {
    if (level != LogLevel::warn) {
      infos.push_back(msg);
      return;
    }
    std::string path, size;
    for (const auto& [k, v] : f) {
      if (k == "path") path = v.str();
      if (k == "size") size = v.str();
    }
    warned.emplace_back(path, size);
  };
  restore(b.client(), opt);
  CHECK(fixture::files_with_prefix(dir.path.string(), "out.db") == std::vector<std::string>{"out.db"});
  CHECK(warned == std::vector<std::pair<std::string, std::string>>{
                      {out + "-wal", "4128"}, {out + "-shm", "32768"}, {out + "-journal", "512"}});
  CHECK(std::count(infos.begin(), infos.end(), "applied wal") == 3);
  CHECK(fixture::query_int(out, "SELECT count(*) FROM t") == after.back());
}

TEST_CASE("a stale -wal that cannot be removed fails the restore and leaves no output") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  build(b);
  std::string out = dir / "out.db";
  std::filesystem::create_directories(out + "-wal/x");  // unlink(2) fails: a non-empty directory
  RestoreOptions opt;
  opt.output_path = out;
  opt.generation = ReplicaBuilder::kGen;
  CHECK_THROWS_WITH(restore(b.client(), opt), Catch::Contains("cannot remove stale " + out + "-wal"));
  CHECK(fixture::files_with_prefix(dir.path.string(), "out.db") == std::vector<std::string>{"out.db-wal"});
}

namespace {

// The fixture's file client as if its reads crossed a network: restore then prefetches.
class RemoteLooking : public ForwardingClient {
 public:
  explicit RemoteLooking(ReplicaClient& c) : ForwardingClient(c) {}
  bool remote() const override { return true; }
  std::unique_ptr<Reader> open_wal_segment(const Pos& p) override {
    ++opened;
    return ForwardingClient::open_wal_segment(p);
  }
  std::atomic<int> opened{0};
};

}  // namespace

TEST_CASE("a remote client's segments are prefetched, a local one's read in place; same result") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  auto after = build(b);
  REQUIRE_FALSE(b.client().remote());
  RemoteLooking remote(b.client());
  RestoreOptions opt;
  opt.generation = ReplicaBuilder::kGen;
  opt.parallelism = 3;
  opt.output_path = dir / "remote.db";
  restore(remote, opt);
  CHECK(remote.opened == int(b.segments().size()));
  CHECK(fixture::files_with_prefix(dir.path.string(), "remote.db") == std::vector<std::string>{"remote.db"});
  opt.output_path = dir / "local.db";
  restore(b.client(), opt);
  CHECK(fixture::query_int(dir / "remote.db", "SELECT count(*) FROM t") == after.back());
  CHECK(fixture::query_int(dir / "local.db", "SELECT count(*) FROM t") == after.back());
}

TEST_CASE("-integrity-check: every mode restores a sound replica and logs which check ran") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  auto after = build(b);
  for (auto mode : {IntegrityCheck::full, IntegrityCheck::quick, IntegrityCheck::none}) {
    LogFields checked;
    RestoreOptions opt;
    opt.generation = ReplicaBuilder::kGen;
    opt.integrity = mode;
    opt.output_path = dir / (std::string(integrity_check_name(mode)) + ".db");
    opt.log = [&](LogLevel, const std::string& msg, const LogFields& fields) {
      if (msg == "integrity check ok") checked = fields;
    };
    restore(b.client(), opt);
    REQUIRE_FALSE(checked.empty());
    CHECK(checked[0].first == "mode");
    CHECK(checked[0].second.str() == integrity_check_name(mode));
    CHECK(fixture::query_int(opt.output_path, "SELECT count(*) FROM t") == after.back());
  }
  CHECK(parse_integrity_check("quick") == IntegrityCheck::quick);
  CHECK_THROWS_WITH(parse_integrity_check("fast"), Catch::Contains("must be full, quick or none"));
}

TEST_CASE("a restored file whose size disagrees with its header's page count fails in every mode") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  b.insert(10);
  b.snapshot(0);
  // The snapshot with one extra zero page: whole pages, valid LZ4, but not the file SQLite wrote.
  std::string path = layout::snapshot_path(b.replica_root(), ReplicaBuilder::kGen, 0);
  std::string db = lz4_decompress(fixture::slurp(path), path);
  uint32_t page_size = (uint8_t(db[16]) << 8) | uint8_t(db[17]);
  overwrite(path, lz4_compress(db + std::string(page_size, '\0')));
  for (auto mode : {IntegrityCheck::full, IntegrityCheck::quick, IntegrityCheck::none}) {
    RestoreOptions opt;
    opt.integrity = mode;
    expect_failure(b, dir, "but its header says", opt);
  }
}

namespace {

void sql(sqlite3* db, const std::string& s) {
  char* err = nullptr;
  if (sqlite3_exec(db, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    FAIL(s << ": " << msg);
  }
}

}  // namespace

// What quick_check misses (why `verify` keeps `full`): an index whose entries disagree with its
// table. The file is structurally sound, so the b-tree walk of quick_check passes it.
TEST_CASE("quick_check misses an index that disagrees with its table; full catches it") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  std::string src = dir / "skewed.db";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(src.c_str(), &db) == SQLITE_OK);
  sql(db,
      "CREATE TABLE u (a INTEGER); CREATE INDEX u_a ON u(a);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200) INSERT INTO u SELECT i FROM n;");
  // Hide the index from the schema, change the table behind its back, put the index back.
  sql(db,
      "PRAGMA writable_schema=ON; CREATE TABLE saved AS SELECT * FROM sqlite_master WHERE name='u_a';"
      "DELETE FROM sqlite_master WHERE name='u_a';");
  sqlite3_close(db);
  REQUIRE(sqlite3_open(src.c_str(), &db) == SQLITE_OK);
  sql(db,
      "UPDATE u SET a = a + 100000 WHERE rowid <= 5;"
      "PRAGMA writable_schema=ON; INSERT INTO sqlite_master SELECT * FROM saved; DROP TABLE saved;");
  sqlite3_close(db);
  MemoryReader snap(lz4_compress(fixture::slurp(src)));
  b.client().write_snapshot(ReplicaBuilder::kGen, 0, snap);

  RestoreOptions opt;
  opt.generation = ReplicaBuilder::kGen;
  opt.integrity = IntegrityCheck::quick;
  opt.output_path = dir / "quick.db";
  restore(b.client(), opt);  // passes: every page and b-tree is well formed
  opt.integrity = IntegrityCheck::full;
  expect_failure(b, dir, "fails PRAGMA integrity_check", opt);
}

TEST_CASE("a restore that takes a while logs progress with numeric bytes, total, rate and ETA") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  build(b);
  std::mutex mu;
  std::vector<LogFields> progress;
  RestoreOptions opt;
  opt.generation = ReplicaBuilder::kGen;
  opt.output_path = dir / "out.db";
  opt.progress_after = std::chrono::milliseconds(0);
  opt.progress_every = std::chrono::milliseconds(1);
  opt.log = [&](LogLevel level, const std::string& msg, const LogFields& f) {
    std::lock_guard lock(mu);
    if (msg == "restore progress") {
      CHECK(level == LogLevel::info);
      progress.push_back(f);
    }
    if (msg == "applied wal") {
      CHECK(f[1].second.kind == LogValue::Kind::integer);         // index: a number in JSON, not "0"
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let the reporter run
    }
  };
  restore(b.client(), opt);
  REQUIRE_FALSE(progress.empty());
  int64_t total = 0;
  for (const auto& s : b.client().snapshots(ReplicaBuilder::kGen)) total += s.size;
  for (const auto& s : b.client().wal_segments(ReplicaBuilder::kGen)) total += s.size;
  const auto& last = progress.back();
  REQUIRE(last.size() >= 4);
  CHECK(last[0].first == "bytes");
  CHECK(last[0].second.kind == LogValue::Kind::integer);
  CHECK(last[0].second.number > 0);
  CHECK(last[0].second.number <= total);
  CHECK(last[1].first == "total");
  CHECK(last[1].second.number == total);
  CHECK(last[3].first == "rate");
}

// The page cache of the WAL apply: pages rewritten many times in one index, and a commit that
// shrinks the database (VACUUM after a big DELETE) must leave exactly SQLite's file.
TEST_CASE("rewritten pages and a shrinking commit restore byte-identical to the source") {
  fixture::TempDir dir;
  ReplicaBuilder b(dir.path.string());
  b.insert(400);
  b.snapshot(0);
  for (int i = 0; i < 30; i++) {
    b.sql("UPDATE t SET v = hex(randomblob(300)) WHERE id % 7 = 0");
    b.segment();
  }
  b.sql("DELETE FROM t WHERE id > 50");
  b.sql("VACUUM");
  b.segment();
  b.insert(3);
  b.segment();
  RestoreOptions opt;
  opt.generation = ReplicaBuilder::kGen;
  opt.output_path = dir / "out.db";
  restore(b.client(), opt);
  // The source's state through SQLite: checkpoint it, then compare the files byte for byte.
  b.sql("PRAGMA wal_checkpoint(TRUNCATE)");
  const std::string want = fixture::slurp(b.db_path());
  CHECK(fixture::slurp(opt.output_path) == want);

  // Again with a cache of three pages: flushes in the middle of transactions, pages flushed and
  // then cut away by the shrinking commit.
  std::string path = dir / "tiny-cache.db";
  overwrite(path,
            lz4_decompress(fixture::slurp(layout::snapshot_path(b.replica_root(), ReplicaBuilder::kGen, 0)), "snap"));
  WalApplyTarget db;
  db.path = path;
  db.fd = ::open(path.c_str(), O_RDWR);
  REQUIRE(db.fd >= 0);
  db.size = int64_t(std::filesystem::file_size(path));
  db.page_size = (uint8_t(want[16]) << 8) | uint8_t(want[17]);
  db.cache_bytes = 3 * db.page_size;
  std::atomic<bool> cancel = false;
  for (const auto& idx : plan_wal_indexes(ReplicaBuilder::kGen, b.client().wal_segments(ReplicaBuilder::kGen), 0,
                                          layout::kMaxIndex, std::nullopt))
    apply_wal_index(b.client(), ReplicaBuilder::kGen, idx, db, cancel);
  ::close(db.fd);
  CHECK(fixture::slurp(path) == want);
}
