// The memory-mapped-window VFS of restore's integrity check: same answers as SQLite's default
// VFS (a sound file passes, a damaged one fails), with at most kMaxWindows windows mapped.
#include "core/sqlite_window_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "replica_fixture.h"

using namespace hs::core;

namespace {

// Runs `sql` and returns the first column of the first row ("" when none).
std::string first(const std::string& path, const std::string& sql, bool windows) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, windows ? window_vfs_name() : nullptr) ==
          SQLITE_OK);
  if (windows) fixture::exec(db, "PRAGMA mmap_size=1099511627776");
  sqlite3_stmt* st = nullptr;
  std::string out;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

namespace fs = std::filesystem;

// ~48 MiB: more than the windows hold at once (8 x 4 MiB), with an index on a random key so
// integrity_check's index probes jump around the file.
std::string build_once(const fixture::TempDir& dir) {
  std::string path = (dir.path / "big.db").string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  fixture::exec(db,
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
                "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v BLOB);"
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 12000)"
                " INSERT INTO t (k, v) SELECT abs(random()) % 100000, randomblob(3900) FROM n;"
                "CREATE INDEX t_k ON t(k); PRAGMA wal_checkpoint(TRUNCATE);");
  sqlite3_close(db);
  return path;
}

// A copy of that database in `dir` (built once per test run).
std::string build_db(const fixture::TempDir& dir) {
  static fixture::TempDir once;
  static const std::string built = build_once(once);
  std::string path = (dir.path / "big.db").string();
  fs::copy_file(built, path);
  return path;
}

}  // namespace

TEST_CASE("the window VFS answers as the default VFS, with bounded windows") {
  fixture::TempDir dir;
  std::string path = build_db(dir);
  const std::string sum = "SELECT count(*) || ':' || sum(k) || ':' || sum(length(v)) FROM t";
  auto before = window_vfs_stats();
  CHECK(first(path, sum, true) == first(path, sum, false));
  CHECK(first(path, "PRAGMA quick_check", true) == "ok");
  CHECK(first(path, "PRAGMA integrity_check", true) == "ok");
  auto after = window_vfs_stats();
  CHECK(after.fetches_mapped - before.fetches_mapped > 12000);  // the check went through the windows
  CHECK(after.windows_max >= 1);
  CHECK(after.windows_max <= kMaxWindows);
}

TEST_CASE("a damaged page fails the check through the windows as it does without them") {
  fixture::TempDir dir;
  std::string path = build_db(dir);
  // Page 5000 of 4 KiB: somewhere inside the table, past the first windows.
  int fd = ::open(path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  std::string junk(4096, '\x5a');
  REQUIRE(::pwrite(fd, junk.data(), junk.size(), off_t(4999) * 4096) == ssize_t(junk.size()));
  ::close(fd);
  std::string plain = first(path, "PRAGMA quick_check", false);
  CHECK(plain != "ok");
  CHECK(first(path, "PRAGMA quick_check", true) == plain);
}

// Two things keep this right, either one alone: SQLite drops every mapping when it sees the file
// changed (xUnfetch with no page), and a window shorter than a page's end is read around.
TEST_CASE("a file that grows inside a mapped window is read past the window's end, not through it") {
  fixture::TempDir dir;
  std::string path = (dir.path / "grow.db").string();
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &writer) == SQLITE_OK);  // rollback journal: writes go to the file
  fixture::exec(writer,
                "CREATE TABLE t (v BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100)"
                " INSERT INTO t SELECT randomblob(3000) FROM n;");
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &reader, SQLITE_OPEN_READONLY, window_vfs_name()) == SQLITE_OK);
  fixture::exec(reader, "PRAGMA mmap_size=1099511627776");
  auto count = [&] {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(reader, "SELECT count(*), sum(length(v)) FROM t", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  };
  CHECK(count() == 100);  // maps the first window while the file is ~400 KB
  fixture::exec(writer,   // to ~2.2 MB, inside the same 4 MiB window
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 600)"
                " INSERT INTO t SELECT randomblob(3000) FROM n;");
  CHECK(count() == 700);
  sqlite3_close(reader);
  sqlite3_close(writer);
}
