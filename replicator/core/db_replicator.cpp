#include "core/db_replicator.h"

#include <algorithm>

namespace hs::core {

namespace {

template <class D>
std::chrono::steady_clock::duration steady(D d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

}  // namespace

DbReplicator::DbReplicator(DbOptions db, std::chrono::nanoseconds monitor_interval,
                           std::vector<ReplicaSetup> replicas, EventLogFn log)
    : monitor_interval_(monitor_interval), log_(std::move(log), {{"db", db.path}}) {
  db_ = std::make_unique<Db>(std::move(db), log_);
  auto now = Steady::now();
  next_db_sync_ = now;
  for (auto& r : replicas) {
    replicas_.push_back(std::make_unique<Replica>(*db_, std::move(r.client), std::move(r.options), log_));
    ReplicaState st;
    st.next_sync = now;
    const auto& o = replicas_.back()->options();
    if (o.retention.count() > 0) {
      auto check = o.retention_check_interval.count() > 0 ? std::min(o.retention_check_interval, o.retention)
                                                           : o.retention;
      st.next_retention = now + steady(check);
    }
    state_.push_back(st);
  }
}

DbReplicator::~DbReplicator() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DbReplicator::start() { thread_ = std::thread([this] { loop(); }); }

DbReplicatorStats DbReplicator::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

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
  }
  if (changed) {
    auto now = Clock::now();
    for (size_t i = 0; i < state_.size(); ++i) {
      state_[i].dirty = true;
      replicas_[i]->metrics().mark_pending(now);
    }
  }
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
    auto next = std::max(std::chrono::nanoseconds(0), interval - std::chrono::duration_cast<std::chrono::nanoseconds>(age));
    std::time_t t = Clock::to_time_t(snap->created_at);
    char prev[32];
    std::strftime(prev, sizeof prev, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    r.log().info("snapshot interval adjusted", {{"previous", prev}, {"next", LogValue::duration(next)}});
    st.next_snapshot = Steady::now() + steady(next);
  } catch (const std::exception& e) {
    r.log().error("snapshotter cannot determine latest snapshot", {{"error", e.what()}});
  }
}

bool DbReplicator::run_once(bool force) {
  auto now = Steady::now();
  bool ok = true;
  bool replica_due = false;
  for (size_t i = 0; i < replicas_.size(); ++i)
    if (state_[i].dirty && now >= state_[i].next_sync) replica_due = true;
  // Bring the shadow WAL up to date on its own schedule and right before any upload, so an upload
  // carries everything committed up to now (lag = one sync-interval, not two).
  if (force || replica_due || (monitor_interval_.count() > 0 && now >= next_db_sync_)) {
    if (!sync_db(force)) ok = false;
    if (monitor_interval_.count() > 0) next_db_sync_ = now + steady(monitor_interval_);
  }
  if (!db_->is_open()) return ok;
  bool has_generation = !db_->pos().is_zero();

  for (size_t i = 0; i < replicas_.size(); ++i) {
    Replica& r = *replicas_[i];
    ReplicaState& st = state_[i];
    const auto& o = r.options();
    if (!has_generation) continue;
    if (o.snapshot_interval.count() > 0 && !st.snapshot_timer_set) schedule_snapshot(i);
    if (!force && now >= st.next_snapshot) {
      try {
        r.snapshot();
      } catch (const std::exception& e) {
        r.log().error("snapshotter error", {{"error", e.what()}});
      }
      st.next_snapshot = now + steady(o.snapshot_interval);
    }
    if (!force && now >= st.next_retention) {
      try {
        r.enforce_retention();
      } catch (const std::exception& e) {
        r.log().error("retainer error", {{"error", e.what()}});
      }
      auto check = o.retention_check_interval.count() > 0 ? std::min(o.retention_check_interval, o.retention)
                                                           : o.retention;
      st.next_retention = now + steady(check);
    }
    if (force || (st.dirty && now >= st.next_sync)) {
      // Cleared before the upload: a change noticed during it marks the replica dirty again.
      st.dirty = false;
      try {
        r.sync();
      } catch (const std::exception& e) {
        st.dirty = true;  // retried after sync-interval, from a position recomputed from the replica
        ok = false;
        r.log().error("monitor error", {{"error", e.what()}});
        std::lock_guard lk(mu_);
        ++stats_.replica_sync_error_count;
      }
      st.next_sync = now + steady(o.sync_interval);
    }
  }
  return ok;
}

void DbReplicator::loop() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    lk.unlock();
    try {
      run_once(false);
    } catch (const std::exception& e) {
      // Never let an unexpected error end the thread silently: log it and try again next tick.
      log_.error("sync error", {{"error", e.what()}});
      auto retry = Steady::now() + steady(std::max<std::chrono::nanoseconds>(monitor_interval_, std::chrono::seconds(1)));
      next_db_sync_ = retry;
      for (auto& st : state_) st.next_sync = std::max(st.next_sync, retry);
    }
    auto wake = Steady::time_point::max();
    if (monitor_interval_.count() > 0) wake = next_db_sync_;
    for (const auto& st : state_) {
      if (st.dirty) wake = std::min(wake, st.next_sync);
      wake = std::min({wake, st.next_snapshot, st.next_retention});
    }
    lk.lock();
    if (wake == Steady::time_point::max()) {
      cv_.wait(lk, [&] { return stopping_; });
    } else {
      cv_.wait_until(lk, wake, [&] { return stopping_; });
    }
  }
}

bool DbReplicator::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Final sync: whatever was committed before the signal must reach every replica, so it never
  // takes the "nothing changed" shortcut.
  bool ok = true;
  if (!sync_db(true)) ok = false;
  if (db_->is_open() && !db_->pos().is_zero()) {
    for (auto& r : replicas_) {
      try {
        r->sync();
      } catch (const std::exception& e) {
        ok = false;
        log_.error("error closing db", {{"error", "sync replica " + r->name() + ": " + e.what()}});
      }
    }
  }
  db_->close();
  return ok;
}

}  // namespace hs::core
