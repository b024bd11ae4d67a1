// Restore execution (replica.go Restore): snapshot into a temp file, then every WAL index
// applied in order straight into it (restore_wal.h: our own checkpoint of verified frames),
// integrity check, fsync, rename.
#include "core/restore.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/error.h"
#include "core/lz4_frame.h"
#include "core/lz4_parallel.h"
#include "core/read_ahead.h"
#include "core/restore_prefetch.h"
#include "core/restore_progress.h"
#include "core/restore_wal.h"
#include "core/sqlite_window_vfs.h"

namespace hs::core {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

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
  explicit Sqlite(const std::string& path, const char* vfs = nullptr) : path_(path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs);
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
  DecodedFile out;
  try {
    auto raw = client.open_snapshot(generation, index);
    // A remote snapshot downloads on a thread of its own (the transfer, TLS included, overlaps the
    // decoding); a local file is read where it is parsed. Its blocks decode on two threads.
    std::optional<ReadAheadReader> fetched;
    if (client.remote()) fetched.emplace(*raw);
    out = lz4_decode_to_file(fetched ? static_cast<Reader&>(*fetched) : *raw, what, fd, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw Error("cannot close " + path + ": " + errno_text());
  const std::string& head = out.head;
  const int64_t total = out.size;
  if (head.size() < 100 || head.compare(0, 16, std::string("SQLite format 3\0", 16)) != 0)
    throw CorruptError("snapshot " + what + " is not an SQLite database file");
  uint32_t page_size = (uint8_t(head[16]) << 8) | uint8_t(head[17]);
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || (page_size & (page_size - 1)) != 0 || total % page_size != 0)
    throw CorruptError("snapshot " + what + " is " + std::to_string(total) + " bytes, not whole pages of " +
                       std::to_string(page_size));
  return total;
}

// The header's page count must match the file (a truncated or padded file fails here, cheaply).
void check_header(const std::string& db_path) {
  int fd = ::open(db_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + db_path + ": " + errno_text());
  uint8_t h[100];
  ssize_t n = ::pread(fd, h, sizeof h, 0);
  struct stat st;
  int rc = ::fstat(fd, &st);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof h) || rc != 0) throw Error("cannot read the header of " + db_path);
  auto be32 = [&](int off) {
    return (uint32_t(h[off]) << 24) | (uint32_t(h[off + 1]) << 16) | (uint32_t(h[off + 2]) << 8) | h[off + 3];
  };
  if (std::memcmp(h, "SQLite format 3\0", 16) != 0) throw CorruptError("restored file is not an SQLite database");
  uint32_t page_size = (uint32_t(h[16]) << 8) | h[17];
  if (page_size == 1) page_size = 65536;
  // The in-header page count is valid when "version-valid-for" equals the change counter.
  if (be32(92) != be32(24)) return;
  int64_t want = int64_t(be32(28)) * page_size;
  if (want != st.st_size)
    throw CorruptError("restored database is " + std::to_string(st.st_size) + " bytes but its header says " +
                       std::to_string(be32(28)) + " pages of " + std::to_string(page_size));
}

void integrity_check(const std::string& db_path, IntegrityCheck mode) {
  check_header(db_path);
  if (mode == IntegrityCheck::none) return;
  const char* pragma = mode == IntegrityCheck::full ? "integrity_check" : "quick_check";
  // Pages come through bounded memory-mapped windows, not a pread(2) each (sqlite_window_vfs.h).
  Sqlite db(db_path, window_vfs_name());
  db.query("PRAGMA mmap_size=" + std::to_string(int64_t{1} << 40) + ";");
  db.query("PRAGMA cache_size=-16384;");  // 16 MiB for the pages read outside the windows
  auto rows = db.query(std::string("PRAGMA ") + pragma + ";");
  if (rows.size() != 1 || rows[0].size() != 1 || rows[0][0] != "ok") {
    std::string detail;
    for (size_t i = 0; i < rows.size() && i < 5; i++) detail += (i ? "; " : "") + (rows[i].empty() ? "" : rows[i][0]);
    throw CorruptError(std::string("restored database fails PRAGMA ") + pragma + ": " + detail);
  }
  db.close();
  ::unlink((db_path + "-wal").c_str());
  ::unlink((db_path + "-shm").c_str());
}

