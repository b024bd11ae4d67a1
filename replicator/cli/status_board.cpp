#include "cli/status_board.h"

#include <unistd.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "gotext/time.h"
#include "metrics/metrics.h"

namespace hs::cli {
namespace {

struct LastError {
  core::TimePoint at;
  std::string message;  // the event's msg
  std::string error;    // its error field, if any
};

std::mutex board_mu;
std::map<std::pair<std::string, std::string>, LastError>& board() {
  static std::map<std::pair<std::string, std::string>, LastError> b;
  return b;
}

nlohmann::json last_error(const std::string& db, const std::string& replica) {
  std::lock_guard lk(board_mu);
  auto it = board().find({db, replica});
  if (it == board().end()) return nullptr;
  return {{"at", gotext::rfc3339_millis(it->second.at)}, {"message", it->second.message}, {"error", it->second.error}};
}

nlohmann::json when(double unix_seconds) {
  if (unix_seconds <= 0) return nullptr;
  auto t =
      core::TimePoint(std::chrono::duration_cast<core::Clock::duration>(std::chrono::duration<double>(unix_seconds)));
  return gotext::rfc3339_millis(t);
}

}  // namespace

void record_status_event(core::LogLevel level, const std::string& msg, const core::LogFields& fields) {
  if (level != core::LogLevel::error) return;
  std::string db, replica, error;
  for (const auto& [k, v] : fields) {
    if (k == "db" && db.empty()) db = v.str();
    if (k == "replica" && replica.empty()) replica = v.str();
    if (k == "error") error = v.str();
  }
  if (db.empty()) return;
  std::lock_guard lk(board_mu);
  board()[{db, replica}] = LastError{core::Clock::now(), msg, error};
}

std::string runtime_status_json(std::vector<std::unique_ptr<core::DbReplicator>>& replicators) {
  auto now = core::Clock::now();
  nlohmann::json dbs = nlohmann::json::array();
  for (auto& rep : replicators) {
    core::Db& db = rep->db();
    core::Pos dpos = db.pos();
    nlohmann::json replicas = nlohmann::json::array();
    auto& rs = rep->replicas();
    for (size_t i = 0; i < rs.size(); ++i) {
      core::Replica& r = *rs[i];
      auto& m = r.metrics();
      core::Pos p = r.pos();
      double last_sync = m.last_sync_seconds();
      nlohmann::json j = {
          {"name", r.name()},
          {"type", r.client().type()},
          {"position", p.is_zero() ? nlohmann::json(nullptr) : nlohmann::json(p.str())},
          {"last_sync", when(last_sync)},
          {"last_sync_age_seconds",
           last_sync > 0 ? nlohmann::json(std::chrono::duration<double>(now.time_since_epoch()).count() - last_sync)
                         : nlohmann::json(nullptr)},
          {"lag_seconds", m.lag_seconds(now)},
          {"last_error", last_error(db.path(), r.name())},
          {"validation", nullptr},
      };
      if (const core::Validator* v = rep->validator(i)) {
        core::ValidationResult res = v->last();
        nlohmann::json val = {{"interval_seconds", std::chrono::duration<double>(v->interval()).count()},
                              {"status", core::validation_status_name(res.status)}};
        if (res.status != core::ValidationResult::Status::none) {
          val["at"] = gotext::rfc3339_millis(res.at);
          val["position"] = res.pos.str();
          val["detail"] = res.detail;
          val["ok_total"] = m.validation_ok.value();
          val["failed_total"] = m.validation_error.value();
        }
        j["validation"] = std::move(val);
      }
      replicas.push_back(std::move(j));
    }
    dbs.push_back({{"path", db.path()},
                   {"generation", dpos.generation},
                   {"position", dpos.is_zero() ? nlohmann::json(nullptr) : nlohmann::json(dpos.str())},
                   {"last_error", last_error(db.path(), "")},
                   {"replicas", std::move(replicas)}});
  }
  return nlohmann::json{{"pid", static_cast<int64_t>(::getpid())}, {"dbs", std::move(dbs)}}.dump(2) + "\n";
}

}  // namespace hs::cli
