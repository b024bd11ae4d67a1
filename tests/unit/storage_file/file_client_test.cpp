#include <catch2/catch.hpp>
#include <cstring>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/layout.h"
#include "core/lz4_frame.h"
#include "storage/file/file_client.h"

using namespace hs;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "hs-file-client-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()));
    path = t;
  }
  ~TempDir() { fs::remove_all(path); }
};

const std::string g1 = "1d2cf359803de756", g2 = "ffffffffffffffff";

mode_t mode_of(const fs::path& p) {
  struct stat st;
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("an empty or missing replica directory lists nothing") {
  TempDir d;
  storage::FileReplicaClient c((d.path / "nope").string());
  CHECK(c.type() == "file");
  CHECK(c.generations().empty());
  CHECK(c.snapshots(g1).empty());
  CHECK(c.wal_segments(g1).empty());
  CHECK_THROWS_AS(c.open_snapshot(g1, 0), core::NotFoundError);
  CHECK_THROWS_AS(c.open_wal_segment(core::Pos{g1, 0, 0}), core::NotFoundError);
  CHECK_THROWS_AS(storage::FileReplicaClient(""), core::Error);
}

TEST_CASE("objects are written under litestream's keys and read back unchanged") {
  TempDir d;
  std::string root = (d.path / "replica").string();
  storage::FileReplicaClient c(root);
  core::MemoryReader snap("snapshot-bytes");
  auto si = c.write_snapshot(g1, 2, snap);
  CHECK(si.index == 2);
  CHECK(si.size == 14);
  CHECK(fs::exists(root + "/generations/" + g1 + "/snapshots/00000002.snapshot.lz4"));
  core::MemoryReader w0("wal0"), w1("wal-one");
  c.write_wal_segment(core::Pos{g1, 2, 0}, w0);
  auto wi = c.write_wal_segment(core::Pos{g1, 2, 0x4080}, w1);
  CHECK(wi.offset == 0x4080);
  CHECK(wi.size == 7);
  CHECK(fs::exists(root + "/generations/" + g1 + "/wal/00000002_00004080.wal.lz4"));
  core::MemoryReader w2("other");
  c.write_wal_segment(core::Pos{g2, 0, 0}, w2);

  CHECK(c.generations() == std::vector<std::string>{g1, g2});
  auto snaps = c.snapshots(g1);
  REQUIRE(snaps.size() == 1);
  CHECK(snaps[0].size == 14);
  // created_at is the file's mtime.
  auto mtime = fs::last_write_time(root + "/generations/" + g1 + "/snapshots/00000002.snapshot.lz4");
  CHECK(std::chrono::abs(snaps[0].created_at.time_since_epoch() -
                         std::chrono::file_clock::to_sys(mtime).time_since_epoch()) < std::chrono::milliseconds(1));
  auto segs = c.wal_segments(g1);
  REQUIRE(segs.size() == 2);
  CHECK(segs[0].offset == 0);
  CHECK(segs[1].offset == 0x4080);
  CHECK(core::read_all(*c.open_snapshot(g1, 2)) == "snapshot-bytes");
  CHECK(core::read_all(*c.open_wal_segment(core::Pos{g1, 2, 0x4080})) == "wal-one");

  // Modes: litestream's defaults when the database's are unknown.
  CHECK(mode_of(root + "/generations/" + g1 + "/snapshots/00000002.snapshot.lz4") == 0600);
  CHECK(mode_of(root + "/generations/" + g1) == 0700);
  // No temp files left behind.
  for (auto& e : fs::recursive_directory_iterator(root)) CHECK_FALSE(e.path().string().ends_with(".tmp"));
}

TEST_CASE("listings sort numerically and ignore foreign names, temp files and bad generations") {
  TempDir d;
  std::string root = d.path.string();
  storage::FileReplicaClient c(root);
  for (int64_t idx : {0x10, 0x2, 0x1}) {
    core::MemoryReader r("x");
    c.write_wal_segment(core::Pos{g1, idx, 0}, r);
  }
  core::MemoryReader big("y");
  c.write_wal_segment(core::Pos{g1, 1, 0x100000000LL}, big);  // nine hex digits
  std::string wal = root + "/generations/" + g1 + "/wal/";
  std::ofstream(wal + "00000003_00000000.wal.lz4.tmp") << "partial";
  std::ofstream(wal + "README") << "x";
  fs::create_directories(root + "/generations/NOT-A-GENERATION");
  fs::create_directories(root + "/generations/1D2CF359803DE756");
  auto segs = c.wal_segments(g1);
  REQUIRE(segs.size() == 4);
  CHECK(segs[0].index == 1);
  CHECK(segs[1].index == 1);
  CHECK(segs[1].offset == 0x100000000LL);
  CHECK(segs[2].index == 2);
  CHECK(segs[3].index == 0x10);
  CHECK(c.generations() == std::vector<std::string>{g1});
}

TEST_CASE("deletes are idempotent and remove only what was asked") {
  TempDir d;
  storage::FileReplicaClient c(d.path.string());
  for (int64_t off : {0, 100, 200}) {
    core::MemoryReader r("z");
    c.write_wal_segment(core::Pos{g1, 0, off}, r);
  }
  core::MemoryReader s("s");
  c.write_snapshot(g1, 0, s);
  c.delete_wal_segments({core::Pos{g1, 0, 0}, core::Pos{g1, 0, 100}, core::Pos{g1, 7, 0}});
  auto segs = c.wal_segments(g1);
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].offset == 200);
  c.delete_snapshot(g1, 0);
  c.delete_snapshot(g1, 0);
  CHECK(c.snapshots(g1).empty());
  c.delete_generation(g1);
  CHECK(c.generations().empty());
  CHECK_THROWS_AS(c.delete_generation("../../etc"), core::Error);
}

TEST_CASE("a failing source leaves no object and no temp file") {
  TempDir d;
  storage::FileReplicaClient c(d.path.string());
  struct Failing : core::Reader {
    int calls = 0;
    size_t read(void* buf, size_t n) override {
      if (calls++ == 0) {
        std::memset(buf, 'a', std::min<size_t>(n, 10));
        return std::min<size_t>(n, 10);
      }
      throw core::Error("source broke");
    }
  } failing;
  CHECK_THROWS_WITH(c.write_snapshot(g1, 0, failing), Catch::Contains("source broke"));
  CHECK(c.snapshots(g1).empty());
  CHECK(fs::is_empty(d.path / "generations" / g1 / "snapshots"));
}
