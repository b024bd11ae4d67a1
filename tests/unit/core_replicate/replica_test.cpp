// Replica sync to a real file replica: object layout, segment contents, position recovery,
// retention, and a full restore (the restore part's code) of what was replicated.
#include "core/replica.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "core/db_replicator.h"
#include "core/forwarding_client.h"
#include "core/lz4_frame.h"
#include "core/restore.h"
#include "core/wal.h"
#include "storage/file/file_client.h"
#include "test_support.h"

using namespace hs::core;
using hs::test::AppDb;
using hs::test::TempDir;

namespace {

DbOptions db_options(const std::string& path) {
  DbOptions o;
  o.path = path;
  o.checkpoint_interval = std::chrono::nanoseconds(0);
  return o;
}

std::string segment_bytes(ReplicaClient& c, const Pos& p) {
  auto r = c.open_wal_segment(p);
  Lz4DecompressReader d(*r, p.str());
  return read_all(d);
}

int64_t restored_rows(ReplicaClient& client, const std::string& generation, const std::string& out) {
  RestoreOptions ro;
  ro.output_path = out;
  ro.generation = generation;
  restore(client, ro);
  AppDb restored(out);
  REQUIRE(restored.scalar("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check='ok'") == 1);
  return restored.scalar("SELECT count(*) FROM t");
}

}  // namespace

TEST_CASE("first sync writes a snapshot and a segment equal to the WAL; later syncs append segments", "[replica]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(3);
  Db db(db_options(dir / "app.db"), {});
  db.sync({});
  auto* client = new hs::storage::FileReplicaClient(dir / "replica");
  Replica r(db, std::unique_ptr<ReplicaClient>(client), {}, {});
  CHECK(r.name() == "file");
  r.sync();

  std::string gen = db.current_generation();
  auto snaps = client->snapshots(gen);
  REQUIRE(snaps.size() == 1);
  CHECK(snaps[0].index == 0);
  auto segs = client->wal_segments(gen);
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].offset == 0);
  auto wal_bytes = hs::test::read_file(db.wal_path());
  CHECK(segment_bytes(*client, segs[0].pos()) == std::string(wal_bytes.begin(), wal_bytes.end()));
  CHECK(r.pos() == db.pos());

  int64_t off = db.pos().offset;
  app.insert(2);
  db.sync({r.pos()});
  r.sync();
  segs = client->wal_segments(gen);
  REQUIRE(segs.size() == 2);
  CHECK(segs[1].offset == off);  // named by byte offset in the WAL, frames only
  std::string second = segment_bytes(*client, segs[1].pos());
  CHECK(int64_t(second.size()) == db.pos().offset - off);
  CHECK(wal::parse_frame_header(reinterpret_cast<const uint8_t*>(second.data())).salt1 ==
        wal::parse_header(wal_bytes.data(), "w").salt1);

  // Nothing new: no object is written.
  db.sync({r.pos()});
  r.sync();
  CHECK(client->wal_segments(gen).size() == 2);
  CHECK(restored_rows(*client, gen, dir / "restored.db") == 5);
}

TEST_CASE("a new index is uploaded as its own segment starting at offset 0", "[replica]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(1);
  Db db(db_options(dir / "app.db"), {});
  db.sync({});
  auto* client = new hs::storage::FileReplicaClient(dir / "replica");
  Replica r(db, std::unique_ptr<ReplicaClient>(client), {}, {});
  r.sync();
  app.insert(1);
  db.sync({r.pos()});
  db.checkpoint(CheckpointMode::restart);
  app.insert(1);
  db.sync({r.pos()});
  r.sync();  // crosses the index boundary: the tail of index 0, then index 1 from 0
  auto segs = client->wal_segments(db.current_generation());
  REQUIRE(segs.size() == 3);
  CHECK(segs[1].index == 0);
  CHECK(segs[2].index == 1);
  CHECK(segs[2].offset == 0);
  CHECK(r.pos() == db.pos());
  CHECK(restored_rows(*client, db.current_generation(), dir / "restored.db") == 3);
}

