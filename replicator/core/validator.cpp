// Validator: the background thread and one validation round (see validator.h).
#include "core/validator.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/file_io.h"
#include "core/restore.h"

namespace hs::core {
namespace {

std::string hex16(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016" PRIx64, v);
  return b;
}

// Background work must not compete with the app: lowest CPU priority and idle I/O class for this
// thread (and the restore threads it starts, which inherit both). Best effort.
void lower_priority(const EventLog& log) {
  pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), 19) != 0)
    log.debug("validation: cannot lower cpu priority", {{"error", fileio::errno_text(errno)}});
#ifdef SYS_ioprio_set
  constexpr int kWhoProcess = 1, kClassIdle = 3, kClassShift = 13;
  if (::syscall(SYS_ioprio_set, kWhoProcess, tid, kClassIdle << kClassShift) != 0)
    log.debug("validation: cannot lower io priority", {{"error", fileio::errno_text(errno)}});
#endif
}

// Replica names may hold anything; temp file names only what is safe in a path.
std::string safe_name(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out.empty() ? "replica" : out;
}

bool reached(const Pos& r, const Pos& p) {
  return r.generation == p.generation && (r.index > p.index || (r.index == p.index && r.offset >= p.offset));
}

bool same_snapshot(const SnapshotInfo& a, const SnapshotInfo& b) {
  return a.index == b.index && a.size == b.size && a.created_at == b.created_at;
}

}  // namespace

const char* validation_status_name(ValidationResult::Status s) {
  switch (s) {
    case ValidationResult::Status::none: return "none";
    case ValidationResult::Status::ok: return "ok";
    case ValidationResult::Status::failed: return "failed";
    case ValidationResult::Status::skipped: return "skipped";
  }
  return "none";
}

Validator::Validator(Db& db, Replica& replica, std::chrono::nanoseconds interval, std::string temp_dir)
    : db_(db), replica_(replica), interval_(interval), temp_dir_(std::move(temp_dir)), log_(replica.log()) {}

Validator::~Validator() {
  stop();
}

void Validator::start() {
  std::lock_guard lk(mu_);
  if (thread_.joinable() || interval_.count() <= 0) return;
  stopping_ = false;
  cancel_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Validator::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cancel_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ValidationResult Validator::last() const {
  std::lock_guard lk(mu_);
  return last_;
}

std::chrono::nanoseconds Validator::replica_wait() const {
  return std::max<std::chrono::nanoseconds>(replica_.options().sync_interval * 10, std::chrono::minutes(1));
}

std::string Validator::temp_path() const {
  return temp_dir_ + "/validate-" + safe_name(replica_.name()) + ".db";
}

// The restored copy and restore's own temp files next to it (a killed process may have left some).
void Validator::remove_temps() const {
  std::error_code ec;
  std::string base = fileio::basename(temp_path());
  for (const auto& e : std::filesystem::directory_iterator(temp_dir_, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(base, 0) != 0) continue;
    std::filesystem::remove_all(e.path(), ec);
  }
}

void Validator::loop() {
  lower_priority(log_);
  auto next = std::chrono::steady_clock::now() + interval_;
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait_until(lk, next, [&] { return stopping_; });
    if (stopping_) return;
    lk.unlock();
    ValidationResult r = validate_once();
    lk.lock();
    // A skipped round (something moved under us) is retried soon, not a whole interval later.
    auto wait = r.status == ValidationResult::Status::skipped
                    ? std::min<std::chrono::nanoseconds>(interval_, std::chrono::seconds(10))
                    : interval_;
    next = std::chrono::steady_clock::now() + wait;
  }
}

bool Validator::wait_for_replica(const Pos& p) {
  auto deadline = std::chrono::steady_clock::now() + replica_wait();
  std::unique_lock lk(mu_);
  for (;;) {
    if (reached(replica_.pos(), p)) return true;
    if (db_.current_generation() != p.generation) return false;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    cv_.wait_for(lk, std::chrono::milliseconds(200), [&] { return stopping_; });
    if (stopping_) return false;
  }
}

