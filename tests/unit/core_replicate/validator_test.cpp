// validation-interval: the live checksum at a shadow position, the replica restored to exactly that
// position, and a round's verdict on a healthy, a corrupted and a tampered file replica.
#include "core/validator.h"

#include <sys/stat.h>
#include <utime.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/layout.h"
#include "core/lz4_frame.h"
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

struct Events {
  std::mutex mu;
  std::vector<std::pair<LogLevel, std::string>> all;
  EventLog log() {
    return EventLog(
        [this](LogLevel l, const std::string& m, const LogFields&) {
          std::lock_guard lk(mu);
          all.emplace_back(l, m);
        },
        {});
  }
  int count(LogLevel l, const std::string& m) {
    std::lock_guard lk(mu);
    int n = 0;
    for (auto& [lv, msg] : all) n += (lv == l && msg == m);
    return n;
  }
};

// A replicated database: app, Db, file replica, validator (interval unused: rounds run by hand).
struct Fixture {
  TempDir dir;
  Events events;
  AppDb app{dir / "app.db"};
  Db db{db_options(dir / "app.db"), {}};
  hs::storage::FileReplicaClient* client = nullptr;
  std::unique_ptr<Replica> replica;
  std::unique_ptr<Validator> validator;
  Fixture() {
    app.insert(50);
    db.sync({});
    client = new hs::storage::FileReplicaClient(dir / "replica");
    replica = std::make_unique<Replica>(db, std::unique_ptr<ReplicaClient>(client), ReplicaOptions{}, events.log());
    replica->sync();
    validator = std::make_unique<Validator>(db, *replica, std::chrono::hours(1), db.meta_path());
  }
  std::string object_dir(const std::string& kind) {
    return dir / ("replica/generations/" + db.current_generation() + "/" + kind);
  }
};

std::string only_file(const std::string& dir, const std::string& suffix) {
  std::string found;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().string().ends_with(suffix)) found = e.path().string();
  REQUIRE(!found.empty());
  return found;
}

void keep_mtime(const std::string& path, const struct stat& st) {
  struct utimbuf t {
    st.st_atime, st.st_mtime
  };
  REQUIRE(::utime(path.c_str(), &t) == 0);
}

}  // namespace

TEST_CASE("crc64_iso is Go's crc64.ISO", "[validator]") {
  CHECK(crc64_iso(0, "123456789", 9) == 0xb90956c775a41001ULL);
  // Chained calls equal one call over the concatenation.
  CHECK(crc64_iso(crc64_iso(0, "1234", 4), "56789", 5) == 0xb90956c775a41001ULL);
  CHECK(crc64_iso(0, "", 0) == 0);
}

TEST_CASE("the live checksum at a position equals the database file once it is checkpointed", "[validator]") {
  Fixture f;
  f.app.insert(20);
  f.db.sync({});
  PageChecksum live = checksum_db_at(f.db);
  CHECK(live.pos == f.db.pos());
  // Checkpointing the same frames into the file gives the same pages (nothing was written since).
  f.db.checkpoint(CheckpointMode::passive);
  PageChecksum file = checksum_file(f.dir / "app.db", live.page_size);
  CHECK(file.pages == live.pages);
  CHECK(file.crc == live.crc);
}

TEST_CASE("a healthy replica validates, also across WAL indexes", "[validator]") {
  Fixture f;
  ValidationResult r = f.validator->validate_once();
  INFO(r.detail);
  CHECK(r.status == ValidationResult::Status::ok);
  CHECK(r.db_crc == r.replica_crc);
  for (int i = 0; i < 3; ++i) {
    f.app.insert(30, 1000);
    f.db.sync({});
    if (i == 1) f.db.checkpoint(CheckpointMode::restart);
    f.db.sync({});
    f.replica->sync();
    r = f.validator->validate_once();
    INFO(r.detail);
    CHECK(r.status == ValidationResult::Status::ok);
  }
  CHECK(f.events.count(LogLevel::info, "validation ok") == 4);
  CHECK(f.events.count(LogLevel::error, "validation failed") == 0);
  CHECK(f.replica->metrics().validation_ok.value() >= 4);
  CHECK(f.replica->metrics().validation_failing.value() == 0);
  CHECK(f.replica->metrics().validation_last.value() > 0);
  // Nothing is left in the meta directory.
  for (const auto& e : std::filesystem::directory_iterator(f.db.meta_path()))
    CHECK(e.path().filename().string().rfind("validate-", 0) != 0);
}

