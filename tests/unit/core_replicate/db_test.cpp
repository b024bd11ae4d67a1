// Shadow WAL logic against real SQLite databases: copying, verification, commit boundaries,
// WAL restarts (new index) and every new-generation reason.
#include "core/db.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <cstdlib>
#include <thread>

#include "core/wal.h"
#include "core/wal_index.h"
#include "test_support.h"

using namespace hs::core;
using hs::test::AppDb;
using hs::test::TempDir;

namespace {

struct CapturedLog {
  struct Event {
    LogLevel level;
    std::string msg;
    LogFields fields;
    std::string field(const std::string& k) const {
      for (auto& [key, v] : fields)
        if (key == k) return v.str();
      return "";
    }
  };
  std::vector<Event> events;
  EventLog log() {
    return EventLog([this](LogLevel l, const std::string& m, const LogFields& f) { events.push_back({l, m, f}); }, {});
  }
  std::vector<std::string> reasons() const {
    std::vector<std::string> r;
    for (auto& e : events)
      if (e.msg == "sync: new generation") r.push_back(e.field("reason"));
    return r;
  }
};

DbOptions options(const std::string& path) {
  DbOptions o;
  o.path = path;
  o.checkpoint_interval = std::chrono::nanoseconds(0);
  return o;
}

int64_t size_of(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 ? st.st_size : -1;
}

}  // namespace

