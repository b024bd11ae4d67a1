// Line formats of slog's TextHandler, JSONHandler and default handler (Go 1.21, which built
// litestream v0.3.13), plus URL redaction.
#include <charconv>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "config/duration.h"
#include "log/log.h"

namespace hs::log {
namespace {

using Clock = std::chrono::system_clock;

// UTC broken-down time plus the nanoseconds within the second.
struct Civil {
  std::tm tm{};
  int64_t nanos = 0;
};
Civil civil(Clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns / 1000000000;
  int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  Civil c;
  std::time_t tt = secs;
  gmtime_r(&tt, &c.tm);
  c.nanos = frac;
  return c;
}

std::string ymd_hms(const std::tm& tm, char date_sep, char mid) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%c%02d%c%02d%c%02d:%02d:%02d", tm.tm_year + 1900, date_sep, tm.tm_mon + 1,
                date_sep, tm.tm_mday, mid, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// slog text: RFC 3339 with milliseconds always present ("2006-01-02T15:04:05.000Z").
std::string rfc3339_millis(Clock::time_point t) {
  Civil c = civil(t);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03d", int(c.nanos / 1000000));
  return ymd_hms(c.tm, '-', 'T') + ms + "Z";
}

// slog JSON: time.RFC3339Nano, trailing zeros of the fraction trimmed (no '.' if none left).
std::string rfc3339_nano(Clock::time_point t) {
  Civil c = civil(t);
  std::string out = ymd_hms(c.tm, '-', 'T');
  if (c.nanos) {
    char frac[12];
    std::snprintf(frac, sizeof frac, "%09d", int(c.nanos));
    std::string f(frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + "Z";
}

std::string shortest_double(double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// slog's needsQuoting: empty, or any space, '=', '"' or non-printable byte.
bool needs_quoting(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char ch : s)
    if (ch <= ' ' || ch == '=' || ch == '"' || ch == 0x7f || ch == '\\') return true;
  return false;
}

// strconv.Quote for the ASCII range; UTF-8 sequences pass through.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (ch < 0x20 || ch == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", ch);
          out += buf;
        } else {
          out += char(ch);
        }
    }
  }
  return out + "\"";
}

std::string text_string(std::string_view s) { return needs_quoting(s) ? go_quote(s) : std::string(s); }

std::string text_value(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) return text_string(x);
        else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>) return shortest_double(x);
        else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>) return hs::config::format_duration(x);
        else if constexpr (std::is_same_v<T, Clock::time_point>) return rfc3339_millis(x);
        else return std::to_string(x);
      },
      v.v);
}

std::string json_string(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_value(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) return json_string(x);
        else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>) return shortest_double(x);
        else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>) return std::to_string(x.count());
        else if constexpr (std::is_same_v<T, Clock::time_point>) return "\"" + rfc3339_nano(x) + "\"";
        else return std::to_string(x);
      },
      v.v);
}

}  // namespace

std::string format_text(const Event& e) {
  std::string out = "time=" + rfc3339_millis(e.time) + " level=" + level_name(e.level) + " msg=" + text_string(e.msg);
  for (const auto& f : e.fields) out += " " + text_string(f.key) + "=" + text_value(f.value);
  return out;
}

std::string format_json(const Event& e) {
  std::string out = "{\"time\":\"" + rfc3339_nano(e.time) + "\",\"level\":\"" + level_name(e.level) +
                    "\",\"msg\":" + json_string(e.msg);
  for (const auto& f : e.fields) out += "," + json_string(f.key) + ":" + json_value(f.value);
  return out + "}";
}

std::string format_go_default(const Event& e) {
  std::string out = ymd_hms(civil(e.time).tm, '/', ' ') + " " + level_name(e.level) + " " + e.msg;
  for (const auto& f : e.fields) out += " " + text_string(f.key) + "=" + text_value(f.value);
  return out;
}

std::string format_fields_text(const std::vector<Field>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : " ") + text_string(f.key) + "=" + text_value(f.value);
  return out;
}

std::string redact_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return kRedacted;
  std::string_view rest = url.substr(scheme_end + 3);
  auto auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string out = std::string(url.substr(0, scheme_end)) + "://" + std::string(authority);
  if (auth_end != std::string_view::npos && rest.substr(auth_end) != "/") out += "/" + std::string(kRedacted);
  return out;
}

}  // namespace hs::log
