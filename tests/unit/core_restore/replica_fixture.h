#pragma once
// Builds a real Litestream-layout file replica from a real SQLite database, without litestream:
// snapshot = the checkpointed database file, WAL index N = the bytes SQLite wrote to its -wal
// between two TRUNCATE checkpoints, cut into segments at commit frames (as litestream uploads
// them). Lets restore tests know exactly which rows each index and segment holds.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/lz4_frame.h"
#include "core/wal.h"
#include "storage/file/file_client.h"

namespace fixture {

namespace fs = std::filesystem;

// A reader that returns at most `step` bytes per call, as a network body does (short reads).
class TrickleReader : public hs::core::Reader {
 public:
  TrickleReader(std::string d, size_t step) : d_(std::move(d)), step_(step) {}
  size_t read(void* buf, size_t n) override {
    size_t k = std::min({n, step_, d_.size() - pos_});
    std::memcpy(buf, d_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string d_;
  size_t step_, pos_ = 0;
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string e = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error(sql + ": " + e);
  }
}

inline int64_t query_int(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error("open " + path);
  sqlite3_stmt* st = nullptr;
  int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// A temp directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "hs-restore-test-XXXXXX").string();
    if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
    path = t;
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

struct Segment {
  int64_t index, offset;
  std::string bytes;  // uncompressed
};

class ReplicaBuilder {
 public:
  static constexpr const char* kGen = "a1b2c3d4e5f60718";

  explicit ReplicaBuilder(const std::string& dir) : db_path_(dir + "/src.db"), replica_(dir + "/replica") {
    if (sqlite3_open(db_path_.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open src");
    exec(db_, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;");
    exec(db_, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);");
  }
  ~ReplicaBuilder() { sqlite3_close(db_); }

  void insert(int n) {
    exec(db_, "BEGIN");
    for (int i = 0; i < n; i++) exec(db_, "INSERT INTO t (v) VALUES (hex(randomblob(300)))");
    exec(db_, "COMMIT");
    rows_++;  // counts transactions; rows are counted through SQL
  }

  // Checkpoints everything into the database file and stores it as the snapshot of `index`.
  void snapshot(int64_t index) {
    exec(db_, "PRAGMA wal_checkpoint(TRUNCATE);");
    hs::core::MemoryReader r(hs::core::lz4_compress(slurp(db_path_)));
    replica_.write_snapshot(kGen, index, r);
    wal_index_ = index;
    wal_taken_ = 0;
  }

  // Uploads the WAL bytes written since the last call as one segment of the current index.
  void segment() {
    std::string wal = slurp(db_path_ + "-wal");
    if (static_cast<int64_t>(wal.size()) <= wal_taken_) return;
    std::string part = wal.substr(wal_taken_);
    segments_.push_back(Segment{wal_index_, wal_taken_, part});
    hs::core::MemoryReader r(hs::core::lz4_compress(part));
    replica_.write_wal_segment(hs::core::Pos{kGen, wal_index_, wal_taken_}, r);
    wal_taken_ = static_cast<int64_t>(wal.size());
  }

  // Ends the current WAL index (checkpoint + restart), as litestream does after a checkpoint.
  void next_index() {
    segment();
    exec(db_, "PRAGMA wal_checkpoint(TRUNCATE);");
    wal_index_++;
    wal_taken_ = 0;
  }

  int64_t count() const { return query_int(db_path_, "SELECT count(*) FROM t"); }
  void sql(const char* statement) { exec(db_, statement); }
  const std::string& db_path() const { return db_path_; }
  hs::storage::FileReplicaClient& client() { return replica_; }
  const std::vector<Segment>& segments() const { return segments_; }
  std::string replica_root() const { return replica_.root(); }

 private:
  std::string db_path_;
  sqlite3* db_ = nullptr;
  hs::storage::FileReplicaClient replica_;
  int64_t wal_index_ = 0, wal_taken_ = 0;
  int rows_ = 0;
  std::vector<Segment> segments_;
};

// Files in `dir` whose names start with `prefix` (leftovers next to a restore output).
inline std::vector<std::string> files_with_prefix(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path().filename().string());
  return out;
}

}  // namespace fixture