TEST_CASE("first sync starts a generation whose shadow WAL equals the real WAL", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(3);
  CapturedLog cap;
  Db db(options(dir / "app.db"), cap.log());
  REQUIRE(db.sync({}));
  CHECK(cap.reasons() == std::vector<std::string>{"no generation exists"});

  std::string gen = db.current_generation();
  REQUIRE(gen.size() == 16);
  auto name = hs::test::read_file(db.generation_name_path());
  CHECK(std::string(name.begin(), name.end()) == gen + "\n");  // litestream's 17-byte file
  CHECK(db.meta_path() == dir / ".app.db-litestream");

  Pos pos = db.pos();
  CHECK(pos.generation == gen);
  CHECK(pos.index == 0);
  // Our connection added _litestream_seq/_litestream_lock: the whole WAL is committed and copied.
  auto real = hs::test::read_file(db.wal_path());
  auto shadow = hs::test::read_file(db.shadow_wal_path(gen, 0));
  CHECK(pos.offset == int64_t(real.size()));
  CHECK(shadow == real);
  CHECK(app.scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('_litestream_seq','_litestream_lock')") == 2);
}

TEST_CASE("each commit advances the shadow by exactly its frames; idle syncs do nothing", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  Db db(options(dir / "app.db"), {});
  db.sync({});
  int64_t fs = wal::frame_size(db.page_size());
  for (int i = 0; i < 5; ++i) {
    int64_t before = db.pos().offset;
    app.insert(1, 100);  // one small row: one page changes, one frame
    CHECK(db.sync({}));
    CHECK(db.pos().offset == before + fs);
    CHECK(db.pos().offset == size_of(db.wal_path()));
  }
  CHECK_FALSE(db.sync({}));  // nothing new: no change reported
}

TEST_CASE("frames of an uncommitted transaction are not copied until it commits", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  Db db(options(dir / "app.db"), {});
  db.sync({});
  int64_t committed = db.pos().offset;

  // A tiny page cache makes SQLite spill the open transaction's pages into the WAL.
  app.exec("PRAGMA cache_size=2");
  app.exec("BEGIN");
  for (int i = 0; i < 200; ++i) app.exec("INSERT INTO t(v) VALUES(randomblob(1000))");
  REQUIRE(size_of(db.wal_path()) > committed);  // spilled, uncommitted frames are in the WAL
  db.sync({});
  CHECK(db.pos().offset == committed);
  CHECK(size_of(db.shadow_wal_path(db.current_generation(), 0)) == committed);

  app.exec("COMMIT");
  db.sync({});
  CHECK(db.pos().offset == size_of(db.wal_path()));
  CHECK(hs::test::read_file(db.shadow_wal_path(db.current_generation(), 0)) == hs::test::read_file(db.wal_path()));
}

TEST_CASE("a frame failing its checksum (or salt) is never copied", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(1);
  Db db(options(dir / "app.db"), {});
  db.sync({});
  int64_t good = db.pos().offset;
  auto real = hs::test::read_file(db.wal_path());
  int64_t fs = wal::frame_size(db.page_size());

  // Append a copy of the last frame marked as a commit: right salts, wrong running checksum.
  std::vector<uint8_t> forged(real.end() - fs, real.end());
  wal::write_be32(forged.data() + 4, 99);
  real.insert(real.end(), forged.begin(), forged.end());
  hs::test::write_file(db.wal_path(), real);
  db.sync({});
  CHECK(db.pos().offset == good);

  // With a fixed-up checksum but foreign salts it is still rejected.
  wal::Header h = wal::parse_header(real.data(), "w");
  auto prev = wal::parse_frame_header(real.data() + good - fs).checksum;
  uint8_t* f = real.data() + good;
  wal::write_be32(f + 8, h.salt1 ^ 1);
  auto c = wal::checksum(h.big_endian_checksums(), prev, f, 8);
  c = wal::checksum(h.big_endian_checksums(), c, f + 24, db.page_size());
  wal::write_be32(f + 16, c.s0);
  wal::write_be32(f + 20, c.s1);
  hs::test::write_file(db.wal_path(), real);
  db.sync({});
  CHECK(db.pos().offset == good);
}

TEST_CASE("a checkpoint that restarts the WAL starts the next index in the same generation", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(5);
  CapturedLog cap;
  Db db(options(dir / "app.db"), cap.log());
  db.sync({});
  std::string gen = db.current_generation();
  auto index0 = hs::test::read_file(db.shadow_wal_path(gen, 0));

  db.checkpoint(CheckpointMode::restart);
  Pos pos = db.pos();
  CHECK(pos.generation == gen);
  CHECK(pos.index == 1);
  // Index 0 is untouched; index 1 is the new WAL: header + our _litestream_seq frame.
  CHECK(hs::test::read_file(db.shadow_wal_path(gen, 0)) == index0);
  auto index1 = hs::test::read_file(db.shadow_wal_path(gen, 1));
  CHECK(int64_t(index1.size()) == wal::wal_size(db.page_size(), 1));
  auto real = hs::test::read_file(db.wal_path());
  CHECK(std::equal(index1.begin(), index1.end(), real.begin()));
  CHECK(wal::parse_header(index1.data(), "i1").salt1 != wal::parse_header(index0.data(), "i0").salt1);

  // The restarted WAL keeps its old length (stale frames with old salts follow the new ones):
  // only frames with the new salts are copied.
  int64_t before = db.pos().offset;
  app.insert(2);
  db.sync({});
  CHECK(db.pos().index == 1);
  CHECK(db.pos().offset == before + wal::frame_size(db.page_size()));
  auto shadow1 = hs::test::read_file(db.shadow_wal_path(gen, 1));
  real = hs::test::read_file(db.wal_path());
  CHECK(std::equal(shadow1.begin(), shadow1.end(), real.begin()));
  CHECK(cap.reasons().size() == 1);  // only the first generation
}

TEST_CASE("checkpoint thresholds: PASSIVE past min pages restarts the WAL into a new index", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  DbOptions o = options(dir / "app.db");
  o.min_checkpoint_page_n = 20;
  Db db(o, {});
  db.sync({});
  for (int i = 0; i < 30; ++i) app.insert(1, 3000);
  db.sync({});  // copies, checkpoints (PASSIVE), restarts into index 1
  CHECK(db.pos().index == 1);
  int64_t rows = app.scalar("SELECT count(*) FROM t");
  CHECK(rows == 30);
}

TEST_CASE("the app's own checkpoints cannot pass our read lock", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.exec("PRAGMA busy_timeout=50");
  Db db(options(dir / "app.db"), {});
  db.sync({});
  app.insert(10);
  // TRUNCATE needs every reader gone; ours holds on, so the WAL keeps the uncopied frames.
  try {
    app.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (...) {
  }
  int64_t before = size_of(db.wal_path());
  CHECK(before > 32);
  db.sync({});
  CHECK(db.pos().offset == before);
  CHECK(db.pos().index == 0);
}

TEST_CASE("new generation reasons", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(2);
  CapturedLog cap;
  Db db(options(dir / "app.db"), cap.log());
  db.sync({});
  auto shadow0 = [&] { return db.shadow_wal_path(db.current_generation(), db.pos().index); };
  int64_t fs = wal::frame_size(db.page_size());

  SECTION("no shadow wal") {
    ::unlink(shadow0().c_str());
    app.insert(1);
    db.sync({});
    CHECK(cap.reasons().back() == "no shadow wal");
  }
  SECTION("short shadow wal") {
    REQUIRE(::truncate(shadow0().c_str(), 10) == 0);
    app.insert(1);
    db.sync({});
    CHECK(cap.reasons().back() == "short shadow wal");
  }
  SECTION("wal truncated by another process") {
    auto s = hs::test::read_file(shadow0());
    s.insert(s.end(), size_t(fs) * 3, 0);
    hs::test::write_file(shadow0(), s);
    app.insert(1);
    db.sync({});
    CHECK(cap.reasons().back() == "wal truncated by another process");
  }
  SECTION("wal overwritten by another process") {
    auto s = hs::test::read_file(shadow0());
    s[s.size() - 10] ^= 0xff;
    hs::test::write_file(shadow0(), s);
    app.insert(1);
    db.sync({});
    CHECK(cap.reasons().back() == "wal overwritten by another process");
  }
  SECTION("wal header only, mismatched") {
    auto s = hs::test::read_file(shadow0());
    s.resize(32);
    s[16] ^= 1;  // another salt
    hs::test::write_file(shadow0(), s);
    app.insert(1);
    db.sync({});
    CHECK(cap.reasons().back() == "wal header only, mismatched");
  }
  // Whatever the reason, the new generation holds the whole current WAL.
  CHECK(cap.reasons().size() == 2);
  CHECK(hs::test::read_file(shadow0()) == hs::test::read_file(db.wal_path()));
}

TEST_CASE("restart after the WAL changed offline clears the generation", "[db]") {
  TempDir dir;
  std::string first_gen;
  {
    AppDb app(dir / "app.db");
    app.insert(2);
    Db db(options(dir / "app.db"), {});
    db.sync({});
    first_gen = db.current_generation();
  }
  {
    // Replicator down: the app checkpoints and truncates the WAL, then writes more.
    AppDb app(dir / "app.db");
    app.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    app.insert(2);
  }
  CapturedLog cap;
  Db db(options(dir / "app.db"), cap.log());
  db.sync({});
  REQUIRE(!cap.events.empty());
  CHECK(cap.events[0].msg == "init: cannot determine last wal position, clearing generation");
  CHECK(cap.events[0].level == LogLevel::warn);
  CHECK(cap.reasons() == std::vector<std::string>{"no generation exists"});
  CHECK(db.current_generation() != first_gen);
  // The old generation's shadow files are cleaned away.
  CHECK(size_of(db.meta_path() + "/generations/" + first_gen) == -1);
}

TEST_CASE("restart with an unchanged WAL continues the same generation", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(2);
  std::string gen;
  {
    Db db(options(dir / "app.db"), {});
    db.sync({});
    gen = db.current_generation();
  }
  app.insert(3);
  CapturedLog cap;
  Db db(options(dir / "app.db"), cap.log());
  db.sync({});
  CHECK(cap.reasons().empty());
  CHECK(db.current_generation() == gen);
  CHECK(db.pos().offset == size_of(db.wal_path()));
}

TEST_CASE("a shadow file cut mid-transaction by a crash is trimmed to its last commit on open", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(1);
  std::string shadow;
  int64_t committed;
  {
    Db db(options(dir / "app.db"), {});
    db.sync({});
    shadow = db.shadow_wal_path(db.current_generation(), 0);
    committed = db.pos().offset;
  }
  // Simulate the crash window: a non-commit frame appended after the last commit.
  auto s = hs::test::read_file(shadow);
  int64_t fs = wal::frame_size(wal::parse_header(s.data(), "s").page_size);
  std::vector<uint8_t> extra(s.end() - fs, s.end());
  wal::write_be32(extra.data() + 4, 0);
  s.insert(s.end(), extra.begin(), extra.end());
  hs::test::write_file(shadow, s);
  Db db(options(dir / "app.db"), {});
  REQUIRE(db.open());
  CHECK(size_of(shadow) == committed);
}

TEST_CASE("old shadow files are removed once every replica is past them", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  Db db(options(dir / "app.db"), {});
  db.sync({});
  std::string gen = db.current_generation();
  for (int i = 0; i < 4; ++i) {
    app.insert(1);
    db.sync({});
    db.checkpoint(CheckpointMode::restart);
  }
  REQUIRE(db.pos().index == 4);
  // One replica still at index 1 and one unknown: nothing is removed.
  db.sync({Pos{gen, 4, 0}, Pos{}});
  CHECK(size_of(db.shadow_wal_path(gen, 0)) > 0);
  // Both at index 4: indexes below 3 go (one extra is kept, as litestream does).
  app.insert(1);
  db.sync({Pos{gen, 4, 0}, Pos{gen, 4, 100}});
  CHECK(size_of(db.shadow_wal_path(gen, 0)) == -1);
  CHECK(size_of(db.shadow_wal_path(gen, 2)) == -1);
  CHECK(size_of(db.shadow_wal_path(gen, 3)) > 0);
  CHECK(size_of(db.shadow_wal_path(gen, 4)) > 0);
}

TEST_CASE("TRUNCATE checkpoint shrinks the -wal file through our own restarting write", "[db]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  Db db(options(dir / "app.db"), {});
  db.sync({});
  for (int i = 0; i < 50; ++i) app.insert(1, 3000);
  db.sync({});
  int64_t big = size_of(db.wal_path());
  REQUIRE(big > wal::wal_size(db.page_size(), 50));
  db.checkpoint(CheckpointMode::truncate);
  CHECK(db.pos().index == 1);
  CHECK(size_of(db.wal_path()) == wal::wal_size(db.page_size(), 1));  // header + our one frame
  CHECK(app.scalar("SELECT count(*) FROM t") == 50);
  app.insert(1);
  db.sync({});
  CHECK(db.pos().offset == size_of(db.wal_path()));
}

TEST_CASE("a checkpoint never covers frames that are not in the shadow WAL yet", "[db]") {
  // A writer commits as fast as it can while we checkpoint over and over: after each checkpoint
  // every index of the shadow WAL must replay to the app's rows (checked via restore in e2e); here
  // we check the invariant directly: each shadow index is a frame-exact prefix of the WAL
  // incarnation it copies and nothing the writer committed is missing from the last index.
  TempDir dir;
  AppDb app(dir / "app.db");
  DbOptions o = options(dir / "app.db");
  Db db(o, {});
  db.sync({});
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  std::string writer_error;
  std::thread writer([&] {
    try {
      AppDb w(dir / "app.db", true);
      while (!stop) {
        w.insert(1, 500);
        ++commits;
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  for (int i = 0; i < 30; ++i) {
    try {
      db.sync({});
      db.checkpoint(i % 3 == 0 ? CheckpointMode::truncate : CheckpointMode::passive);
    } catch (const std::exception& e) {
      FAIL_CHECK(e.what());
    }
  }
  stop = true;
  writer.join();
  CHECK(writer_error == "");
  db.sync({});
  // Replay: copy the shadow indexes over a snapshot-free empty start is not possible here, so
  // count committed frames instead: every commit of the writer produced >= 1 frame with a commit
  // flag; the shadow must contain at least `commits` commit frames in total.
  int64_t commit_frames = 0;
  std::string gen = db.current_generation();
  int64_t fs = wal::frame_size(db.page_size());
  for (int64_t idx = 0; idx <= db.pos().index; ++idx) {
    auto s = hs::test::read_file(db.shadow_wal_path(gen, idx));
    for (int64_t off = wal::kHeaderSize; off + fs <= int64_t(s.size()); off += fs)
      if (wal::parse_frame_header(s.data() + off).is_commit()) ++commit_frames;
  }
  INFO("commits " << commits.load() << " commit frames " << commit_frames);
  CHECK(commit_frames >= commits.load());
}

#ifndef HS_TEST_EMULATOR
#define HS_TEST_EMULATOR ""
#endif

namespace {

// The view's bytes, written out as a database file of its own.
int64_t write_view(Db& db, const std::string& out) {
  Db::SnapshotView view(db);
  std::vector<uint8_t> bytes(static_cast<size_t>(view.size()));
  size_t got = 0;
  while (size_t k = view.read_at(bytes.data() + got, 64 * 1024 + 100, int64_t(got))) got += k;  // unaligned reads
  CHECK(got == bytes.size());
  view.check_file_not_past_pos();
  hs::test::write_file(out, bytes);
  return view.size();
}

}  // namespace

TEST_CASE("a snapshot view reads the database at its position, however far behind the file is", "[db]") {
  // An app reader with an old snapshot holds every checkpoint back: the file stays at 300 rows
  // while the database grows (pages only in the WAL) or shrinks (a VACUUM the file does not have).
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(300, 500);
  app.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  AppDb reader(dir / "app.db");
  reader.exec("BEGIN");
  CHECK(reader.scalar("SELECT count(*) FROM t") == 300);
  Db db(options(dir / "app.db"), {});
  db.sync({});
  int64_t file_size = size_of(dir / "app.db");
  int64_t rows = 0;
  SECTION("grown") {
    for (int i = 0; i < 5; i++) app.insert(200, 500);
    app.exec("UPDATE t SET v = randomblob(300) WHERE id % 3 = 0");
    rows = 1300;
  }
  SECTION("shrunk") {
    app.exec("DELETE FROM t WHERE id > 20");
    app.exec("VACUUM");
    rows = 20;
  }
  db.sync({});
  db.checkpoint(CheckpointMode::passive);  // stops at the reader
  CHECK(size_of(dir / "app.db") == file_size);
  int64_t size = write_view(db, dir / "view.db");
  CHECK(size == app.scalar("PRAGMA page_count") * db.page_size());
  AppDb copy(dir / "view.db");
  CHECK(copy.scalar("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check='ok'") == 1);
  CHECK(copy.scalar("SELECT count(*) FROM t") == rows);
  CHECK(copy.scalar("SELECT sum(length(v)) FROM t") == app.scalar("SELECT sum(length(v)) FROM t"));

  // Checkpoints that write the file while a view lives change nothing it reads.
  {
    Db::SnapshotView view(db);
    auto before = db.checkpoint_info();
    reader.exec("COMMIT");
    app.exec("PRAGMA wal_checkpoint(PASSIVE)");
    auto after = db.checkpoint_info();
    REQUIRE((before && after));
    CHECK(after->backfill > before->backfill);  // the file was written while the view lived
    std::vector<uint8_t> bytes(static_cast<size_t>(view.size()));
    CHECK(view.read_at(bytes.data(), bytes.size(), 0) == bytes.size());
    view.check_file_not_past_pos();
    CHECK(bytes == hs::test::read_file(dir / "view.db"));
  }
}

namespace {

// Child mode: this test binary run again by exec_in_child_process, before Catch2 starts. A
// fresh image, not a bare fork: a forked child inherits SQLite's in-process lock table and would
// see our locks there whatever the OS holds.
const bool kChildRan = [] {
  const char* db = std::getenv("HS_CHILD_DB");
  const char* sql = std::getenv("HS_CHILD_SQL");
  if (!db || !sql) return false;
  sqlite3* c = nullptr;
  int rc = sqlite3_open_v2(db, &c, SQLITE_OPEN_READWRITE, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(c, sql, nullptr, nullptr, nullptr);
  sqlite3_close_v2(c);
  ::_exit(rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : 1);
}();

// `sql` on a connection of another process: SQLite's locks only bind across processes (a
// connection in this process sees its siblings' locks whatever the OS holds). Cross-built, the
// binary runs under the emulator (qemu-user), which an exec of the binary itself must name again.
void exec_in_child_process(const std::string& db_path, const std::string& sql) {
  char self[4096];
  ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);  // qemu-user answers the guest's path
  REQUIRE(len > 0);
  self[len] = '\0';
  const char* emulator = HS_TEST_EMULATOR;
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setenv("HS_CHILD_DB", db_path.c_str(), 1);
    ::setenv("HS_CHILD_SQL", sql.c_str(), 1);
    if (*emulator)
      ::execlp(emulator, emulator, self, static_cast<char*>(nullptr));
    else
      ::execl(self, self, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace

TEST_CASE("our read lock holds against another process's checkpoint across our -shm reads", "[db]") {
  // Every sync reads the -shm. Through a descriptor opened and closed each time, that drops every
  // POSIX lock this process holds on the file, our read mark included: another process could
  // then backfill and restart the WAL over frames the shadow does not have yet.
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(10);
  Db db(options(dir / "app.db"), {});
  db.sync({});
  auto at_lock = db.index_header();
  REQUIRE(at_lock);
  for (int i = 0; i < 3; i++) {
    app.insert(10);
    db.sync({});
  }
  app.insert(10);  // not copied yet
  exec_in_child_process(dir / "app.db", "PRAGMA wal_checkpoint(PASSIVE)");
  auto after = db.checkpoint_info();
  REQUIRE(after);
  CHECK(after->backfill <= at_lock->max_frame);
  exec_in_child_process(dir / "app.db", "PRAGMA busy_timeout=100; PRAGMA wal_checkpoint(TRUNCATE)");
  CHECK(size_of(db.wal_path()) > wal::kHeaderSize);  // not truncated under us
  db.sync({});
  CHECK(db.pos().index == 0);
}

TEST_CASE("a database in rollback-journal mode is switched to WAL mode and replicated", "[db]") {
  // Such a database has no -shm until the first read after the switch (litestream switches it too).
  TempDir dir;
  std::string path = dir / "app.db";
  sqlite3* c = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); INSERT INTO t(v) VALUES(randomblob(100));",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close_v2(c);
  REQUIRE(size_of(path + "-shm") < 0);
  Db db(options(path), {});
  CHECK(db.sync({}));
  CHECK_FALSE(db.pos().is_zero());
  AppDb app(path);
  CHECK(app.scalar("SELECT count(*) FROM t") == 1);
  app.insert(3);
  db.sync({});
  CHECK(db.pos().offset > wal::kHeaderSize);
}
