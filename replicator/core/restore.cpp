// Restore execution (replica.go Restore): snapshot into a temp file, WAL indexes downloaded in
// parallel and applied in order with wal_checkpoint(TRUNCATE), integrity check, fsync, rename.
#include "core/restore.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "core/error.h"
#include "core/lz4_frame.h"
#include "core/restore_format.h"
#include "core/restore_wal.h"

namespace hs::core {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string errno_text() { return std::strerror(errno); }

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + path + " to fsync: " + errno_text());
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) throw Error("cannot fsync " + path + ": " + std::strerror(saved));
}

std::string random_suffix() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 8; i++) s += hex[rd() % 16];
  return s;
}

// Every temp file of one restore; whatever is still registered is removed on destruction, so no
// failure path can leave a partial database next to the output.
class TempFiles {
 public:
  explicit TempFiles(const std::string& output) {
    // A fresh random name per run: stale files of a killed restore can never be mistaken for ours
    // (SQLite would otherwise happily replay a stale "-wal" next to our temp database).
    for (int attempt = 0; attempt < 16; attempt++) {
      std::string base = output + ".tmp-" + random_suffix();
      if (exists(base) || exists(base + "-wal") || exists(base + "-shm") || exists(base + "-journal")) continue;
      db_ = base;
      for (const char* s : {"", "-wal", "-shm", "-journal"}) add(base + s);
      return;
    }
    throw Error("cannot choose a temp file name next to " + output);
  }
  ~TempFiles() {
    std::lock_guard lock(mu_);
    for (const auto& p : paths_) ::unlink(p.c_str());
  }
  const std::string& db() const { return db_; }
  void add(const std::string& path) {
    std::lock_guard lock(mu_);
    paths_.push_back(path);
  }
  void forget(const std::string& path) {
    std::lock_guard lock(mu_);
    std::erase(paths_, path);
  }

 private:
  std::mutex mu_;
  std::string db_;
  std::vector<std::string> paths_;
};

