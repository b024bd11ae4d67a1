#pragma once
// How replication reports events: one call per event with litestream's msg string and fields, so the
// CLI can hand them to hs_log (text or JSON) unchanged. The core never formats log lines itself.
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace hs::core {

enum class LogLevel { debug, info, warn, error };

using LogFields = std::vector<std::pair<std::string, std::string>>;
using EventLogFn = std::function<void(LogLevel level, const std::string& msg, const LogFields& fields)>;

// Logs through `fn` with `base` fields (e.g. db=..., replica=...) put first; a no-op if fn is empty.
class EventLog {
 public:
  EventLog() = default;
  EventLog(EventLogFn fn, LogFields base) : fn_(std::move(fn)), base_(std::move(base)) {}

  EventLog with(const std::string& key, const std::string& value) const {
    LogFields f = base_;
    f.emplace_back(key, value);
    return EventLog(fn_, std::move(f));
  }
  void log(LogLevel level, const std::string& msg, const LogFields& fields = {}) const {
    if (!fn_) return;
    LogFields all = base_;
    all.insert(all.end(), fields.begin(), fields.end());
    fn_(level, msg, all);
  }
  void debug(const std::string& msg, const LogFields& f = {}) const { log(LogLevel::debug, msg, f); }
  void info(const std::string& msg, const LogFields& f = {}) const { log(LogLevel::info, msg, f); }
  void warn(const std::string& msg, const LogFields& f = {}) const { log(LogLevel::warn, msg, f); }
  void error(const std::string& msg, const LogFields& f = {}) const { log(LogLevel::error, msg, f); }

 private:
  EventLogFn fn_;
  LogFields base_;
};

// Formats a duration the way Go's time.Duration.String() does ("1s", "7.662207ms", "540.982µs"),
// so elapsed= fields read exactly like litestream's.
std::string go_duration(int64_t nanoseconds);

}  // namespace hs::core
