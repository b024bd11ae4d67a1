#include "cli/command_log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace hs::cli::log {
namespace {

enum Level { kDebug = -4, kInfo = 0, kWarn = 4, kError = 8 };

struct State {
  std::mutex mu;
  bool configured = false;  // false: Go's default logger on stderr
  bool json = false;
  FILE* out = stderr;
  int min_level = kInfo;
} state;

const char* level_name(int level) {
  switch (level) {
    case kDebug: return "DEBUG";
    case kWarn: return "WARN";
    case kError: return "ERROR";
    default: return "INFO";
  }
}

// slog's text handler quotes a value when it is empty or has spaces, '=', '"' or control bytes.
std::string text_value(const std::string& v) {
  bool quote = v.empty();
  for (unsigned char c : v)
    if (c <= ' ' || c == '=' || c == '"' || c == 0x7f) quote = true;
  if (!quote) return v;
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string json_string(const std::string& v) {
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + "\"";
}

// Local time as Go prints it: layout `fmt` for the seconds part, then fraction and zone.
std::string now_text(bool go_default, int frac_digits) {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  if (go_default) {
    std::strftime(buf, sizeof buf, "%Y/%m/%d %H:%M:%S", &tm);
    return buf;
  }
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  long ns = static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() % 1'000'000'000);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%09ld", ns);
  out += std::string(frac).substr(0, static_cast<size_t>(1 + frac_digits));
  if (tm.tm_gmtoff == 0) return out + "Z";
  long off = tm.tm_gmtoff;
  char z[32];
  std::snprintf(z, sizeof z, "%c%02ld:%02ld", off < 0 ? '-' : '+', std::labs(off) / 3600, std::labs(off) % 3600 / 60);
  return out + z;
}

void emit(int level, const std::string& msg, const Fields& fields) {
  std::lock_guard lock(state.mu);
  if (level < state.min_level) return;
  std::string line;
  if (!state.configured) {
    line = now_text(true, 0) + " " + level_name(level) + " " + msg;
    for (const auto& [k, v] : fields) line += " " + k + "=" + text_value(v);
  } else if (state.json) {
    line = "{\"time\":" + json_string(now_text(false, 9)) + ",\"level\":\"" + level_name(level) +
           "\",\"msg\":" + json_string(msg);
    for (const auto& [k, v] : fields) line += "," + json_string(k) + ":" + json_string(v);
    line += "}";
  } else {
    line = "time=" + now_text(false, 3) + " level=" + level_name(level) + " msg=" + text_value(msg);
    for (const auto& [k, v] : fields) line += " " + k + "=" + text_value(v);
  }
  line += "\n";
  std::fwrite(line.data(), 1, line.size(), state.out);
  std::fflush(state.out);
}

}  // namespace

void configure(const config::Config& c) {
  std::lock_guard lock(state.mu);
  state.configured = true;
  state.json = config::log_type(c) == "json";
  state.out = config::log_stderr(c) ? stderr : stdout;
  std::string level = config::log_level(c);
  state.min_level = level == "DEBUG" ? kDebug : level == "WARN" ? kWarn : level == "ERROR" ? kError : kInfo;
}

void debug(const std::string& msg, const Fields& fields) { emit(kDebug, msg, fields); }
void info(const std::string& msg, const Fields& fields) { emit(kInfo, msg, fields); }
void warn(const std::string& msg, const Fields& fields) { emit(kWarn, msg, fields); }
void error(const std::string& msg, const Fields& fields) { emit(kError, msg, fields); }

}  // namespace hs::cli::log
