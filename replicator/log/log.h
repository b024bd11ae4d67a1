#pragma once
// The logger of every command. One line per event, like Go's log/slog that litestream v0.3.13 uses,
// so log processors that understand litestream's output (Fluent Bit rules on `level`) read ours
// unchanged. Before a config file is loaded: slog's default handler on stderr (litestream's URL
// mode); after it, the config's `logging` section (cli/log_options.h):
//   text: time=2026-11-25T08:42:20.123Z level=INFO msg="replica sync" db=/data/app.db bytes=4096
//   json: {"time":"2026-11-25T08:42:20.123456789Z","level":"INFO","msg":"replica
//   sync","db":"/data/app.db","bytes":4096} go:   2026/11/25 08:42:20 INFO replica sync db=/data/app.db   (slog's
//   default handler: CLI mode)
// Durations print as Go strings in text ("1.5s") and as integer nanoseconds in JSON, like slog.
// Times are in the local zone, as Go prints them; strings are quoted by slog's rule (hs_gotext).
//
// Usage:
//   hs::log::info("replicating", {{"db", db.path}, {"replica", name}});
//   hs::log::error("sync error", {{"db", path}, {"error", e.what()}});
//   hs::log::warn("alert sink failed", {{"url", hs::log::redact_url(url)}});   // never log secrets
// Setup: hs::log::configure(cli::log_options(config)) once a config file is loaded.
// Hooks: hs::log::add_hook(fn) sees every event at or above WARN (alerts use it). Events logged
// while a hs::log::HookSuppressor is alive on the current thread are written but not hooked (so
// the alert sender's own failures do not feed back into alerts).
// All functions are thread-safe; each line is written with one write(2).
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hs::log {

// slog's numeric levels.
enum class Level : int { debug = -4, info = 0, warn = 4, error = 8 };
const char* level_name(Level l);  // "DEBUG", "INFO", "WARN", "ERROR"
// Parses DEBUG/INFO/WARN/WARNING/ERROR in any case; anything else is INFO (litestream's rule).
Level parse_level(std::string_view s);

enum class Format { text, json, go_default };

struct Value {
  std::variant<std::string, int64_t, uint64_t, double, bool, std::chrono::nanoseconds,
               std::chrono::system_clock::time_point>
      v;
  Value(std::string s) : v(std::move(s)) {}
  Value(std::string_view s) : v(std::string(s)) {}
  Value(const char* s) : v(std::string(s ? s : "")) {}
  Value(bool b) : v(b) {}
  Value(int i) : v(int64_t(i)) {}
  Value(long i) : v(int64_t(i)) {}
  Value(long long i) : v(int64_t(i)) {}
  Value(unsigned i) : v(uint64_t(i)) {}
  Value(unsigned long i) : v(uint64_t(i)) {}
  Value(unsigned long long i) : v(uint64_t(i)) {}
  Value(double d) : v(d) {}
  template <class Rep, class Period>
  Value(std::chrono::duration<Rep, Period> d) : v(std::chrono::duration_cast<std::chrono::nanoseconds>(d)) {}
  Value(std::chrono::system_clock::time_point t) : v(t) {}
};

struct Field {
  std::string key;
  Value value;
};
using Fields = std::initializer_list<Field>;

struct Event {
  std::chrono::system_clock::time_point time;
  Level level;
  std::string msg;
  std::vector<Field> fields;
  std::string json;  // the event as one JSON object (what the alert sinks forward)
};

struct Options {
  Level level = Level::info;
  Format format = Format::go_default;  // litestream before (or without) a config file
  bool to_stderr = true;
  // Tests: receive each line (with its '\n') instead of stdout/stderr.
  std::function<void(std::string_view)> writer;
};

void configure(const Options& opts);
Options current_options();
bool enabled(Level l);

void log(Level l, std::string_view msg, Fields fields = {});
void log(Level l, std::string_view msg, const std::vector<Field>& fields);
inline void debug(std::string_view msg, Fields f = {}) {
  log(Level::debug, msg, f);
}
inline void info(std::string_view msg, Fields f = {}) {
  log(Level::info, msg, f);
}
inline void warn(std::string_view msg, Fields f = {}) {
  log(Level::warn, msg, f);
}
inline void error(std::string_view msg, Fields f = {}) {
  log(Level::error, msg, f);
}
inline void debug(std::string_view msg, const std::vector<Field>& f) {
  log(Level::debug, msg, f);
}
inline void info(std::string_view msg, const std::vector<Field>& f) {
  log(Level::info, msg, f);
}
inline void warn(std::string_view msg, const std::vector<Field>& f) {
  log(Level::warn, msg, f);
}
inline void error(std::string_view msg, const std::vector<Field>& f) {
  log(Level::error, msg, f);
}

// Formatting, exposed for tests and for the alert sinks.
std::string format_text(const Event& e);
std::string format_json(const Event& e);
std::string format_go_default(const Event& e);
// Just the fields as text: `db=/data/app.db error="no such host"` (alert messages use it).
std::string format_fields_text(const std::vector<Field>& fields);

using HookId = int;
HookId add_hook(std::function<void(const Event&)> hook);  // called for WARN and ERROR events
void remove_hook(HookId id);

class HookSuppressor {
 public:
  HookSuppressor();
  ~HookSuppressor();
  HookSuppressor(const HookSuppressor&) = delete;
  HookSuppressor& operator=(const HookSuppressor&) = delete;
};

// --- secrets ---
// "https://user:pass@hooks.slack.com/services/T0/B0/XXXX?token=abc" -> "https://hooks.slack.com/REDACTED":
// webhook URLs carry their secret in the path or query, so only scheme and host survive.
std::string redact_url(std::string_view url);
// A fixed placeholder for values that must never be printed.
inline constexpr const char* kRedacted = "REDACTED";

}  // namespace hs::log
