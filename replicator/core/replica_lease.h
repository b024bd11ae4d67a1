#pragma once
// ReplicaLease: one writer per replica (issue 12 item 6). Two replicators replicating one database
// to one replica path (a rollout overlap, a pod left running on a partitioned node) would otherwise
// interleave generations. The replica carries a lease object (layout::lease_path, beside
// generations/, so litestream never sees it) naming its owner (host/pid/random) and an expiry.
//
// Without conditional PUT (plain S3, Swift s3api) there is no compare-and-swap, so:
//  - The owner confirms the lease (GET, then PUT with a new expiry = now + TTL) only when it is about
//    to write and its last confirmation is older than TTL/2: an idle database costs no request, a
//    busy one two requests per TTL/2.
//  - Between confirmations it writes freely; that window ends TTL/2 before the lease it wrote expires,
//    so a newcomer (which takes over only an expired lease) never writes inside it.
//  - A newcomer, or an owner whose lease expired while it was idle, writes its lease, waits `settle`,
//    and reads it back: of two racing for a free lease, the one whose write landed last wins and the
//    other waits. Remaining window (documented in docs/operations.md): a racer whose GET-to-PUT took
//    longer than the other's settle, or a store that shows a stale read after a write, can leave two
//    owners until the loser's next confirmation (at most TTL/2 of its writes later). Clocks of the
//    hosts must agree to well within TTL/2 (expiry is wall-clock time).
//  - A live lease of someone else: the replica is not written (LeaseHeldError, WARN once, ERROR after
//    error_after) and the lease is read again only every TTL/4 or at its expiry.
//  - A lease of a process of this machine and PID namespace that no longer runs (kill -9, then a
//    restart) is stale at once: a crash loop does not wait a TTL each time.
//  - release() on clean shutdown deletes the lease, so the next replicator starts at once.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/event_log.h"
#include "core/pos.h"
#include "core/replica_client.h"

namespace hs::core {

// The lease object's content (JSON). `owner` identifies one replicator process; the rest lets a
// replicator of the same machine tell that the owner is gone.
struct LeaseRecord {
  std::string owner;    // "<host>/<pid>/<16 hex random>"
  std::string host;     // gethostname()
  std::string boot_id;  // /proc/sys/kernel/random/boot_id
  std::string pid_ns;   // readlink /proc/self/ns/pid, e.g. "pid:[4026531836]"
  int64_t pid = 0;
  int64_t pid_start = 0;  // /proc/<pid>/stat field 22 (start time in clock ticks): pid reuse
  TimePoint expires;
  std::chrono::milliseconds ttl{0};
  bool operator==(const LeaseRecord&) const = default;
};

std::string encode_lease(const LeaseRecord& r);
// nullopt when `body` is not a lease this version can read (then it is replaced, with a WARN).
std::optional<LeaseRecord> decode_lease(const std::string& body);

// Thrown instead of writing while another replicator holds the lease. Not a storage failure: the
// caller skips this write and retries later, without logging it again (the lease logs its state).
class LeaseHeldError : public Error {
 public:
  using Error::Error;
};

// Time, sleeping and this process's identity, replaced by a fake in tests.
class LeaseEnv {
 public:
  virtual ~LeaseEnv() = default;
  virtual TimePoint now() const { return Clock::now(); }
  virtual void sleep(std::chrono::nanoseconds d);
  // This process: owner, host, boot_id, pid_ns, pid and pid_start filled in (owner random once).
  virtual LeaseRecord self() const;
  // True when `r` was written by a process of this machine, boot and PID namespace that no longer
  // runs (or is this process's pid in a previous incarnation): its lease is stale at once.
  virtual bool owner_gone(const LeaseRecord& r) const;
  static LeaseEnv& system();
};

struct LeaseOptions {
  std::chrono::nanoseconds ttl{0};                           // 0: no lease
  std::chrono::nanoseconds settle{std::chrono::seconds(1)};  // write -> read-back, for a newcomer
  std::chrono::nanoseconds error_after{0};                   // waiting longer is an ERROR; 0: 2 x TTL
};

class ReplicaLease {
 public:
  ReplicaLease(ReplicaClient& client, LeaseOptions opt, EventLog log, LeaseEnv& env = LeaseEnv::system());

  // Before every write to the replica (snapshot, WAL segment, retention). Returns at once while the
  // lease is held and was confirmed less than TTL/2 ago; else reads, and writes, the lease object.
  // Throws LeaseHeldError while another replicator holds it, Error when storage fails.
  void ensure();
  // Clean shutdown: deletes the lease if this replicator holds it. Logs, never throws.
  void release();

  bool held() const;
  const std::string& owner() const { return self_.owner; }

 private:
  void ensure_locked();
  // Another replicator's live lease was found: log the transition, schedule the next read, throw.
  [[noreturn]] void wait_for(const LeaseRecord& other, TimePoint now);
  // Waiting longer than error_after: one ERROR, so alerts fire.
  void note_waiting(TimePoint now);
  LeaseRecord mine(TimePoint now) const;
  std::optional<LeaseRecord> read(bool* unreadable = nullptr);

  ReplicaClient& client_;
  LeaseOptions opt_;
  EventLog log_;
  LeaseEnv& env_;
  LeaseRecord self_;

  mutable std::mutex mu_;  // ensure() runs on the replica's thread, release() on stop()'s
  enum class State { unknown, held, waiting } state_ = State::unknown;
  TimePoint confirmed_;   // start of our last successful confirmation (held)
  TimePoint next_read_;   // waiting: no request before this
  TimePoint wait_since_;  // waiting: since when
  bool wait_error_logged_ = false;
  std::string waiting_for_;      // owner we wait for
  std::string waiting_message_;  // the LeaseHeldError text while waiting
};

}  // namespace hs::core
