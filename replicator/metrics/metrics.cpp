// Registry bookkeeping and the Prometheus text exposition (format 0.0.4).
#include "metrics/metrics.h"

#include <charconv>
#include <functional>
#include <vector>

namespace hs::metrics {
namespace {

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string num(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

// Collects samples per metric family so each family has one HELP/TYPE header, as required.
class Exposition {
 public:
  void add(const std::string& name, const char* type, const char* help, const Labels& labels, double v) {
    auto [it, inserted] = index_.emplace(name, families_.size());
    if (inserted) families_.push_back({name, type, help, {}});
    std::string line = name;
    if (!labels.empty()) {
      line += "{";
      for (size_t i = 0; i < labels.size(); ++i)
        line += (i ? "," : "") + labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
      line += "}";
    }
    families_[it->second].samples.push_back(line + " " + num(v) + "\n");
  }
  std::string str() const {
    std::string out;
    for (const auto& f : families_) {
      out += "# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n";
      for (const auto& s : f.samples) out += s;
    }
    return out;
  }

 private:
  struct Family {
    std::string name, type, help;
    std::vector<std::string> samples;
  };
  std::vector<Family> families_;
  std::map<std::string, size_t> index_;
};

}  // namespace

DbMetrics::Checkpoint& DbMetrics::checkpoint(const std::string& mode) {
  std::lock_guard<std::mutex> g(mu_);
  auto& p = checkpoints_[mode];
  if (!p) p = std::make_unique<Checkpoint>();
  return *p;
}

void ReplicaMetrics::mark_pending(std::chrono::system_clock::time_point t) {
  double expected = 0;
  pending_since_.compare_exchange_strong(expected, unix_seconds(t), std::memory_order_relaxed);
}

void ReplicaMetrics::mark_synced(std::chrono::system_clock::time_point t) {
  pending_since_.store(0, std::memory_order_relaxed);
  last_sync_.store(unix_seconds(t), std::memory_order_relaxed);
}

double ReplicaMetrics::lag_seconds(std::chrono::system_clock::time_point now) const {
  double since = pending_since_.load(std::memory_order_relaxed);
  if (since == 0) return 0;
  double lag = unix_seconds(now) - since;
  return lag > 0 ? lag : 0;
}

std::string Registry::lagging(std::chrono::nanoseconds max_lag, std::chrono::system_clock::time_point now) const {
  std::lock_guard<std::mutex> g(mu_);
  std::string out;
  const double bound = std::chrono::duration<double>(max_lag).count();
  for (const auto& [key, m] : replicas_) {
    double lag = m->lag_seconds(now);
    if (lag <= bound) continue;
    if (!out.empty()) out += "; ";
    out += "db=" + key.first + " replica=" + key.second + " lag=" + std::to_string(int64_t(lag)) + "s";
  }
  return out;
}

DbMetrics& Registry::db(const std::string& path) {
  std::lock_guard<std::mutex> g(mu_);
  auto& p = dbs_[path];
  if (!p) p = std::make_unique<DbMetrics>();
  return *p;
}

ReplicaMetrics& Registry::replica(const std::string& db_path, const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  auto& p = replicas_[{db_path, name}];
  if (!p) p = std::make_unique<ReplicaMetrics>();
  return *p;
}

OperationMetrics& Registry::operation(const std::string& replica_type, const std::string& op) {
  std::lock_guard<std::mutex> g(mu_);
  auto& p = operations_[{replica_type, op}];
  if (!p) p = std::make_unique<OperationMetrics>();
  return *p;
}

void Registry::clear() {
  std::lock_guard<std::mutex> g(mu_);
  dbs_.clear();
  replicas_.clear();
  operations_.clear();
}

std::string Registry::render(std::chrono::system_clock::time_point now) const {
  Exposition x;
  std::lock_guard<std::mutex> g(mu_);
  for (const auto& [path, m] : dbs_) {
    const Labels l = {{"db", path}};
    x.add("litestream_db_size", "gauge", "The current size of the real DB", l, m->db_size.value());
    x.add("litestream_wal_size", "gauge", "The current size of the real WAL", l, m->wal_size.value());
    x.add("litestream_total_wal_bytes", "counter", "Total number of bytes written to shadow WAL", l,
          m->total_wal_bytes.value());
    x.add("litestream_shadow_wal_index", "gauge", "The current index of the shadow WAL", l,
          m->shadow_wal_index.value());
    x.add("litestream_shadow_wal_size", "gauge", "Current size of shadow WAL, in bytes", l, m->shadow_wal_size.value());
    x.add("litestream_sync_count", "counter", "Number of sync operations performed", l, m->sync_count.value());
    x.add("litestream_sync_error_count", "counter", "Number of sync errors that have occurred", l,
          m->sync_error_count.value());
    x.add("litestream_sync_seconds", "counter", "Time spent syncing shadow WAL, in seconds", l,
          m->sync_seconds.value());
    x.add("hs_generation_changes_total", "counter", "Number of new generations started (snapshot and WAL restart)", l,
          m->generation_changes.value());
    x.add("hs_shadow_wal_cap_reached_total", "counter",
          "Times the shadow WAL kept for lagging replicas exceeded max-shadow-wal-bytes (a new generation followed)", l,
          m->shadow_wal_cap_reached.value());
  }
  for (const auto& [path, m] : dbs_) {
    std::lock_guard<std::mutex> cg(m->mu_);
    for (const auto& [mode, c] : m->checkpoints_) {
      const Labels l = {{"db", path}, {"mode", mode}};
      x.add("litestream_checkpoint_count", "counter", "Number of checkpoint operations performed", l, c->count.value());
      x.add("litestream_checkpoint_error_count", "counter", "Number of checkpoint errors that have occurred", l,
            c->error_count.value());
      x.add("litestream_checkpoint_seconds", "counter", "Time spent checkpointing WAL, in seconds", l,
            c->seconds.value());
    }
  }
  for (const auto& [key, m] : replicas_) {
    const Labels l = {{"db", key.first}, {"name", key.second}};
    x.add("litestream_replica_wal_bytes", "counter", "The number wal bytes written by replica", l,
          m->wal_bytes.value());
    x.add("litestream_replica_wal_index", "gauge", "The current WAL index", l, m->wal_index.value());
    x.add("litestream_replica_wal_offset", "gauge", "The current WAL offset", l, m->wal_offset.value());
    x.add("litestream_replica_validation_total", "counter", "The number of validations performed",
          {{"db", key.first}, {"name", key.second}, {"status", "error"}}, m->validation_error.value());
    x.add("litestream_replica_validation_total", "counter", "The number of validations performed",
          {{"db", key.first}, {"name", key.second}, {"status", "ok"}}, m->validation_ok.value());
    x.add("hs_replica_validation_failing", "gauge",
          "1 while the replica's last validation (validation-interval) failed: mismatch or unreadable object", l,
          m->validation_failing.value());
    x.add("hs_replica_validation_last_timestamp_seconds", "gauge",
          "Unix time of the replica's last validation verdict, ok or failed (0 = none yet)", l,
          m->validation_last.value());
    x.add("hs_replica_frames_total", "counter", "WAL frames written to the replica", l, m->frames.value());
    x.add("hs_replica_sync_errors_total", "counter", "Replica syncs that failed", l, m->sync_errors.value());
    x.add("hs_replica_snapshots_total", "counter", "Snapshots written to the replica", l, m->snapshots.value());
    x.add("hs_replica_lease_waiting", "gauge",
          "1 while another replicator holds this replica's lease (nothing is written to it)", l,
          m->lease_waiting.value());
    for (size_t k = 0; k < std::size(kRequestKindNames); ++k)
      x.add("hs_replica_requests_total", "counter",
            "Requests sent to the replica's storage by kind, retries included (S3: what is billed)",
            {{"db", key.first}, {"name", key.second}, {"kind", kRequestKindNames[k]}},
            m->requests(static_cast<RequestKind>(k)).value());
    x.add("hs_replica_last_sync_timestamp_seconds", "gauge",
          "Unix time of the last successful replica sync (0 = none yet)", l, m->last_sync_seconds());
    x.add("hs_replica_lag_seconds", "gauge", "Age of the oldest local change not yet on the replica (0 = caught up)", l,
          m->lag_seconds(now));
  }
  for (const auto& [key, m] : operations_) {
    const Labels l = {{"replica_type", key.first}, {"operation", key.second}};
    x.add("litestream_replica_operation_total", "counter", "The number of replica operations performed", l,
          m->total.value());
    x.add("litestream_replica_operation_bytes", "counter", "The number of bytes used by replica operations", l,
          m->bytes.value());
  }
  ProcessStats p = read_process_stats();
  x.add("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", {}, p.cpu_seconds);
  x.add("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", {}, p.resident_bytes);
  x.add("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", {}, p.virtual_bytes);
  x.add("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", {},
        p.start_time);
  x.add("process_open_fds", "gauge", "Number of open file descriptors.", {}, p.open_fds);
  return x.str();
}

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: sync threads may still update at exit
  return *r;
}

}  // namespace hs::metrics