TEST_CASE("position is recovered from the replica after a restart (calcPos)", "[replica]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(2);
  Pos synced;
  {
    Db db(db_options(dir / "app.db"), {});
    db.sync({});
    Replica r(db, std::make_unique<hs::storage::FileReplicaClient>(dir / "replica"), {}, {});
    r.sync();
    // The snapshot's PASSIVE checkpoint backfilled the whole WAL; with nothing newer in it, the
    // app's first write after we stop would restart the WAL (a new generation, as in litestream).
    app.insert(1);
    db.sync({});
    r.sync();
    synced = r.pos();
  }
  app.insert(2);
  Db db(db_options(dir / "app.db"), {});
  db.sync({});
  auto* client = new hs::storage::FileReplicaClient(dir / "replica");
  Replica r(db, std::unique_ptr<ReplicaClient>(client), {}, {});
  CHECK(r.calc_pos(synced.generation) == synced);
  r.sync();
  CHECK(client->snapshots(synced.generation).size() == 1);  // no second snapshot
  auto segs = client->wal_segments(synced.generation);
  REQUIRE(segs.size() == 3);
  CHECK(segs[2].offset == synced.offset);
  CHECK(restored_rows(*client, synced.generation, dir / "restored.db") == 5);
}

TEST_CASE("a failed upload resets the position; the next sync recovers it and loses nothing", "[replica]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(1);
  Db db(db_options(dir / "app.db"), {});
  db.sync({});
  auto* client = new hs::storage::FileReplicaClient(dir / "replica");
  Replica r(db, std::unique_ptr<ReplicaClient>(client), {}, {});
  r.sync();
  // Make the replica's wal directory unwritable for a moment (a full disk, an outage...).
  std::string wal_dir = dir / ("replica/generations/" + db.current_generation() + "/wal");
  REQUIRE(::chmod(wal_dir.c_str(), 0500) == 0);
  app.insert(1);
  db.sync({r.pos()});
  if (::geteuid() == 0) {
    // root ignores directory modes: replace the directory with a file instead.
    std::filesystem::rename(wal_dir, wal_dir + ".away");
    hs::test::write_file(wal_dir, {1});
  }
  CHECK_THROWS(r.sync());
  CHECK(r.pos().is_zero());
  if (::geteuid() == 0) {
    std::filesystem::remove(wal_dir);
    std::filesystem::rename(wal_dir + ".away", wal_dir);
  }
  REQUIRE(::chmod(wal_dir.c_str(), 0700) == 0);
  r.sync();
  CHECK(r.pos() == db.pos());
  CHECK(restored_rows(*client, db.current_generation(), dir / "restored.db") == 2);
}

TEST_CASE("retention deletes older generations and what precedes the oldest kept snapshot", "[replica]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(1);
  auto* client = new hs::storage::FileReplicaClient(dir / "replica");
  std::string old_gen;
  {
    Db db(db_options(dir / "app.db"), {});
    db.sync({});
    Replica r(db, std::make_unique<hs::storage::FileReplicaClient>(dir / "replica"), {}, {});
    r.sync();
    old_gen = db.current_generation();
  }
  // Force a new generation: the shadow state is gone.
  std::filesystem::remove_all(dir / ".app.db-litestream");
  app.insert(1);
  Db db(db_options(dir / "app.db"), {});
  db.sync({});
  ReplicaOptions o;
  o.retention = std::chrono::milliseconds(1);
  Replica r(db, std::unique_ptr<ReplicaClient>(client), o, {});
  r.sync();
  app.insert(1);
  db.sync({r.pos()});
  db.checkpoint(CheckpointMode::restart);
  db.sync({r.pos()});
  r.sync();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Everything is older than 1ms: a fresh snapshot is taken (index 1) and all before it goes.
  r.enforce_retention();
  auto gens = client->generations();
  CHECK(gens == std::vector<std::string>{db.current_generation()});
  auto snaps = client->snapshots(db.current_generation());
  REQUIRE(snaps.size() == 1);
  CHECK(snaps[0].index == 1);
  for (auto& s : client->wal_segments(db.current_generation())) CHECK(s.index >= 1);
  CHECK(restored_rows(*client, db.current_generation(), dir / "restored.db") == 3);
}

namespace {
// Deletes only the first WAL segment of each delete call, then fails: a replicator killed between
// the deletes of one retention run.
class KilledMidDelete : public ForwardingClient {
 public:
  using ForwardingClient::ForwardingClient;
  void delete_wal_segments(const std::vector<Pos>& ps) override {
    inner().delete_wal_segments({ps.front()});
    throw Error("killed");
  }
};
}  // namespace

