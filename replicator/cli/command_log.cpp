#include "cli/command_log.h"

#include "log/log.h"

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

// Decodes the UTF-8 rune at v[i]; returns its length, 0 if invalid.
size_t decode_rune(const std::string& v, size_t i, unsigned& rune) {
  unsigned char c = static_cast<unsigned char>(v[i]);
  size_t len = c >= 0xf8 ? 0 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
  if (len == 0 || i + len > v.size()) return 0;
  rune = c & (0x7fu >> len);
  for (size_t k = 1; k < len; k++) {
    unsigned char b = static_cast<unsigned char>(v[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    rune = (rune << 6) | (b & 0x3fu);
  }
  return len;
}

// Non-ASCII runes Go's unicode.IsPrint rejects or unicode.IsSpace accepts (the common ones):
// C1 controls, NBSP, soft hyphen, the Unicode spaces and format characters, BOM.
bool go_unprintable(unsigned r) {
  return r <= 0xa0 || r == 0xad || r == 0x1680 || (r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
         (r >= 0x205f && r <= 0x206f) || r == 0x3000 || r == 0xfeff;
}

// Go's strconv.Quote, enough for log values.
std::string go_quote(const std::string& v) {
  std::string out = "\"";
  char buf[16];
  for (size_t i = 0; i < v.size();) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c < 0x80) {
      i++;
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
      continue;
    }
    unsigned rune = 0;
    size_t len = decode_rune(v, i, rune);
    if (len == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      i++;
    } else if (go_unprintable(rune)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", rune);
      out += buf;
      i += len;
    } else {
      out.append(v, i, len);
      i += len;
    }
  }
  return out + "\"";
}

// slog's text handler quotes a value when it is empty or has spaces, '=', '"' or anything Go
// would not print as is.
std::string text_value(const std::string& v) {
  bool quote = v.empty();
  for (size_t i = 0; i < v.size() && !quote;) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c < 0x80) {
      quote = c <= ' ' || c == '=' || c == '"' || c == 0x7f;
      i++;
      continue;
    }
    unsigned rune = 0;
    size_t len = decode_rune(v, i, rune);
    quote = len == 0 || go_unprintable(rune);
    i += len ? len : 1;
  }
  return quote ? go_quote(v) : v;
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

void write_line(int level, const std::string& msg, const Fields& fields) {
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

// Writes the line, then lets hs_log's hooks (the alerter) see WARN/ERROR events.
void emit(int level, const std::string& msg, const Fields& fields) {
  write_line(level, msg, fields);
  if (level >= kWarn) {
    std::vector<hs::log::Field> f;
    for (const auto& [k, v] : fields) f.push_back({k, v});
    hs::log::notify_hooks(static_cast<hs::log::Level>(level), msg, f);
  }
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
