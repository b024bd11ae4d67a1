#include "core/replica_lease.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

namespace hs::core {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// "2026-12-03T16:40:00.123Z": what an operator reading the object (or a log line) expects.
std::string rfc3339(TimePoint t) {
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = std::time_t(ms / 1000);
  if (ms % 1000 < 0) --secs;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, int(((ms % 1000) + 1000) % 1000));
  return buf;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Field 22 of /proc/<pid>/stat (starttime); 0 when the process does not exist. The command name
// (field 2) may contain spaces and parentheses: count fields after the last ')'.
int64_t process_start(int64_t pid) {
  std::string stat = first_line("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i)
    if (!(rest >> field)) return 0;
  try {
    return std::stoll(field);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string random_hex16() {
  std::random_device rd;
  uint64_t v = (uint64_t(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string held_message(const LeaseRecord& r) {
  return "replica lease held by " + r.owner + " until " + rfc3339(r.expires) +
         ": another replicator writes to this replica";
}

}  // namespace

std::string encode_lease(const LeaseRecord& r) {
  nlohmann::json j = {
      {"owner", r.owner},
      {"host", r.host},
      {"boot_id", r.boot_id},
      {"pid_ns", r.pid_ns},
      {"pid", r.pid},
      {"pid_start", r.pid_start},
      {"expires", rfc3339(r.expires)},
      {"expires_unix_ms", duration_cast<milliseconds>(r.expires.time_since_epoch()).count()},
      {"ttl_ms", r.ttl.count()},
      {"writer", "homeserver-replicator"},
  };
  return j.dump() + "\n";
}

std::optional<LeaseRecord> decode_lease(const std::string& body) {
  try {
    auto j = nlohmann::json::parse(body);
    LeaseRecord r;
    r.owner = j.at("owner").get<std::string>();
    if (r.owner.empty()) return std::nullopt;
    r.host = j.value("host", "");
    r.boot_id = j.value("boot_id", "");
    r.pid_ns = j.value("pid_ns", "");
    r.pid = j.value("pid", int64_t(0));
    r.pid_start = j.value("pid_start", int64_t(0));
    r.expires = TimePoint(duration_cast<Clock::duration>(milliseconds(j.at("expires_unix_ms").get<int64_t>())));
    r.ttl = milliseconds(j.value("ttl_ms", int64_t(0)));
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void LeaseEnv::sleep(nanoseconds d) {
  std::this_thread::sleep_for(d);
}

LeaseRecord LeaseEnv::self() const {
  static const LeaseRecord me = [] {
    LeaseRecord r;
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown-host");
    r.host = host;
    r.boot_id = first_line("/proc/sys/kernel/random/boot_id");
    char ns[128] = {};
    ssize_t n = ::readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
    if (n > 0) r.pid_ns.assign(ns, size_t(n));
    r.pid = ::getpid();
    r.pid_start = process_start(r.pid);
    return r;
  }();
  return me;
}

bool LeaseEnv::owner_gone(const LeaseRecord& r) const {
  LeaseRecord me = self();
  // Only a process we can see for certain: same host, same boot, same PID namespace.
  if (me.boot_id.empty() || me.pid_ns.empty() || r.pid <= 0) return false;
  if (r.host != me.host || r.boot_id != me.boot_id || r.pid_ns != me.pid_ns) return false;
  int64_t start = process_start(r.pid);
  return start == 0 || start != r.pid_start;  // no such process, or the pid was reused since
}

LeaseEnv& LeaseEnv::system() {
  static LeaseEnv env;
  return env;
}

ReplicaLease::ReplicaLease(ReplicaClient& client, LeaseOptions opt, EventLog log, LeaseEnv& env)
    : client_(client), opt_(opt), log_(std::move(log)), env_(env), self_(env.self()) {
  if (opt_.ttl <= nanoseconds(0)) throw Error("replica lease: ttl must be positive");
  // One owner per lease object, not per process: two replicas of one process configured with the
  // same path are two writers too.
  self_.owner = self_.host + "/" + std::to_string(self_.pid) + "/" + random_hex16();
}

bool ReplicaLease::held() const {
  std::lock_guard lk(mu_);
  return state_ == State::held;
}

void ReplicaLease::ensure() {
  std::lock_guard lk(mu_);
  ensure_locked();
}

LeaseRecord ReplicaLease::mine(TimePoint now) const {
  LeaseRecord r = self_;
  r.ttl = duration_cast<milliseconds>(opt_.ttl);
  r.expires = now + duration_cast<Clock::duration>(opt_.ttl);
  return r;
}

std::optional<LeaseRecord> ReplicaLease::read(bool* unreadable) {
  std::optional<std::string> body = client_.read_lease();
  if (!body) return std::nullopt;
  std::optional<LeaseRecord> r = decode_lease(*body);
  if (!r) {
    if (unreadable) *unreadable = true;
    log_.warn("replica lease unreadable, replacing it", {{"size", int64_t(body->size())}});
  }
  return r;
}

void ReplicaLease::ensure_locked() {
  TimePoint now = env_.now();
  auto ttl = duration_cast<Clock::duration>(opt_.ttl);
  if (state_ == State::held && now < confirmed_ + ttl / 2) return;
  if (state_ == State::waiting && now < next_read_) {
    note_waiting(now);
    throw LeaseHeldError(waiting_message_);
  }

  std::optional<LeaseRecord> cur = read();
  bool ours_live = cur && cur->owner == self_.owner && cur->expires > now;
  if (cur && cur->owner != self_.owner) {
    bool expired = cur->expires <= now;
    bool gone = !expired && env_.owner_gone(*cur);
    if (!expired && !gone) wait_for(*cur, now);
    log_.info("replica lease taken over",
              {{"previous-owner", cur->owner}, {"reason", expired ? "expired" : "owner process gone"}});
  }
  client_.write_lease(encode_lease(mine(now)));
  if (!ours_live) {
    // Contested: another newcomer may have read the same free lease. Whoever wrote last wins.
    env_.sleep(opt_.settle);
    std::optional<LeaseRecord> back = read();
    if (!back || back->owner != self_.owner) {
      if (back) wait_for(*back, env_.now());
      throw Error("replica lease: gone right after it was written (another replicator released it?)");
    }
  }
  State was = state_;
  state_ = State::held;
  confirmed_ = now;
  if (was != State::held) {
    LogFields f{{"owner", self_.owner}, {"ttl", LogValue::duration(opt_.ttl)}};
    if (was == State::waiting)
      f.emplace_back("waited", LogValue::duration(duration_cast<nanoseconds>(now - wait_since_)));
    log_.info("replica lease acquired", f);
  }
}

void ReplicaLease::note_waiting(TimePoint now) {
  auto after = opt_.error_after > nanoseconds(0) ? opt_.error_after : 2 * opt_.ttl;
  if (wait_error_logged_ || now - wait_since_ < duration_cast<Clock::duration>(after)) return;
  wait_error_logged_ = true;
  log_.error("replica lease still held by another replicator: two replicators are set up for this replica",
             {{"owner", waiting_for_},
              {"self", self_.owner},
              {"waited", LogValue::duration(duration_cast<nanoseconds>(now - wait_since_))}});
}

void ReplicaLease::wait_for(const LeaseRecord& other, TimePoint now) {
  if (state_ == State::held)
    log_.error("replica lease lost to another replicator, no longer writing to the replica",
               {{"owner", other.owner}, {"self", self_.owner}});
  if (state_ != State::waiting) {
    wait_since_ = now;
    wait_error_logged_ = false;
  }
  if (state_ != State::waiting || waiting_for_ != other.owner) {
    log_.warn("replica lease held by another replicator, waiting",
              {{"owner", other.owner}, {"expires", rfc3339(other.expires)}, {"self", self_.owner}});
  }
  state_ = State::waiting;
  waiting_for_ = other.owner;
  waiting_message_ = held_message(other);
  // Read again when it expires, or after TTL/4 to notice a release (or a far-off expiry: skew).
  auto ttl = duration_cast<Clock::duration>(opt_.ttl);
  next_read_ = std::min(other.expires, now + ttl / 4);
  note_waiting(now);
  throw LeaseHeldError(waiting_message_);
}

void ReplicaLease::release() {
  std::lock_guard lk(mu_);
  if (state_ != State::held) return;
  state_ = State::unknown;
  try {
    std::optional<LeaseRecord> cur = read();
    if (!cur || cur->owner != self_.owner) return;  // taken over meanwhile: not ours to delete
    client_.delete_lease();
    log_.info("replica lease released", {{"owner", self_.owner}});
  } catch (const std::exception& e) {
    log_.warn("replica lease not released: the next replicator waits for it to expire",
              {{"error", e.what()}, {"ttl", LogValue::duration(opt_.ttl)}});
  }
}

}  // namespace hs::core
