#pragma once
// How replication reports events: one call per event with litestream's msg string and fields, so the
// CLI can hand them to hs_log (text or JSON) unchanged. The core never formats log lines itself.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace hs::core {

enum class LogLevel { debug, info, warn, error };

// A field value keeps its kind so the JSON log can print numbers and durations as litestream's slog
// does (integers; durations as integer nanoseconds) while text logs print Go's forms ("1.5ms").
struct LogValue {
  enum class Kind { text, integer, duration };
  Kind kind = Kind::text;
  std::string text;
  int64_t number = 0;  // integer, or nanoseconds for a duration

  LogValue(std::string s) : text(std::move(s)) {}
  LogValue(const char* s) : text(s ? s : "") {}
  LogValue(int64_t n) : kind(Kind::integer), number(n) {}
  LogValue(int n) : LogValue(int64_t(n)) {}
  LogValue(uint64_t n) : LogValue(int64_t(n)) {}
  static LogValue duration(std::chrono::nanoseconds d) {
    LogValue v(int64_t(d.count()));
    v.kind = Kind::duration;
    return v;
  }
  // The text form: as is, the decimal number, or Go's duration string.
  std::string str() const;
  friend bool operator==(const LogValue& a, const std::string& b) { return a.str() == b; }
};

using LogFields = std::vector<std::pair<std::string, LogValue>>;
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

}  // namespace hs::core