// An open SQLite connection on the temp database.
class Sqlite {
 public:
  explicit Sqlite(const std::string& path) : path_(path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      throw Error("cannot open restored database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Sqlite() { sqlite3_close(db_); }
  // Runs `sql`; returns every row as strings.
  std::vector<std::vector<std::string>> query(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw CorruptError(sql + " on " + path_ + ": " + sqlite3_errmsg(db_));
    std::vector<std::vector<std::string>> rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      auto& row = rows.emplace_back();
      for (int i = 0; i < sqlite3_column_count(st); i++) {
        auto* t = sqlite3_column_text(st, i);
        row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
      }
    }
    std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
    sqlite3_finalize(st);
    if (!err.empty()) throw CorruptError(sql + " on " + path_ + ": " + err);
    return rows;
  }
  void close() {
    if (sqlite3_close(db_) != SQLITE_OK) throw Error("cannot close " + path_ + ": " + sqlite3_errmsg(db_));
    db_ = nullptr;
  }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// Streams the snapshot into `path`, checking it is a whole SQLite database file.
int64_t write_snapshot(ReplicaClient& client, const std::string& generation, int64_t index, const std::string& path) {
  std::string what = layout::join(layout::join(generation, "snapshots"), layout::snapshot_name(index));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("cannot create " + path + ": " + errno_text());
  std::vector<char> buf(1 << 20);
  int64_t total = 0;
  std::string head;
  try {
    auto raw = client.open_snapshot(generation, index);
    Lz4DecompressReader z(*raw, what);
    for (;;) {
      // Fill the buffer fully so writes are large (the decompressor returns block-sized pieces).
      size_t got = 0;
      while (got < buf.size()) {
        size_t k = z.read(buf.data() + got, buf.size() - got);
        if (k == 0) break;
        got += k;
      }
      if (got == 0) break;
      if (head.size() < 100) head.append(buf.data(), std::min<size_t>(got, 100 - head.size()));
      for (size_t off = 0; off < got;) {
        ssize_t k = ::write(fd, buf.data() + off, got - off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) throw Error("cannot write " + path + ": " + errno_text());
        off += static_cast<size_t>(k);
      }
      total += static_cast<int64_t>(got);
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw Error("cannot close " + path + ": " + errno_text());
  if (head.size() < 100 || head.compare(0, 16, std::string("SQLite format 3\0", 16)) != 0)
    throw CorruptError("snapshot " + what + " is not an SQLite database file");
  uint32_t page_size = (uint8_t(head[16]) << 8) | uint8_t(head[17]);
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || (page_size & (page_size - 1)) != 0 || total % page_size != 0)
    throw CorruptError("snapshot " + what + " is " + std::to_string(total) + " bytes, not whole pages of " +
                       std::to_string(page_size));
  return total;
}

// Replays one downloaded WAL index into the temp database and checks SQLite took every frame.
void apply_wal(const std::string& db_path, const std::string& wal_file, const DownloadedWal& wal,
               const std::string& name) {
  std::string wal_path = db_path + "-wal";
  if (::rename(wal_file.c_str(), wal_path.c_str()) != 0)
    throw Error("cannot move " + wal_file + " to " + wal_path + ": " + errno_text());
  Sqlite db(db_path);
  // No fsync per index: the temp file is worthless until the single fsync before the rename
  // (a crash before that leaves only a temp file, never a half-restored output).
  db.query("PRAGMA synchronous=OFF;");
  // FULL first: it reports how many frames SQLite's recovery accepted and copied (TRUNCATE
  // reports 0,0 after resetting the log). SQLite replays only what its own recovery accepts; we
  // verified every frame ourselves, so any difference means the database would come out shorter
  // than the replica: refuse it.
  auto rows = db.query("PRAGMA wal_checkpoint(FULL);");
  if (rows.size() != 1 || rows[0].size() != 3) throw Error("unexpected wal_checkpoint result applying " + name);
  auto r = rows[0];
  std::string want = std::to_string(wal.frames);
  if (r[0] != "0" || r[1] != want || r[2] != want)
    throw CorruptError("applying " + name + ": SQLite checkpointed " + r[2] + " of " + r[1] + " frames (busy=" + r[0] +
                       "), expected all " + want + " verified frames");
  // Then TRUNCATE, as litestream's applyWAL does, so the next index starts from an empty log.
  r = db.query("PRAGMA wal_checkpoint(TRUNCATE);").at(0);
  if (r.at(0) != "0")
    throw Error("truncation checkpoint failed during restore (" + r[0] + "," + r[1] + "," + r[2] + ") applying " + name);
  db.close();
  ::unlink(wal_path.c_str());  // already gone after a clean close; never leave it behind
  ::unlink((db_path + "-shm").c_str());
}

void integrity_check(const std::string& db_path) {
  Sqlite db(db_path);
  auto rows = db.query("PRAGMA integrity_check;");
  if (rows.size() != 1 || rows[0].size() != 1 || rows[0][0] != "ok") {
    std::string detail;
    for (size_t i = 0; i < rows.size() && i < 5; i++) detail += (i ? "; " : "") + (rows[i].empty() ? "" : rows[i][0]);
    throw CorruptError("restored database fails PRAGMA integrity_check: " + detail);
  }
  db.close();
  ::unlink((db_path + "-wal").c_str());
  ::unlink((db_path + "-shm").c_str());
}

// Downloads WAL indexes with `parallelism` workers, at most that many ahead of the one being
// applied (bounded disk use), and applies them in order on the calling thread.
class WalPipeline {
 public:
  WalPipeline(ReplicaClient& client, const std::string& generation, const std::vector<WalIndexPlan>& plan,
              TempFiles& temps, int parallelism, const RestoreLogFn& log)
      : client_(client), generation_(generation), plan_(plan), temps_(temps),
        parallelism_(std::max(1, parallelism)), log_(log), results_(plan.size()) {}

  ~WalPipeline() {
    {
      std::lock_guard lock(mu_);
      cancel_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Starts the download workers (before the snapshot is written: they overlap with it).
  void start() {
    int n = std::min<int>(static_cast<int>(parallelism_), static_cast<int>(plan_.size()));
    for (int i = 0; i < n; i++) workers_.emplace_back([this] { work(); });
  }

  // Applies every index in order as its download completes.
  void apply_all(const std::string& db_path) {
    for (size_t i = 0; i < plan_.size(); i++) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return results_[i].done; });
      // Report the failure that stopped the downloads, not a "cancelled" it caused elsewhere.
      if (results_[i].error) std::rethrow_exception(first_error_ ? first_error_ : results_[i].error);
      DownloadedWal wal = results_[i].wal;
      lock.unlock();
      auto start = std::chrono::steady_clock::now();
      std::string name = generation_ + "/" + layout::hex08(plan_[i].index);
      apply_wal(db_path, file_for(i), wal, name);
      if (log_)
        log_("applied wal", {{"generation", generation_},
                            {"index", std::to_string(plan_[i].index)},
                            {"elapsed", go_duration(std::chrono::steady_clock::now() - start)}});
      lock.lock();
      applied_ = i + 1;
      lock.unlock();
      cv_.notify_all();
    }
  }

 private:
  struct Result {
    bool done = false;
    DownloadedWal wal;
    std::exception_ptr error;
  };

  std::string file_for(size_t i) const { return temps_.db() + "-" + layout::hex08(plan_[i].index) + "-wal"; }

  void work() {
    for (;;) {
      size_t i;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return cancel_ || next_ >= plan_.size() || next_ < applied_ + parallelism_; });
        if (cancel_ || next_ >= plan_.size()) return;
        i = next_++;
      }
      Result r;
      auto start = std::chrono::steady_clock::now();
      try {
        temps_.add(file_for(i));
        r.wal = download_wal_index(client_, generation_, plan_[i], file_for(i), cancel_);
      } catch (const std::exception& e) {
        r.error = std::make_exception_ptr(
            CorruptError("cannot download wal " + generation_ + "/" + layout::hex08(plan_[i].index) + ": " + e.what()));
      }
      r.done = true;
      if (!r.error && log_)
        log_("downloaded wal", {{"generation", generation_},
                                {"index", std::to_string(plan_[i].index)},
                                {"elapsed", go_duration(std::chrono::steady_clock::now() - start)}});
      {
        std::lock_guard lock(mu_);
        if (r.error && !first_error_) first_error_ = r.error;
        if (r.error) cancel_ = true;  // stop the other workers early
        results_[i] = r;
      }
      cv_.notify_all();
      if (r.error) return;
    }
  }

  ReplicaClient& client_;
  const std::string& generation_;
  const std::vector<WalIndexPlan>& plan_;
  TempFiles& temps_;
  size_t parallelism_;
  const RestoreLogFn& log_;
  std::vector<Result> results_;
  std::exception_ptr first_error_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> cancel_ = false;
  size_t next_ = 0, applied_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace

