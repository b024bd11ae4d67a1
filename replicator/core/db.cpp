// Db: attaching to the database, the sync loop step, generations and cleanup.
// Shadow WAL copying lives in db_shadow.cpp, checkpoints and snapshot views in db_checkpoint.cpp.
#include "core/db.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>

#include "core/error.h"
#include "core/file_io.h"
#include "core/layout.h"
#include "core/wal.h"

namespace hs::core {

namespace {

// Parses "<index %08x>.wal" (litestream's ParseWALPath); -1 if the name is not a shadow WAL file.
int64_t parse_shadow_wal_name(const std::string& name) {
  if (name.size() != 12 || name.compare(8, 4, ".wal") != 0) return -1;
  int64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    char c = name[i];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return names;
    throw Error("read directory " + dir + ": " + fileio::errno_text(errno));
  }
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  return names;
}

std::string random_generation() {
  std::random_device rd;
  uint64_t v = (uint64_t(rd()) << 32) | rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

const char* checkpoint_mode_name(CheckpointMode m) {
  switch (m) {
    case CheckpointMode::passive: return "PASSIVE";
    case CheckpointMode::restart: return "RESTART";
    case CheckpointMode::truncate: return "TRUNCATE";
  }
  return "PASSIVE";
}

Db::Db(DbOptions opt, EventLog log)
    : opt_(std::move(opt)), metrics_(metrics::registry().db(opt_.path)), log_(std::move(log)) {
  if (opt_.meta_path.empty()) {
    meta_path_ = fileio::dirname(opt_.path) + "/." + fileio::basename(opt_.path) + "-litestream";
  } else {
    meta_path_ = opt_.meta_path;
  }
}

Db::~Db() {
  close();
}

std::string Db::shadow_wal_dir(const std::string& generation) const {
  return meta_path_ + "/generations/" + generation + "/wal";
}

std::string Db::shadow_wal_path(const std::string& generation, int64_t index) const {
  return shadow_wal_dir(generation) + "/" + layout::hex08(index) + ".wal";
}

void Db::exec(sqlite3* c, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(c, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(c);
    sqlite3_free(err);
    std::string what = sql;
    if (what.size() > 40) what = what.substr(0, 40) + "...";
    throw Error(what + ": " + msg);
  }
}

bool Db::open() {
  std::lock_guard lk(mu_);
  if (conn_) return true;
  struct stat st;
  if (::stat(opt_.path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    throw Error("stat " + opt_.path + ": " + fileio::errno_text(errno));
  }
  file_mode_ = st.st_mode & 0777;
  uid_ = st.st_uid;
  gid_ = st.st_gid;
  struct stat dst;
  if (::stat(fileio::dirname(opt_.path).c_str(), &dst) == 0) dir_mode_ = dst.st_mode & 0777;

  try {
    auto open_conn = [&](sqlite3** c) {
      if (sqlite3_open_v2(opt_.path.c_str(), c, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        std::string msg = *c ? sqlite3_errmsg(*c) : "out of memory";
        throw Error("open " + opt_.path + ": " + msg);
      }
      sqlite3_busy_timeout(*c, int(opt_.busy_timeout.count()));
      // Keep the -wal file when our connections close: deleting it would lose frames we have
      // not copied yet and break continuity with the shadow WAL (litestream's ConnectHook).
      int one = 1;
      sqlite3_file_control(*c, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
    };
    open_conn(&conn_);
    open_conn(&read_conn_);
    // Our rare writes (the checkpoint's write lock, _litestream_seq) compete with an app that may
    // write back to back; SQLite's default handler sleeps up to 100 ms between tries and can starve.
    // Retrying every millisecond takes the lock in the first gap between two app transactions.
    sqlite3_busy_handler(conn_, &Db::busy_retry, this);
    // Held for the life of the Db: closing any descriptor of the file would drop this process's
    // POSIX locks, SQLite's read lock included. Snapshots read through it.
    db_fd_ = ::open(opt_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (db_fd_ < 0) throw Error("open db file descriptor: " + opt_.path + ": " + fileio::errno_text(errno));

    sqlite3_stmt* st_mode = nullptr;
    sqlite3_prepare_v2(conn_, "PRAGMA journal_mode = wal;", -1, &st_mode, nullptr);
    std::string mode;
    if (st_mode && sqlite3_step(st_mode) == SQLITE_ROW)
      mode = reinterpret_cast<const char*>(sqlite3_column_text(st_mode, 0));
    std::string err = sqlite3_errmsg(conn_);
    sqlite3_finalize(st_mode);
    if (mode != "wal") throw Error(mode.empty() ? "enable wal: " + err : "enable wal failed, mode=\"" + mode + "\"");

    exec(conn_, "PRAGMA wal_autocheckpoint = 0;");
    exec(read_conn_, "PRAGMA wal_autocheckpoint = 0;");
    // Our tables need the write lock only the first time; an app that writes back to back may
    // hold it for long, so look first and then be patient (this runs once per start).
    for (const char* sql : {"CREATE TABLE IF NOT EXISTS _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER);",
                            "CREATE TABLE IF NOT EXISTS _litestream_lock (id INTEGER);"}) {
      std::string name = std::string(sql).substr(27, std::string(sql).find(' ', 27) - 27);
      if (table_exists(name)) continue;
      auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      for (;;) {
        if (sqlite3_exec(conn_, sql, nullptr, nullptr, nullptr) == SQLITE_OK) break;
        if (sqlite3_errcode(conn_) != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up) exec(conn_, sql);
      }
    }
    acquire_read_lock();
    // Our read transaction has SQLite create and map the -shm (a database just switched to WAL mode
    // has none before its first read). Held for the life of the Db for the same reason as db_fd_:
    // the read mark our read lock holds is a POSIX lock on it.
    shm_fd_ = ::open(shm_path().c_str(), O_RDONLY | O_CLOEXEC);
    if (shm_fd_ < 0) throw Error("open -shm file descriptor: " + shm_path() + ": " + fileio::errno_text(errno));

    sqlite3_stmt* st_ps = nullptr;
    sqlite3_prepare_v2(conn_, "PRAGMA page_size;", -1, &st_ps, nullptr);
    if (st_ps && sqlite3_step(st_ps) == SQLITE_ROW) page_size_ = sqlite3_column_int64(st_ps, 0);
    sqlite3_finalize(st_ps);
    if (page_size_ <= 0) throw Error("invalid db page size: " + std::to_string(page_size_));

    fileio::mkdir_all(meta_path_, dir_mode_);

    std::string mismatch = verify_headers_match();
    if (!mismatch.empty()) {
      log_.warn("init: cannot determine last wal position, clearing generation", {{"error", mismatch}});
      if (::unlink(generation_name_path().c_str()) != 0 && errno != ENOENT)
        throw Error("remove generation name: " + fileio::errno_text(errno));
    } else if (std::string gen = current_generation(); !gen.empty()) {
      truncate_to_last_commit(shadow_wal_path(gen, current_shadow_index(gen).first));
    }
    clean({});
  } catch (...) {
    close();
    throw;
  }
  synced_once_ = false;
  return true;
}

bool Db::table_exists(const std::string& name) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(conn_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &st, nullptr) !=
      SQLITE_OK)
    throw Error(std::string("read schema: ") + sqlite3_errmsg(conn_));
  sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw Error(std::string("read schema: ") + sqlite3_errmsg(conn_));
  return rc == SQLITE_ROW;
}

int Db::busy_retry(void* self, int attempt) {
  auto* db = static_cast<Db*>(self);
  auto now = std::chrono::steady_clock::now();
  if (attempt == 0) db->busy_since_ = now;
  if (now - db->busy_since_ >= db->opt_.busy_timeout) return 0;
  ::usleep(1000);
  return 1;
}

void Db::close() {
  std::lock_guard lk(mu_);
  if (read_conn_ && read_locked_) {
    sqlite3_exec(read_conn_, "ROLLBACK", nullptr, nullptr, nullptr);
    read_locked_ = false;
  }
  if (read_conn_) sqlite3_close_v2(read_conn_);
  if (conn_) sqlite3_close_v2(conn_);
  read_conn_ = conn_ = nullptr;
  if (db_fd_ >= 0) ::close(db_fd_);
  db_fd_ = -1;
  if (shm_fd_ >= 0) ::close(shm_fd_);
  shm_fd_ = -1;
}

void Db::acquire_read_lock() {
  if (read_locked_) return;
  // BEGIN is deferred: the SELECT takes the read mark, and it is held until ROLLBACK.
  exec(read_conn_, "BEGIN;");
  try {
    exec(read_conn_, "SELECT COUNT(1) FROM _litestream_seq;");
  } catch (...) {
    sqlite3_exec(read_conn_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  read_locked_ = true;
}

void Db::release_read_lock() {
  if (!read_locked_) return;
  read_locked_ = false;
  exec(read_conn_, "ROLLBACK;");
}

void Db::bump_seq() {
  exec(conn_, "INSERT INTO _litestream_seq (id, seq) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET seq = seq + 1");
}

std::string Db::current_generation() const {
  std::lock_guard lk(mu_);
  fileio::Fd fd = fileio::open_file(generation_name_path(), O_RDONLY, 0, true);
  if (!fd) return {};
  char buf[64];
  size_t n = fileio::pread_full(fd.get(), buf, sizeof buf, 0, generation_name_path());
  std::string s(buf, n);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s.size() == 16 ? s : std::string();
}

std::pair<int64_t, int64_t> Db::current_shadow_index(const std::string& generation) const {
  int64_t index = 0, total = 0;
  std::string dir = shadow_wal_dir(generation);
  for (const auto& name : list_dir(dir)) {
    int64_t i = parse_shadow_wal_name(name);
    if (i < 0) continue;
    int64_t sz = fileio::file_size(dir + "/" + name);
    if (sz > 0) total += sz;
    if (i > index) index = i;
  }
  return {index, total};
}

Pos Db::pos() const {
  std::lock_guard lk(mu_);
  std::string gen = current_generation();
  if (gen.empty()) return {};
  int64_t index = current_shadow_index(gen).first;
  int64_t sz = fileio::file_size(shadow_wal_path(gen, index));
  if (sz < 0) return Pos{gen, index, 0};
  return Pos{gen, index, wal::frame_align(sz, page_size_)};
}

std::string Db::create_generation() {
  std::string gen = random_generation();
  std::string dir = meta_path_ + "/generations/" + gen;
  fileio::mkdir_all(dir, dir_mode_);
  init_shadow_wal_file(shadow_wal_path(gen, 0));

  // Written to a temp file and renamed, so a crash never leaves a half-written name.
  std::string name_path = generation_name_path();
  std::string tmp = name_path + ".tmp";
  {
    fileio::Fd fd = fileio::open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC, file_mode_);
    std::string content = gen + "\n";
    fileio::pwrite_full(fd.get(), content.data(), content.size(), 0, tmp);
    if (::fchown(fd.get(), uid_, gid_) != 0) { /* best effort, as litestream */
    }
    fileio::fsync_fd(fd.get(), tmp);
  }
  if (::rename(tmp.c_str(), name_path.c_str()) != 0)
    throw Error("rename generation file: " + fileio::errno_text(errno));
  fileio::fsync_dir(meta_path_);
  clean({});
  return gen;
}

void Db::clean(const std::vector<Pos>& replica_positions) {
  std::string gen = current_generation();
  // Other generations: their shadow files can never be uploaded any more.
  std::string gens_dir = meta_path_ + "/generations";
  for (const auto& name : list_dir(gens_dir)) {
    if (name == gen) continue;
    std::error_code ec;
    std::filesystem::remove_all(gens_dir + "/" + name, ec);
    if (ec) throw Error("remove " + gens_dir + "/" + name + ": " + ec.message());
  }
  if (gen.empty() || replica_positions.empty()) return;

  // Shadow files every replica has uploaded, keeping one extra (cleanWAL). A replica that is not
  // positioned (never synced, or erroring) keeps everything.
  int64_t min = -1;
  for (const Pos& p : replica_positions) {
    int64_t index = p.generation == gen ? p.index : 0;
    if (min == -1 || index < min) min = index;
  }
  if (min <= 0) return;
  --min;
  std::string dir = shadow_wal_dir(gen);
  for (const auto& name : list_dir(dir)) {
    int64_t i = parse_shadow_wal_name(name);
    if (i < 0 || i >= min) continue;
    if (::unlink((dir + "/" + name).c_str()) != 0 && errno != ENOENT)
      throw Error("remove " + dir + "/" + name + ": " + fileio::errno_text(errno));
  }
}

bool Db::file_replaced() const {
  struct stat at_path, held;
  if (::stat(opt_.path.c_str(), &at_path) != 0) return true;
  if (::fstat(db_fd_, &held) != 0) throw Error("fstat " + opt_.path + ": " + fileio::errno_text(errno));
  return at_path.st_dev != held.st_dev || at_path.st_ino != held.st_ino;
}

bool Db::sync(const std::vector<Pos>& replica_positions, bool force) {
  std::lock_guard lk(mu_);
  if (conn_ && views_ > 0 && file_replaced()) {
    // A snapshot still reads the old file through db_fd_: reopen once it is done.
    log_.debug("sync: database file replaced, reopening after the running snapshot");
    return false;
  }
  if (conn_ && file_replaced()) {
    // Our connections and descriptor still see the old inode: copying the new file's WAL into the
    // old file's shadow, or snapshotting the old file, would back up a database that is gone.
    log_.warn("sync: database file replaced or removed at its path, reopening", {{"path", opt_.path}});
    close();
    last_index_.reset();
    restart_base_.reset();
  }
  if (!conn_ && !open()) {
    log_.debug("sync: no database found");
    return false;
  }

  auto stamp = [](const std::string& p, int64_t* mtime_ns = nullptr) {
    FileStamp s;
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) {
      s.size = st.st_size;
      s.ino = st.st_ino;
      if (mtime_ns) *mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    }
    return s;
  };
  // Taken before any work: a commit that lands while we copy changes them and is seen next time.
  std::optional<wal::IndexHeader> index = index_header();
  int64_t db_mtime_ns = 0;
  FileStamp wal_stamp = stamp(wal_path()), db_stamp = stamp(opt_.path, &db_mtime_ns);
  auto now = std::chrono::system_clock::now();
  auto db_mtime = std::chrono::system_clock::time_point(std::chrono::nanoseconds(db_mtime_ns));
  bool interval_checkpoint_due = opt_.checkpoint_interval.count() > 0 && db_stamp.size >= 0 &&
                                 now - db_mtime > opt_.checkpoint_interval &&
                                 last_shadow_size_ > wal::wal_size(page_size_, 1);
  bool unchanged =
      index && last_index_ && *index == *last_index_ && wal_stamp == last_wal_stamp_ && db_stamp == last_db_stamp_;
  if (!force && synced_once_ && unchanged && lost_frames_reason_.empty() && !interval_checkpoint_due &&
      current_generation() == last_generation_ && !last_generation_.empty()) {
    return false;  // nothing committed since the last sync: no reads, no work
  }

  if (wal_stamp.size < wal::kHeaderSize) bump_seq();  // ensureWALExists

  WalState info = verify();
  bool changed = info.wal_size != info.shadow_size || info.restart || !info.reason.empty();
  if (!info.reason.empty()) {
    info.generation = create_generation();
    metrics_.generation_changes.inc();
    log_.info("sync: new generation", {{"generation", info.generation}, {"reason", info.reason}});
    info.shadow_path = shadow_wal_path(info.generation, 0);
    info.shadow_size = wal::kHeaderSize;
    info.restart = false;
    info.reason.clear();
  }

  CopyResult copied;
  try {
    copied = copy_to_shadow_wal(info.shadow_path);
    if (info.restart) {
      int64_t index = parse_shadow_wal_name(fileio::basename(info.shadow_path));
      std::string next = shadow_wal_path(info.generation, index + 1);
      copied.new_size = init_shadow_wal_file(next);
    }
  } catch (const std::exception& e) {
    throw Error(std::string("sync wal: ") + e.what());
  }

  std::optional<CheckpointMode> mode;
  if (opt_.truncate_page_n > 0 && copied.orig_wal_size >= wal::wal_size(page_size_, opt_.truncate_page_n)) {
    mode = CheckpointMode::truncate;
  } else if (opt_.max_checkpoint_page_n > 0 &&
             copied.new_size >= wal::wal_size(page_size_, opt_.max_checkpoint_page_n)) {
    mode = CheckpointMode::restart;
  } else if (copied.new_size >= wal::wal_size(page_size_, opt_.min_checkpoint_page_n)) {
    mode = CheckpointMode::passive;
  } else if (opt_.checkpoint_interval.count() > 0 && now - db_mtime > opt_.checkpoint_interval &&
             copied.new_size > wal::wal_size(page_size_, 1)) {
    mode = CheckpointMode::passive;
  }
  if (mode) {
    changed = true;
    auto& cm = metrics_.checkpoint(checkpoint_mode_name(*mode));
    auto started = std::chrono::steady_clock::now();
    try {
      checkpoint(*mode);
      cm.count.inc();
      cm.seconds.inc(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    } catch (const std::exception& e) {
      cm.error_count.inc();
      throw Error(std::string("checkpoint: mode=") + checkpoint_mode_name(*mode) + " err=" + e.what());
    }
  }

  clean(replica_positions);
  auto [shadow_index, shadow_bytes] = current_shadow_index(info.generation);
  // Only what is kept for replicas that are behind counts (older indexes): a new generation does
  // not shrink the current index, it would only cost every replica a snapshot.
  int64_t kept_bytes =
      shadow_bytes - std::max<int64_t>(0, fileio::file_size(shadow_wal_path(info.generation, shadow_index)));
  if (opt_.max_shadow_wal_bytes > 0 && kept_bytes > opt_.max_shadow_wal_bytes) {
    // A replica that is down would otherwise fill the disk under the app (litestream #412): give
    // up on continuity for it. The next sync starts a new generation and removes this one's files.
    log_.error(
        "shadow wal exceeds max-shadow-wal-bytes, starting a new generation; replicas that are behind restart "
        "from a snapshot",
        {{"size", kept_bytes}, {"max", opt_.max_shadow_wal_bytes}});
    lost_frames_reason_ = "shadow wal exceeded max-shadow-wal-bytes";
    metrics_.shadow_wal_cap_reached.inc();
  }
  last_wal_stamp_ = wal_stamp;
  last_db_stamp_ = db_stamp;
  last_index_ = index;
  last_generation_ = info.generation;
  Pos now_pos = pos();
  last_shadow_size_ = now_pos.offset;
  synced_once_ = true;
  metrics_.db_size.set(double(db_stamp.size));
  metrics_.wal_size.set(double(wal_stamp.size));
  metrics_.shadow_wal_index.set(double(now_pos.index));
  metrics_.shadow_wal_size.set(double(shadow_bytes));
  return changed;
}

}  // namespace hs::core