TEST_CASE("the replica is restored to exactly the position, inside a segment uploaded later", "[validator]") {
  Fixture f;
  f.app.insert(10);
  f.db.sync({});
  auto snapshots = f.client->snapshots(f.db.current_generation());
  PageChecksum live = checksum_db_at(f.db);
  // More commits, then one upload: its segment runs past the position taken above.
  f.app.insert(40, 500);
  f.db.sync({});
  f.replica->sync();
  auto segs = f.client->wal_segments(live.pos.generation);
  REQUIRE(std::any_of(segs.begin(), segs.end(), [&](const WalSegmentInfo& s) {
    return s.index == live.pos.index && s.offset < live.pos.offset;
  }));
  TempDir out;
  PageChecksum restored = checksum_replica_at(*f.client, live.pos, snapshots, out / "r.db", {});
  CHECK(restored.pages == live.pages);
  CHECK(restored.crc == live.crc);
  // And at the end it equals the live database now.
  PageChecksum now = checksum_db_at(f.db);
  PageChecksum all = checksum_replica_at(*f.client, now.pos, f.client->snapshots(now.pos.generation), out / "a.db", {});
  CHECK(all.crc == now.crc);
  CHECK(all.crc != restored.crc);
}

TEST_CASE("a corrupted WAL segment fails validation with an ERROR; replication goes on", "[validator]") {
  Fixture f;
  f.app.insert(20);
  f.db.sync({});
  f.replica->sync();
  std::string seg = only_file(f.object_dir("wal"), "00000000_00000000.wal.lz4");
  auto bytes = hs::test::read_file(seg);
  bytes[bytes.size() / 2] ^= 0x5a;
  hs::test::write_file(seg, bytes);
  ValidationResult r = f.validator->validate_once();
  CHECK(r.status == ValidationResult::Status::failed);
  CHECK_THAT(r.detail, Catch::Contains("cannot restore"));
  CHECK(f.events.count(LogLevel::error, "validation failed") == 1);
  CHECK(f.replica->metrics().validation_error.value() >= 1);
  CHECK(f.replica->metrics().validation_failing.value() == 1);
  // A later round that checks nothing (the replica is behind; stopped) does not hide the failure.
  f.app.insert(5);
  f.db.sync({});
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    f.validator->stop();
  });
  CHECK(f.validator->validate_once().status == ValidationResult::Status::skipped);
  stopper.join();
  CHECK(f.validator->last().status == ValidationResult::Status::failed);
  // Replication is not affected.
  CHECK_NOTHROW(f.replica->sync());
}

TEST_CASE("a snapshot whose pages changed (LZ4 still valid) is a checksum mismatch", "[validator]") {
  Fixture f;
  // A snapshot of index 1, whose WAL frames touch only the replicator's own table: the app's
  // pages then come from the snapshot alone.
  f.db.checkpoint(CheckpointMode::restart);
  f.db.sync({});
  f.replica->snapshot();
  f.replica->sync();
  std::string snap = only_file(f.object_dir("snapshots"), "00000001.snapshot.lz4");
  struct stat st;
  REQUIRE(::stat(snap.c_str(), &st) == 0);
  auto raw = hs::test::read_file(snap);
  std::string plain = lz4_decompress(std::string(raw.begin(), raw.end()), snap);
  plain[3 * 4096 - 10] ^= 0x01;  // the end of page 3: row data of the app's table
  std::string again = lz4_compress(plain);
  hs::test::write_file(snap, std::vector<uint8_t>(again.begin(), again.end()));
  keep_mtime(snap, st);  // silent damage: same name, same time
  ValidationResult r = f.validator->validate_once();
  CHECK(r.status == ValidationResult::Status::failed);
  CHECK_THAT(r.detail, Catch::Contains("checksum mismatch"));
  CHECK(r.db_crc != r.replica_crc);
  CHECK(f.events.count(LogLevel::error, "validation failed") == 1);
}

TEST_CASE("a round is skipped, not failed, when the replica does not reach the position", "[validator]") {
  Fixture f;
  // A replica that never uploads what was committed last: no failure, a skip (its lag reports it).
  f.app.insert(5);
  f.db.sync({});
  Validator v(f.db, *f.replica, std::chrono::hours(1), f.db.meta_path());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    v.stop();
  });
  ValidationResult r = v.validate_once();
  stopper.join();
  CHECK(r.status == ValidationResult::Status::skipped);
  CHECK(f.events.count(LogLevel::error, "validation failed") == 0);
}