// Applies every WAL index in order, each in one streaming pass (download, decode ahead on other
// threads, verify, write pages) into the temp database: the WAL is never written to disk and read
// back.
void apply_wal_indexes(ReplicaClient& client, const std::string& generation, const std::vector<WalIndexPlan>& plan,
                       const std::string& db_path, int64_t db_size, const EventLog& log) {
  WalApplyTarget db;
  db.path = db_path;
  db.size = db_size;
  db.fd = ::open(db_path.c_str(), O_RDWR | O_CLOEXEC);
  if (db.fd < 0) throw Error("cannot open " + db_path + ": " + errno_text());
  try {
    uint8_t head[18];
    if (::pread(db.fd, head, sizeof head, 0) != static_cast<ssize_t>(sizeof head))
      throw Error("cannot read the header of " + db_path + ": " + errno_text());
    db.page_size = (uint32_t(head[16]) << 8) | head[17];
    if (db.page_size == 1) db.page_size = 65536;
    std::atomic<bool> cancel = false;
    WalApplier applier(client, generation, plan, db);
    for (const auto& idx : plan) {
      auto start = std::chrono::steady_clock::now();
      std::string name = generation + "/" + layout::hex08(idx.index);
      AppliedWal applied;
      try {
        applied = applier.apply_next(cancel);
      } catch (const std::exception& e) {
        throw CorruptError("cannot download wal " + name + ": " + e.what());
      }
      // Download and apply are one streaming pass: "downloaded" says what came (compressed
      // bytes), "applied" what it did and how long the pass took.
      int64_t stored = 0;
      for (const auto& seg : idx.segments) stored += seg.size;
      log.info("downloaded wal", {{"generation", generation},
                                  {"index", idx.index},
                                  {"segments", uint64_t(idx.segments.size())},
                                  {"size", stored}});
      log.info("applied wal", {{"generation", generation},
                               {"index", idx.index},
                               {"frames", applied.frames},
                               {"elapsed", LogValue::duration(std::chrono::steady_clock::now() - start)}});
    }
  } catch (...) {
    ::close(db.fd);
    throw;
  }
  if (::close(db.fd) != 0) throw Error("cannot close " + db_path + ": " + errno_text());
}

// The output did not exist, so any "<out>-wal", "<out>-shm" or "<out>-journal" belongs to another
// database (a deleted or moved file, a copy gone wrong): SQLite would replay it into the restored
// file on the first open ("database disk image is malformed"). Removes each one, WARN-logged with
// its size, and makes the removals durable before the caller renames; throws if one cannot go.
void remove_stale_sidecars(const std::string& output, const std::string& dir, const EventLog& log) {
  bool removed = false;
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::string path = output + suffix;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      throw Error("cannot restore, cannot check stale " + path + ": " + errno_text());
    }
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) continue;  // gone meanwhile
      throw Error("cannot restore, cannot remove stale " + path +
                  " (it would be replayed into the restored database): " + errno_text());
    }
    removed = true;
    log.warn("removed stale file next to the restore output (it belongs to another database)",
             {{"path", path}, {"size", static_cast<int64_t>(st.st_size)}});
  }
  if (removed) fsync_path(dir, true);
}

// Holds an exclusive flock(2) of a directory while it lives: the final check-remove-rename of two
// restores of one output path (two init containers on one shared volume) runs one at a time.
class DirLock {
 public:
  explicit DirLock(const std::string& dir) : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ < 0) throw Error("cannot restore, cannot open directory " + dir + ": " + errno_text());
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd_);
      throw Error("cannot restore, cannot lock directory " + dir + ": " + std::strerror(saved));
    }
  }
  ~DirLock() { ::close(fd_); }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_;
};

// rename(2) that never replaces: a database another restore (or anyone) put at `to` meanwhile makes
// it fail, where a plain rename would silently swap the file under an app that already opened it.
// renameat2 through syscall(2) (not every libc we link wraps it); link(2) + unlink(2) where the
// filesystem lacks RENAME_NOREPLACE (EINVAL), since link never replaces either.
void rename_noreplace(const std::string& from, const std::string& to) {
  constexpr unsigned kRenameNoreplace = 1;  // RENAME_NOREPLACE, <linux/fs.h>
  if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), kRenameNoreplace) == 0) return;
  if (errno == EEXIST) throw Error("cannot restore, output path already exists: " + to);
  if (errno != EINVAL && errno != ENOSYS) throw Error("cannot rename " + from + " to " + to + ": " + errno_text());
  if (::link(from.c_str(), to.c_str()) != 0) {
    if (errno == EEXIST) throw Error("cannot restore, output path already exists: " + to);
    throw Error("cannot rename " + from + " to " + to + ": " + errno_text());
  }
  ::unlink(from.c_str());
}

}  // namespace