ValidationResult Validator::validate_once() {
  auto start = std::chrono::steady_clock::now();
  ValidationResult r;
  try {
    r = run_round();
  } catch (const ValidationSkipped& e) {
    r.status = ValidationResult::Status::skipped;
    r.detail = e.what();
  } catch (const std::exception& e) {
    r.status = ValidationResult::Status::failed;
    r.detail = e.what();
  }
  remove_temps();
  r.at = Clock::now();
  r.elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
  auto& m = replica_.metrics();
  switch (r.status) {
    case ValidationResult::Status::ok:
      m.validation_ok.inc();
      m.validation_failing.set(0);
      m.validation_last.set(std::chrono::duration<double>(r.at.time_since_epoch()).count());
      log_.info("validation ok", {{"position", r.pos.str()},
                                  {"checksum", hex16(r.db_crc)},
                                  {"position-moves", int64_t(r.moves)},
                                  {"elapsed", LogValue::duration(r.elapsed)}});
      break;
    case ValidationResult::Status::failed:
      m.validation_error.inc();
      m.validation_failing.set(1);
      m.validation_last.set(std::chrono::duration<double>(r.at.time_since_epoch()).count());
      log_.error("validation failed", {{"position", r.pos.str()},
                                       {"db-checksum", hex16(r.db_crc)},
                                       {"replica-checksum", hex16(r.replica_crc)},
                                       {"error", r.detail}});
      break;
    default: log_.info("validation skipped", {{"position", r.pos.str()}, {"reason", r.detail}}); break;
  }
  std::lock_guard lk(mu_);
  // `status` shows the last verdict: a skipped round (nothing was checked) does not hide a failure.
  bool verdict = last_.status == ValidationResult::Status::ok || last_.status == ValidationResult::Status::failed;
  if (r.status != ValidationResult::Status::skipped || !verdict) last_ = r;
  return r;
}

ValidationResult Validator::run_round() {
  ValidationResult r;
  std::string gen = db_.current_generation();
  if (gen.empty() || !db_.is_open()) throw ValidationSkipped("no generation yet");
  ReplicaClient& client = replica_.client();
  // Listed before the position is taken: none of these snapshots can hold a later state than it.
  std::vector<SnapshotInfo> before = client.snapshots(gen);
  PageChecksum live = checksum_db_at(db_);
  r.pos = live.pos;
  r.db_crc = live.crc;
  r.moves = live.moves;
  if (live.pos.generation != gen) throw ValidationSkipped("a new generation started");
  if (std::none_of(before.begin(), before.end(), [&](const SnapshotInfo& s) { return s.index <= live.pos.index; }))
    throw ValidationSkipped("the replica has no snapshot of this generation yet");
  if (!wait_for_replica(live.pos)) {
    {
      std::lock_guard lk(mu_);
      if (stopping_) throw ValidationSkipped("stopping");
    }
    throw ValidationSkipped("the replica did not reach " + live.pos.str() + " within " +
                            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(replica_wait()).count()) +
                            "s (it is behind: see its lag)");
  }

  fileio::mkdir_all(temp_dir_, 0700);
  remove_temps();
  std::string restore_error;
  bool not_found = false;
  PageChecksum got;
  try {
    got = checksum_replica_at(client, live.pos, before, temp_path(), log_, &cancel_);
  } catch (const NotFoundError& e) {
    restore_error = e.what();
    not_found = true;
  } catch (const std::exception& e) {
    restore_error = e.what();
  }
  if (cancel_) throw ValidationSkipped("stopping");
  if (restore_error.empty() && got.pages == live.pages && got.crc == live.crc) {
    r.replica_crc = got.crc;
    r.status = ValidationResult::Status::ok;
    return r;
  }
  r.replica_crc = got.crc;
  // Before calling it a failure: did the replica's own work change what we read? Retention may
  // delete a snapshot or segment below a newer snapshot; a periodic snapshot rewrites its index.
  std::vector<SnapshotInfo> after = client.snapshots(gen);
  int64_t used = -1;
  try {
    used = pick_snapshot_index(before, live.pos.index, std::nullopt);
  } catch (const std::exception&) {
  }
  auto find = [&](const std::vector<SnapshotInfo>& v) -> const SnapshotInfo* {
    for (const auto& s : v)
      if (s.index == used) return &s;
    return nullptr;
  };
  const SnapshotInfo* b = find(before);
  const SnapshotInfo* a = find(after);
  if (b && (!a || !same_snapshot(*a, *b)))
    throw ValidationSkipped("snapshot " + layout::hex08(used) + " was replaced or removed during validation");
  if (!restore_error.empty()) {
    // A segment removed by retention below a newer snapshot is not damage either.
    bool newer_snapshot =
        std::any_of(after.begin(), after.end(), [&](const SnapshotInfo& s) { return s.index > used; });
    if (newer_snapshot && not_found)
      throw ValidationSkipped("an object was removed by retention during validation: " + restore_error);
    r.status = ValidationResult::Status::failed;
    r.detail = "cannot restore the replica at " + live.pos.str() + ": " + restore_error;
    return r;
  }
  r.status = ValidationResult::Status::failed;
  r.detail = "checksum mismatch: the database at " + live.pos.str() + " is " + std::to_string(live.pages) +
             " pages, crc64 " + hex16(live.crc) + "; the replica restored to it is " + std::to_string(got.pages) +
             " pages, crc64 " + hex16(got.crc);
  return r;
}

}  // namespace hs::core
