// Line formats of slog's TextHandler, JSONHandler and default handler (Go 1.21, which built
// litestream v0.3.13), plus URL redaction. Times are local, as Go prints them ("Z" in UTC).
#include <charconv>
#include <nlohmann/json.hpp>

#include "gotext/duration.h"
#include "gotext/quote.h"
#include "gotext/time.h"
#include "log/log.h"

namespace hs::log {
namespace {

using Clock = std::chrono::system_clock;

std::string shortest_double(double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string text_string(std::string_view s) {
  return gotext::slog_text(s);
}

std::string text_value(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>)
          return text_string(x);
        else if constexpr (std::is_same_v<T, bool>)
          return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>)
          return shortest_double(x);
        else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>)
          return gotext::format_duration(x);
        else if constexpr (std::is_same_v<T, Clock::time_point>)
          return gotext::rfc3339_millis(x);
        else
          return std::to_string(x);
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
        if constexpr (std::is_same_v<T, std::string>)
          return json_string(x);
        else if constexpr (std::is_same_v<T, bool>)
          return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>)
          return shortest_double(x);
        else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>)
          return std::to_string(x.count());
        else if constexpr (std::is_same_v<T, Clock::time_point>)
          return "\"" + gotext::rfc3339_nano(x) + "\"";
        else
          return std::to_string(x);
      },
      v.v);
}

}  // namespace

std::string format_text(const Event& e) {
  std::string out =
      "time=" + gotext::rfc3339_millis(e.time) + " level=" + level_name(e.level) + " msg=" + text_string(e.msg);
  for (const auto& f : e.fields) out += " " + text_string(f.key) + "=" + text_value(f.value);
  return out;
}

std::string format_json(const Event& e) {
  std::string out = "{\"time\":\"" + gotext::rfc3339_nano(e.time) + "\",\"level\":\"" + level_name(e.level) +
                    "\",\"msg\":" + json_string(e.msg);
  for (const auto& f : e.fields) out += "," + json_string(f.key) + ":" + json_value(f.value);
  return out + "}";
}

std::string format_go_default(const Event& e) {
  std::string out = gotext::log_default(e.time) + " " + level_name(e.level) + " " + e.msg;
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