const char* integrity_check_name(IntegrityCheck c) {
  switch (c) {
    case IntegrityCheck::full: return "full";
    case IntegrityCheck::quick: return "quick";
    case IntegrityCheck::none: return "none";
  }
  return "full";
}

IntegrityCheck parse_integrity_check(const std::string& s) {
  if (s == "full") return IntegrityCheck::full;
  if (s == "quick") return IntegrityCheck::quick;
  if (s == "none") return IntegrityCheck::none;
  throw std::invalid_argument("must be full, quick or none, got \"" + s + "\"");
}

void restore(ReplicaClient& client, const RestoreOptions& opt) {
  EventLog log(opt.log, {});
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
    plan =
        plan_wal_indexes(opt.generation, client.wal_segments(opt.generation), snapshot_index, opt.index, opt.timestamp);
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
  // Progress counts the bytes read from the replica against what the listing says is to come.
  int64_t total = 0;
  for (const auto& s : snapshots)
    if (s.index == snapshot_index) total += s.size;
  for (const auto& idx : plan)
    for (const auto& seg : idx.segments) total += seg.size;
  ProgressClient counted(client);
  std::optional<ProgressReporter> progress;
  if (opt.log) progress.emplace(counted, total, log, opt.progress_after, opt.progress_every);

  log.info("restoring snapshot", {{"generation", opt.generation}, {"index", snapshot_index}, {"path", temps.db()}});
  auto snapshot_start = std::chrono::steady_clock::now();
  int64_t db_size = write_snapshot(counted, opt.generation, snapshot_index, temps.db());
  log.info("restored snapshot",
           {{"size", db_size}, {"elapsed", LogValue::duration(std::chrono::steady_clock::now() - snapshot_start)}});

  if (plan.empty()) {
    log.info("snapshot only, finalizing database");
  } else {
    log.info("restoring wal files",
             {{"generation", opt.generation}, {"index_min", plan.front().index}, {"index_max", plan.back().index}});
    if (!client.remote()) {
      apply_wal_indexes(counted, opt.generation, plan, temps.db(), db_size, log);  // read in place
    } else {
      // Up to -parallelism segments download at once while the indexes apply in order (restore_prefetch.h).
      std::string prefetch_dir = opt.output_path + ".tmp-prefetch-XXXXXX";
      if (::mkdtemp(prefetch_dir.data()) == nullptr)
        throw Error("cannot create a temp directory next to " + opt.output_path + ": " + errno_text());
      struct RemoveDir {
        std::string path;
        ~RemoveDir() { ::rmdir(path.c_str()); }
      } remove_prefetch_dir{prefetch_dir};
      std::vector<Pos> order;
      for (const auto& idx : plan)
        for (const auto& seg : idx.segments) order.push_back(seg.pos());
      PrefetchingClient prefetch(counted, std::move(order), opt.parallelism, prefetch_dir);
      apply_wal_indexes(prefetch, opt.generation, plan, temps.db(), db_size, log);
    }
  }
  progress.reset();

  auto check_start = std::chrono::steady_clock::now();
  {
    // The check is CPU, the fsync is the disk: the file's pages go to disk while it runs. The
    // fsync after the check makes anything the check's connection wrote durable too (nothing,
    // normally, so it returns at once).
    std::exception_ptr sync_error;
    std::thread syncer([&] {
      try {
        fsync_path(temps.db(), false);
      } catch (...) {
        sync_error = std::current_exception();
      }
    });
    try {
      integrity_check(temps.db(), opt.integrity);
    } catch (...) {
      syncer.join();
      throw;
    }
    syncer.join();
    if (sync_error) std::rethrow_exception(sync_error);
  }
  log.info("integrity check ok", {{"mode", integrity_check_name(opt.integrity)},
                                  {"elapsed", LogValue::duration(std::chrono::steady_clock::now() - check_start)}});
  fsync_path(temps.db(), false);
  log.info("renaming database from temporary location");
  {
    // Two restores racing for one output both passed the first check: without the lock the second
    // would remove the first one's (maybe already live) -wal as "stale" and rename over its database
    // (seen in tests/e2e/faults/faults_restore.py race, both exiting 0). Under the lock the loser
    // sees the winner's file here and fails, touching nothing.
    DirLock lock(out_dir.string());
    if (exists(opt.output_path)) throw Error("cannot restore, output path already exists: " + opt.output_path);
    remove_stale_sidecars(opt.output_path, out_dir.string(), log);
    rename_noreplace(temps.db(), opt.output_path);
    temps.forget(temps.db());
  }
  fsync_path(out_dir.string(), true);
}

}  // namespace hs::core
