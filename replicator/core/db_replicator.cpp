#include "core/db_replicator.h"

#include <algorithm>

namespace hs::core {

namespace {

template <class D>
std::chrono::steady_clock::duration steady(D d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

// wait_until with time_point::max() overflows inside libstdc++ (and returns at once): wait instead.
template <class Pred>
void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lk, std::chrono::steady_clock::time_point t,
                Pred pred) {
  if (t == std::chrono::steady_clock::time_point::max()) {
    cv.wait(lk, pred);
  } else {
    cv.wait_until(lk, t, pred);
  }
}

std::chrono::nanoseconds retention_check(const ReplicaOptions& o) {
  return o.retention_check_interval.count() > 0 ? std::min(o.retention_check_interval, o.retention) : o.retention;
}

}  // namespace

std::chrono::nanoseconds DbReplicator::stall_after(const ReplicaOptions& o) {
  return std::max<std::chrono::nanoseconds>(o.sync_interval * 10, std::chrono::seconds(10));
}

DbReplicator::DbReplicator(DbOptions db, std::chrono::nanoseconds monitor_interval, std::vector<ReplicaSetup> replicas,
                           EventLogFn log)
    : monitor_interval_(monitor_interval), log_(std::move(log), {{"db", db.path}}) {
  db_ = std::make_unique<Db>(std::move(db), log_);
  auto now = Steady::now();
  next_db_sync_ = now;
  state_ = std::vector<ReplicaState>(replicas.size());
  for (size_t i = 0; i < replicas.size(); ++i) {
    replicas_.push_back(
        std::make_unique<Replica>(*db_, std::move(replicas[i].client), std::move(replicas[i].options), log_));
    ReplicaState& st = state_[i];
    st.next_sync = now;
    const auto& o = replicas_.back()->options();
    if (o.retention.count() > 0) st.next_retention = now + steady(retention_check(o));
    auto vi = replicas[i].validation_interval;
    validators_.push_back(vi.count() > 0 ? std::make_unique<Validator>(*db_, *replicas_.back(), vi, db_->meta_path())
                                         : nullptr);
  }
}

DbReplicator::~DbReplicator() {
  for (auto& v : validators_)
    if (v) v->stop();
  {
    std::lock_guard lk(mu_);
    stopping_ = final_sync_go_ = abandon_ = true;
  }
  cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  for (size_t i = 0; i < state_.size(); ++i) {
    if (!state_[i].thread.joinable()) continue;
    replicas_[i]->client().cancel();  // a thread stuck on a silent endpoint returns at once
    state_[i].thread.join();
  }
}

void DbReplicator::start() {
  std::lock_guard lk(mu_);
  started_ = true;
  monitor_ = std::thread([this] { monitor_loop(); });
  for (size_t i = 0; i < state_.size(); ++i) state_[i].thread = std::thread([this, i] { replica_loop(i); });
  for (auto& v : validators_)
    if (v) v->start();
}

DbReplicatorStats DbReplicator::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

// Runs on any thread, never with mu_ held (lock order: the Db's lock, then mu_).
bool DbReplicator::sync_db(bool force) {
  std::vector<Pos> positions;
  for (auto& r : replicas_) positions.push_back(r->pos());
  bool changed = false;
  bool ok = true;
  auto& m = metrics::registry().db(db_->path());
  auto started = Steady::now();
  try {
    changed = db_->sync(positions, force);
  } catch (const std::exception& e) {
    log_.error("sync error", {{"error", e.what()}});
    ok = false;
    m.sync_error_count.inc();
  }
  m.sync_count.inc();
  m.sync_seconds.inc(std::chrono::duration<double>(Steady::now() - started).count());
  {
    std::lock_guard lk(mu_);
    ++stats_.sync_count;
    if (!ok) ++stats_.sync_error_count;
    if (changed) {
      auto now = Clock::now();
      for (size_t i = 0; i < state_.size(); ++i) {
        state_[i].dirty = true;
        replicas_[i]->metrics().mark_pending(now);
      }
    }
  }
  if (changed) cv_.notify_all();
  return ok;
}

void DbReplicator::schedule_snapshot(size_t i) {
  // snapshotter: the first periodic snapshot comes one interval after the newest existing one.
  Replica& r = *replicas_[i];
  ReplicaState& st = state_[i];
  st.snapshot_timer_set = true;
  auto interval = r.options().snapshot_interval;
  Pos pos = db_->pos();
  st.next_snapshot = Steady::now() + steady(interval);
  if (pos.is_zero()) return;
  try {
    auto snap = r.max_snapshot(pos.generation);
    if (!snap) return;
    auto age = Clock::now() - snap->created_at;
    auto next =
        std::max(std::chrono::nanoseconds(0), interval - std::chrono::duration_cast<std::chrono::nanoseconds>(age));
    std::time_t t = Clock::to_time_t(snap->created_at);
    char prev[32];
    std::strftime(prev, sizeof prev, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    r.log().info("snapshot interval adjusted", {{"previous", prev}, {"next", LogValue::duration(next)}});
    st.next_snapshot = Steady::now() + steady(next);
  } catch (const std::exception& e) {
    r.log().error("snapshotter cannot determine latest snapshot", {{"error", e.what()}});
  }
}

void DbReplicator::set_busy(size_t i, bool busy) {
  std::lock_guard lk(mu_);
  ReplicaState& st = state_[i];
  st.busy = busy;
  if (busy) {
    st.seen_progress = replicas_[i]->progress();
    st.progress_at = Steady::now();
  } else if (st.stall_reported) {
    st.stall_reported = false;
    replicas_[i]->log().info("replica sync no longer stalled");
  }
}

// The timers of state_[i] belong to replica i's thread; `dirty` and the watchdog fields are shared.
bool DbReplicator::replica_step(size_t i, bool force) {
  Replica& r = *replicas_[i];
  ReplicaState& st = state_[i];
  const auto& o = r.options();
  auto now = Steady::now();
  bool sync_due;
  {
    std::lock_guard lk(mu_);
    sync_due = force || (st.dirty && now >= st.next_sync);
  }
  // Bring the shadow WAL up to date right before an upload, so it carries everything committed up
  // to now (lag = one sync-interval, not two). The final phase had its forced sync already.
  if (sync_due && !force) sync_db();
  Pos pos = db_->pos();
  if (pos.is_zero()) {
    // No database or no generation yet: nothing to upload; look again after sync-interval.
    st.next_sync = now + steady(o.sync_interval);
    return !force || !db_->is_open();
  }
  bool ok = true;
  if (o.snapshot_interval.count() > 0 && !st.snapshot_timer_set) schedule_snapshot(i);
  if (!force && now >= st.next_snapshot) {
    try {
      r.snapshot();
    } catch (const LeaseHeldError&) {
      // Another replicator owns the replica; the lease logged it (WARN, then ERROR).
    } catch (const std::exception& e) {
      r.log().error("snapshotter error", {{"error", e.what()}});
    }
    st.next_snapshot = now + steady(o.snapshot_interval);
  }
  if (!force && now >= st.next_retention) {
    try {
      r.enforce_retention();
    } catch (const LeaseHeldError&) {
      // Not ours to prune while another replicator owns the replica.
    } catch (const std::exception& e) {
      r.log().error("retainer error", {{"error", e.what()}});
    }
    st.next_retention = now + steady(retention_check(o));
  }
  if (sync_due) {
    {
      // Cleared before the upload: a change noticed during it marks the replica dirty again.
      std::lock_guard lk(mu_);
      st.dirty = false;
    }
    try {
      r.sync();
    } catch (const LeaseHeldError& e) {
      // Nothing written; retried every sync-interval, which costs no request until the lease can
      // have changed (replica_lease.h). At shutdown it is still a failed final sync.
      ok = false;
      if (force) log_.error("error closing db", {{"error", "sync replica " + r.name() + ": " + e.what()}});
      std::lock_guard lk(mu_);
      st.dirty = true;
    } catch (const std::exception& e) {
      ok = false;
      if (force) {
        log_.error("error closing db", {{"error", "sync replica " + r.name() + ": " + e.what()}});
      } else {
        r.log().error("monitor error", {{"error", e.what()}});
      }
      std::lock_guard lk(mu_);
      st.dirty = true;  // retried after sync-interval, from a position recomputed from the replica
      ++stats_.replica_sync_error_count;
    }
    st.next_sync = now + steady(o.sync_interval);
  }
  return ok;
}

void DbReplicator::replica_loop(size_t i) {
  ReplicaState& st = state_[i];
  std::unique_lock lk(mu_);
  while (!stopping_) {
    auto now = Steady::now();
    bool due = (st.dirty && now >= st.next_sync) || now >= st.next_snapshot || now >= st.next_retention;
    if (!due) {
      auto wake = std::min(st.next_snapshot, st.next_retention);
      if (st.dirty) wake = std::min(wake, st.next_sync);
      // Woken early by sync_db (dirty) or stop; the predicate-less wait re-checks everything.
      if (wake == Steady::time_point::max()) {
        cv_.wait(lk);
      } else {
        cv_.wait_until(lk, wake);
      }
      continue;
    }
    lk.unlock();
    set_busy(i, true);
    try {
      replica_step(i, false);
    } catch (const std::exception& e) {
      // Never let an unexpected error end the thread silently: log it and try again later.
      replicas_[i]->log().error("monitor error", {{"error", e.what()}});
      st.next_sync = Steady::now() + steady(std::max<std::chrono::nanoseconds>(replicas_[i]->options().sync_interval,
                                                                               std::chrono::seconds(1)));
    }
    set_busy(i, false);
    lk.lock();
  }
  // Shutdown: upload what this replica lacks once the final shadow sync is done.
  cv_.wait(lk, [&] { return final_sync_go_; });
  if (abandon_) return;
  lk.unlock();
  bool ok = false;
  try {
    ok = replica_step(i, true);
  } catch (const std::exception& e) {
    log_.error("error closing db", {{"error", "sync replica " + replicas_[i]->name() + ": " + e.what()}});
  }
  lk.lock();
  st.final_done = true;
  st.final_ok = ok;
  cv_.notify_all();
}

void DbReplicator::check_stalls(Steady::time_point now) {
  for (size_t i = 0; i < state_.size(); ++i) {
    ReplicaState& st = state_[i];
    if (!st.busy) continue;
    Replica& r = *replicas_[i];
    int64_t p = r.progress();
    if (p != st.seen_progress) {
      st.seen_progress = p;
      st.progress_at = now;
      continue;
    }
    auto idle = std::chrono::duration_cast<std::chrono::nanoseconds>(now - st.progress_at);
    if (st.stall_reported || idle < stall_after(r.options())) continue;
    st.stall_reported = true;
    ++stats_.replica_stall_count;
    r.log().error("replica sync stalled", {{"no-progress-for", LogValue::duration(idle)}, {"position", r.pos().str()}});
  }
}

void DbReplicator::monitor_loop() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    auto now = Steady::now();
    if (monitor_interval_.count() > 0 && now >= next_db_sync_) {
      next_db_sync_ = now + steady(monitor_interval_);
      lk.unlock();
      sync_db();  // logs its own errors
      lk.lock();
      now = Steady::now();
    }
    check_stalls(now);
    auto wake = monitor_interval_.count() > 0 ? next_db_sync_ : Steady::time_point::max();
    if (std::any_of(state_.begin(), state_.end(), [](const ReplicaState& s) { return s.busy; }))
      wake = std::min(wake, now + std::chrono::seconds(1));
    wait_until(cv_, lk, wake, [&] { return stopping_; });
  }
}