TEST_CASE("retention killed between WAL deletes leaves every index starting at offset 0", "[replica]") {
  // litestream 0.3.13's restore fails ("missing initial wal segment") on any index of the generation
  // whose first segment is not at offset 0, even below its snapshot.
  TempDir dir;
  AppDb app(dir / "app.db");
  hs::storage::FileReplicaClient files(dir / "replica");
  Db db(db_options(dir / "app.db"), {});
  ReplicaOptions o;
  o.retention = std::chrono::milliseconds(1);
  Replica r(db, std::make_unique<KilledMidDelete>(files), o, {});
  for (int i = 0; i < 4; i++) {  // index 0 in four segments
    app.insert(1);
    db.sync({r.pos()});
    r.sync();
  }
  REQUIRE(files.wal_segments(db.current_generation()).size() == 4);
  db.checkpoint(CheckpointMode::restart);
  app.insert(1);
  db.sync({r.pos()});
  r.sync();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_THROWS(r.enforce_retention());  // a fresh snapshot at index 1, then one delete of index 0
  auto left = files.wal_segments(db.current_generation());
  REQUIRE(left.size() == 4);  // 3 of index 0, 1 of index 1
  std::map<int64_t, int64_t> first;
  for (const auto& s : left)
    if (!first.count(s.index)) first[s.index] = s.offset;
  for (const auto& [index, offset] : first) CHECK(offset == 0);
}