void restore(ReplicaClient& client, const RestoreOptions& opt) {
  const auto& log = opt.log;
  if (opt.output_path.empty()) throw Error("output path required");
  if (opt.generation.empty()) throw Error("generation required to restore (no matching backups found)");
  if (!layout::is_generation_name(opt.generation))
    throw Error("invalid generation \"" + opt.generation + "\": want 16 lowercase hex digits");
  if (opt.index != layout::kMaxIndex && opt.timestamp) throw Error("cannot specify index & timestamp to restore");
  if (opt.index < 0 || opt.index > layout::kMaxIndex) throw Error("invalid index " + std::to_string(opt.index));
  if (exists(opt.output_path)) throw Error("cannot restore, output path already exists: " + opt.output_path);

  auto snapshots = client.snapshots(opt.generation);
  int64_t snapshot_index;
  try {
    snapshot_index = pick_snapshot_index(snapshots, opt.index, opt.timestamp);
  } catch (const NotFoundError& e) {
    throw NotFoundError(std::string(opt.index < layout::kMaxIndex ? "cannot find snapshot index: "
                                                                  : "cannot find snapshot index by timestamp: ") +
                        e.what() + " in generation " + opt.generation);
  }
  std::vector<WalIndexPlan> plan;
  try {
    plan = plan_wal_indexes(opt.generation, client.wal_segments(opt.generation), snapshot_index, opt.index, opt.timestamp);
  } catch (const CorruptError& e) {
    throw CorruptError(std::string("cannot find max wal index for restore: ") + e.what());
  }
  // v0.3.13 means to reject an -index that does not exist but its check compares the index with
  // itself; we do reject it, rather than quietly restoring an older state than asked for.
  if (opt.index != layout::kMaxIndex && (plan.empty() ? snapshot_index : plan.back().index) < opt.index)
    throw NotFoundError("unable to locate index " + layout::hex08(opt.index) + " in generation " + opt.generation +
                        ", highest index is " + layout::hex08(plan.empty() ? snapshot_index : plan.back().index));

  std::filesystem::path out_dir = std::filesystem::path(opt.output_path).parent_path();
  if (out_dir.empty()) out_dir = ".";
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw Error("cannot create directory " + out_dir.string() + ": " + ec.message());

  TempFiles temps(opt.output_path);
  // WAL downloads run while the snapshot is being written (litestream does one after the other).
  std::optional<WalPipeline> pipeline;
  if (!plan.empty()) {
    pipeline.emplace(client, opt.generation, plan, temps, opt.parallelism, log);
    pipeline->start();
  }
  if (log)
    log("restoring snapshot", {{"generation", opt.generation},
                               {"index", std::to_string(snapshot_index)},
                               {"path", temps.db()}});
  write_snapshot(client, opt.generation, snapshot_index, temps.db());

  if (plan.empty()) {
    if (log) log("snapshot only, finalizing database", {});
  } else {
    if (log)
      log("restoring wal files", {{"generation", opt.generation},
                                  {"index_min", std::to_string(plan.front().index)},
                                  {"index_max", std::to_string(plan.back().index)}});
    pipeline->apply_all(temps.db());
    pipeline.reset();
  }

  integrity_check(temps.db());
  fsync_path(temps.db(), false);
  if (log) log("renaming database from temporary location", {});
  // Re-check right before the rename: rename(2) would silently replace a file created meanwhile.
  if (exists(opt.output_path)) throw Error("cannot restore, output path already exists: " + opt.output_path);
  if (::rename(temps.db().c_str(), opt.output_path.c_str()) != 0)
    throw Error("cannot rename " + temps.db() + " to " + opt.output_path + ": " + errno_text());
  temps.forget(temps.db());
  fsync_path(out_dir.string(), true);
}

}  // namespace hs::core