bool DbReplicator::stop(Steady::time_point deadline) {
  for (auto& v : validators_)  // background checks first: a restore in progress is cancelled
    if (v) v->stop();
  std::unique_lock lk(mu_);
  bool started = started_;
  stopping_ = true;
  lk.unlock();
  cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();  // bounded: local work only
  // Final sync: whatever was committed before the signal must reach every replica, so it never
  // takes the "nothing changed" shortcut.
  bool ok = sync_db(true);
  if (!started) {  // stop() without start(): the final uploads on this thread
    for (size_t i = 0; i < replicas_.size(); ++i)
      if (!replica_step(i, true)) ok = false;
    for (auto& r : replicas_) r->release_lease();
    db_->close();
    return ok;
  }
  lk.lock();
  final_sync_go_ = true;
  cv_.notify_all();
  auto all_done = [&] {
    return std::all_of(state_.begin(), state_.end(), [](const ReplicaState& s) { return s.final_done; });
  };
  wait_until(cv_, lk, deadline, all_done);
  for (size_t i = 0; i < state_.size(); ++i) {
    if (state_[i].final_done) continue;
    Replica& r = *replicas_[i];
    r.log().error("replica did not finish its final sync before the shutdown deadline, cancelling",
                  {{"position", r.pos().str()}});
    r.client().cancel();
  }
  lk.unlock();
  // Cancelled S3 requests fail within a second; file replicas do bounded local I/O.
  for (auto& st : state_)
    if (st.thread.joinable()) st.thread.join();
  for (const auto& st : state_)
    if (!st.final_ok) ok = false;
  // After the final uploads: the next replicator (a Recreate rollout) starts without waiting a TTL.
  for (auto& r : replicas_) r->release_lease();
  db_->close();
  return ok;
}

}  // namespace hs::core