TEST_CASE("DbReplicator thread uploads changes once per sync interval and a final sync on stop", "[replica]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(1);
  std::vector<ReplicaSetup> setups;
  ReplicaSetup s;
  s.client = std::make_unique<hs::storage::FileReplicaClient>(dir / "replica");
  s.options.sync_interval = std::chrono::milliseconds(200);
  setups.push_back(std::move(s));
  hs::storage::FileReplicaClient reader(dir / "replica");
  DbReplicator rep(db_options(dir / "app.db"), std::chrono::milliseconds(100), std::move(setups), {});
  rep.start();
  for (int i = 0; i < 20; ++i) {
    app.insert(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto gens = reader.generations();
  REQUIRE(gens.size() == 1);
  size_t n = reader.wal_segments(gens[0]).size();
  // ~0.4 s of writes at one upload per 200 ms, plus the initial one: a handful, not 20.
  CHECK(n >= 2);
  CHECK(n <= 6);
  // Idle: no more uploads.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(reader.wal_segments(gens[0]).size() == n);
  app.insert(5);
  CHECK(rep.stop());  // final sync picks up the last commit immediately
  CHECK(restored_rows(reader, gens[0], dir / "restored.db") == 26);
}

TEST_CASE("DbReplicator takes periodic snapshots at snapshot-interval and enforces retention", "[replica]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(1);
  std::vector<ReplicaSetup> setups;
  ReplicaSetup s;
  s.client = std::make_unique<hs::storage::FileReplicaClient>(dir / "replica");
  s.options.sync_interval = std::chrono::milliseconds(100);
  s.options.snapshot_interval = std::chrono::milliseconds(300);
  s.options.retention = std::chrono::milliseconds(700);
  s.options.retention_check_interval = std::chrono::milliseconds(200);
  setups.push_back(std::move(s));
  hs::storage::FileReplicaClient reader(dir / "replica");
  DbReplicator rep(db_options(dir / "app.db"), std::chrono::milliseconds(50), std::move(setups), {});
  rep.start();
  // Restarts of the WAL give new indexes, so periodic snapshots get distinct names.
  for (int i = 0; i < 12; ++i) {
    app.insert(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  CHECK(rep.stop());
  auto gens = reader.generations();
  REQUIRE(gens.size() == 1);
  auto snaps = reader.snapshots(gens[0]);
  // Snapshots were written periodically (the same index is overwritten while the WAL has not
  // restarted), and retention removed every segment older than the oldest kept snapshot.
  REQUIRE(!snaps.empty());
  CHECK(Clock::now() - snaps.back().created_at < std::chrono::milliseconds(900));
  for (auto& w : reader.wal_segments(gens[0])) CHECK(w.index >= snaps.front().index);
  CHECK(restored_rows(reader, gens[0], dir / "restored.db") == 13);
}

namespace {
// After every object a write makes visible, restores the generation as it is on the replica right
// then and records what was not a whole database: a restore may start at any instant, and a
// replicator may die after any write and leave the replica so for good.
// Runs `hook` once, after the first read (the middle of an upload, as far as the source knows).
class HookedReader : public Reader {
 public:
  HookedReader(Reader& r, std::function<void()> hook) : r_(r), hook_(std::move(hook)) {}
  size_t read(void* buf, size_t n) override {
    size_t got = r_.read(buf, n);
    if (hook_) std::exchange(hook_, nullptr)();
    return got;
  }

 private:
  Reader& r_;
  std::function<void()> hook_;
};

class RestoreAfterEachWrite : public ForwardingClient {
 public:
  RestoreAfterEachWrite(ReplicaClient& inner, std::string dir) : ForwardingClient(inner), dir_(std::move(dir)) {}
  SnapshotInfo write_snapshot(const std::string& g, int64_t i, Reader& d) override {
    HookedReader hooked(d, std::exchange(while_snapshot_read, nullptr));
    try {
      SnapshotInfo info = ForwardingClient::write_snapshot(g, i, hooked);
      writes.push_back("snapshot " + std::to_string(i));
      check(g, "after snapshot " + std::to_string(i));
      return info;
    } catch (const std::exception& e) {
      writes.push_back("failed snapshot " + std::to_string(i) + ": " + e.what());
      throw;
    }
  }
  WalSegmentInfo write_wal_segment(const Pos& p, Reader& d) override {
    WalSegmentInfo info = ForwardingClient::write_wal_segment(p, d);
    writes.push_back("segment " + p.str());
    check(p.generation, "after segment " + p.str());
    return info;
  }
  std::vector<std::string> broken;
  std::vector<std::string> writes;  // in order: "snapshot <index>", "segment <pos>", "failed snapshot ..."
  int restores = 0;
  std::function<void()> while_snapshot_read;  // run once, after the next snapshot's first read

 private:
  void check(const std::string& generation, const std::string& when) {
    if (inner().snapshots(generation).empty()) return;  // nothing a restore could start from yet
    RestoreOptions ro;
    ro.output_path = dir_ + "/at-" + std::to_string(++restores) + ".db";
    ro.generation = generation;
    try {
      restore(inner(), ro);  // checks integrity itself: a broken result is an error here
      AppDb restored(ro.output_path);
      if (restored.scalar("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check='ok'") != 1)
        broken.push_back(when);
    } catch (const std::exception& e) {
      broken.push_back(when + ": " + e.what());
    }
  }
  std::string dir_;
};
}  // namespace

TEST_CASE("a snapshot becomes visible only after the WAL it contains: every moment restores whole", "[replica]") {
  // The snapshot's file holds frames of its index up to the view's position (checkpoints backfill
  // them); a restore replays that index's WAL from offset 0 over it. Seen with less of that WAL,
  // old page versions land on a newer file: "2nd reference to page", rows out of order.
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(200, 300);
  app.exec("PRAGMA wal_checkpoint(TRUNCATE)");  // in the file: index 0's frames will not cover it
  app.insert(1, 300);
  hs::storage::FileReplicaClient files(dir / "replica");
  auto* watched = new RestoreAfterEachWrite(files, dir.path().string());
  Db db(db_options(dir / "app.db"), {});
  db.sync({});
  Replica r(db, std::unique_ptr<ReplicaClient>(watched), {}, {});
  r.sync();

  // An app reader keeps the WAL from restarting across our checkpoint, so the index goes on while
  // the database file moves past what the replica holds.
  AppDb reader(dir / "app.db");
  reader.exec("BEGIN");
  CHECK(reader.scalar("SELECT count(*) FROM t") == 201);
  app.exec("DELETE FROM t WHERE id % 2 = 0");
  for (int i = 0; i < 10; i++) app.insert(20, 500);
  db.sync({r.pos()});
  db.checkpoint(CheckpointMode::passive);
  reader.exec("COMMIT");
  Pos before = db.pos();
  CHECK(before.index == r.pos().index);  // the same index: its snapshot name is taken again

  r.snapshot();  // as snapshot-interval or retention takes one
  CHECK(watched->restores >= 2);
  for (const auto& w : watched->broken) FAIL_CHECK("restore not whole " << w);
  r.sync();
  CHECK(r.pos() == db.pos());
  CHECK(restored_rows(files, db.current_generation(), dir / "final.db") == app.scalar("SELECT count(*) FROM t"));
}

TEST_CASE("a new generation's first snapshot goes up before its WAL, and every moment restores whole", "[replica]") {
  // WAL first would leave the generation without a snapshot for a whole upload: litestream 0.3.13
  // picks it and fails "no snapshots available", for good if the replicator dies then.
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(50, 300);
  app.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  for (int i = 0; i < 5; i++) app.insert(20, 500);  // frames in the WAL, some pages also in the file
  hs::storage::FileReplicaClient files(dir / "replica");
  auto* watched = new RestoreAfterEachWrite(files, dir.path().string());
  Db db(db_options(dir / "app.db"), {});
  db.sync({});
  Replica r(db, std::unique_ptr<ReplicaClient>(watched), {}, {});
  r.sync();
  std::string gen = db.current_generation();
  REQUIRE(watched->writes.size() == 2);
  CHECK(watched->writes[0] == "snapshot 0");
  CHECK(watched->writes[1] == Pos{gen, 0, 0}.str().insert(0, "segment "));  // the index's WAL from 0, in one
  CHECK(watched->restores == 2);
  for (const auto& w : watched->broken) FAIL_CHECK("restore not whole " << w);
  // The snapshot alone already holds every row: it is the database at its position.
  hs::storage::FileReplicaClient snapshot_only(dir / "replica-snapshot-only");
  const std::filesystem::path snaps = "generations/" + gen + "/snapshots";
  std::filesystem::create_directories(dir.path() / "replica-snapshot-only" / snaps);
  std::filesystem::copy(dir.path() / "replica" / snaps, dir.path() / "replica-snapshot-only" / snaps);
  CHECK(restored_rows(snapshot_only, gen, dir / "snapshot-only.db") == 150);
  app.insert(3);
  db.sync({r.pos()});
  r.sync();
  CHECK(restored_rows(files, gen, dir / "final.db") == 153);
}

TEST_CASE("a first snapshot alone holds every commit while an app reader keeps the file behind", "[replica]") {
  // Were the snapshot the file alone (70 rows here), a replicator dying before the WAL follows it
  // would leave a newest generation that restores less than an older one held.
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(50, 300);
  app.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  app.insert(20, 500);
  hs::storage::FileReplicaClient files(dir / "replica");
  auto* watched = new RestoreAfterEachWrite(files, dir.path().string());
  Db db(db_options(dir / "app.db"), {});
  db.sync({});
  // An app reader with an older snapshot: no checkpoint can backfill past it, so the file is
  // behind the position while the snapshot is read. (Checkpoints during the read: db_test.)
  AppDb reader(dir / "app.db");
  reader.exec("BEGIN");
  CHECK(reader.scalar("SELECT count(*) FROM t") == 70);
  for (int i = 0; i < 10; i++) app.insert(20, 500);
  db.sync({});
  db.checkpoint(CheckpointMode::passive);  // our read lock moves to the end; the backfill stops at the reader
  Replica r(db, std::unique_ptr<ReplicaClient>(watched), {}, {});
  r.sync();
  reader.exec("COMMIT");
  std::string gen = db.current_generation();
  REQUIRE(watched->writes.size() == 2);
  CHECK(watched->writes[0] == "snapshot 0");
  CHECK(watched->writes[1] == Pos{gen, 0, 0}.str().insert(0, "segment "));
  for (const auto& w : watched->broken) FAIL_CHECK("restore not whole " << w);
  hs::storage::FileReplicaClient snapshot_only(dir / "replica-snapshot-only");
  const std::filesystem::path snaps = "generations/" + gen + "/snapshots";
  std::filesystem::create_directories(dir.path() / "replica-snapshot-only" / snaps);
  std::filesystem::copy(dir.path() / "replica" / snaps, dir.path() / "replica-snapshot-only" / snaps);
  CHECK(restored_rows(snapshot_only, gen, dir / "snapshot-only.db") == 270);
  CHECK(restored_rows(files, gen, dir / "final.db") == 270);
}

TEST_CASE("a snapshot after a restart uploads what an earlier index still lacks first: no gap", "[replica]") {
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(5);
  hs::storage::FileReplicaClient files(dir / "replica");
  Db db(db_options(dir / "app.db"), {});
  db.sync({});
  {
    Replica r(db, std::make_unique<ForwardingClient>(files), {}, {});
    r.sync();
  }
  app.insert(7);  // copied into index 0 of the shadow, never uploaded
  db.sync({});
  db.checkpoint(CheckpointMode::restart);
  app.insert(1);
  db.sync({});
  REQUIRE(db.pos().index == 1);
  // A replica whose position is unknown (a restart, an error) whose periodic snapshot comes first.
  Replica r(db, std::make_unique<ForwardingClient>(files), {}, {});
  r.snapshot();
  RestoreOptions ro;
  ro.output_path = dir / "index0.db";
  ro.generation = db.current_generation();
  ro.index = 0;  // from the first snapshot through index 0 only: its tail must be there
  restore(files, ro);
  AppDb at0(ro.output_path);
  CHECK(at0.scalar("SELECT count(*) FROM t") == 12);
  CHECK(restored_rows(files, db.current_generation(), dir / "all.db") == 13);
}
