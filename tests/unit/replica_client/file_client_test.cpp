// What only the file client does (beyond contract_test.cpp): litestream's modes, atomic writes through
// *.tmp files, mtime as created_at, and paths that must not escape the replica directory.
#include <catch2/catch.hpp>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "client_under_test.h"
#include "core/error.h"
#include "storage/file/file_client.h"

using namespace hs;
using hs::test::StringReader;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "hs-file-client-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()));
    path = t;
  }
  ~TempDir() { fs::remove_all(path); }
};

const std::string g1 = "1d2cf359803de756";

mode_t mode_of(const fs::path& p) {
  struct stat st;
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("file: an empty root is an error; a missing directory is an empty replica", "[file]") {
  TempDir d;
  CHECK_THROWS_AS(storage::FileReplicaClient(""), core::Error);
  storage::FileReplicaClient c((d.path / "nope").string());
  CHECK(c.generations().empty());
  CHECK_FALSE(fs::exists(d.path / "nope"));  // listing creates nothing
}

TEST_CASE("file: litestream's paths and modes, created_at is the mtime, no temp file left", "[file]") {
  TempDir d;
  std::string root = (d.path / "replica").string();
  storage::FileReplicaClient c(root);
  StringReader snap("snapshot-bytes"), wal("wal-one");
  c.write_snapshot(g1, 2, snap);
  c.write_wal_segment(core::Pos{g1, 2, 0x4080}, wal);
  const std::string snap_path = root + "/generations/" + g1 + "/snapshots/00000002.snapshot.lz4";
  CHECK(fs::exists(snap_path));
  CHECK(fs::exists(root + "/generations/" + g1 + "/wal/00000002_00004080.wal.lz4"));
  auto mtime = fs::last_write_time(snap_path);
  CHECK(std::chrono::abs(c.snapshots(g1).at(0).created_at.time_since_epoch() -
                         std::chrono::file_clock::to_sys(mtime).time_since_epoch()) < std::chrono::milliseconds(1));
  // litestream's defaults when the database's modes are unknown.
  CHECK(mode_of(snap_path) == 0600);
  CHECK(mode_of(root + "/generations/" + g1) == 0700);
  for (auto& e : fs::recursive_directory_iterator(root)) CHECK_FALSE(e.path().string().ends_with(".tmp"));
}

TEST_CASE("file: a failing source leaves no temp file either", "[file]") {
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
  CHECK_THROWS(c.write_snapshot(g1, 0, failing));
  CHECK(fs::is_empty(d.path / "generations" / g1 / "snapshots"));
}

TEST_CASE("file: a generation name cannot leave the replica directory", "[file]") {
  TempDir d;
  storage::FileReplicaClient c(d.path.string());
  CHECK_THROWS_AS(c.delete_generation("../../etc"), core::Error);
}

TEST_CASE("file: a lease staging file of a killed writer is removed by the next lease write", "[file]") {
  TempDir d;
  std::string root = (d.path / "replica").string();
  storage::FileReplicaClient c(root);
  c.write_lease("first");
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  // Left by kill -9 between staging and rename: this host, a process that is gone.
  const fs::path dead = fs::path(root) / (std::string("replica-lease.json.") + host + ".999999999-0.tmp");
  // Another host's, fresh: may be a racing writer's, stays; the same but old: a leftover, removed.
  const fs::path other_fresh = fs::path(root) / "replica-lease.json.other-host.42-0.tmp";
  const fs::path other_old = fs::path(root) / "replica-lease.json.other-host.43-0.tmp";
  for (const auto& p : {dead, other_fresh, other_old}) std::ofstream(p) << "partial";
  fs::last_write_time(other_old, fs::file_time_type::clock::now() - std::chrono::minutes(5));
  c.write_lease("second");
  CHECK(c.read_lease() == std::optional<std::string>("second"));
  CHECK_FALSE(fs::exists(dead));
  CHECK_FALSE(fs::exists(other_old));
  CHECK(fs::exists(other_fresh));
}
