#include "render/syntax.h"

#include "config/duration.h"

#include <array>
#include <cctype>
#include <sstream>
#include <vector>

namespace hs::render::syntax {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

bool parse_uint(const std::string& s, int& out) {
  if (s.empty() || s.size() > 9) return false;
  out = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

}  // namespace

std::string check_dns1123_label(const std::string& s, size_t max_len) {
  if (s.empty()) return "must not be empty";
  if (s.size() > max_len)
    return quoted(s) + " is " + std::to_string(s.size()) + " characters long; at most " + std::to_string(max_len) +
           " are allowed";
  for (char c : s)
    if (!is_lower_alnum(c) && c != '-')
      return quoted(s) + " must consist of lowercase letters, digits and '-' (RFC 1123 label)";
  if (s.front() == '-' || s.back() == '-')
    return quoted(s) + " must start and end with a lowercase letter or digit (RFC 1123 label)";
  return "";
}

std::string check_port_name(const std::string& s) {
  if (s.size() > 15) return quoted(s) + " is longer than 15 characters (IANA service name)";
  bool letter = false;
  for (char c : s) {
    if (!is_lower_alnum(c) && c != '-')
      return quoted(s) + " must consist of lowercase letters, digits and '-' (IANA service name)";
    if (c >= 'a' && c <= 'z') letter = true;
  }
  if (!letter) return quoted(s) + " must contain at least one letter (IANA service name)";
  if (s.front() == '-' || s.back() == '-' || s.find("--") != std::string::npos)
    return quoted(s) + " must not start or end with '-' nor contain \"--\" (IANA service name)";
  return "";
}

std::string check_env_name(const std::string& s) {
  if (s.empty()) return "an environment variable name must not be empty";
  auto ok_first = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  };
  auto ok_rest = [&](char c) { return ok_first(c) || is_digit(c); };
  if (!ok_first(s[0])) return quoted(s) + " must not start with a digit or a special character";
  for (char c : s)
    if (!ok_rest(c)) return quoted(s) + " may contain only letters, digits, '_', '-' and '.'";
  return "";
}

std::string check_positive_duration(const std::string& s) {
  // The replicator's own parser (Go's time.ParseDuration rules), so both sides agree on every value.
  std::string why;
  auto d = hs::config::parse_duration(s, &why);
  if (!d)
    return why +
           " (use Go's syntax: a number and a unit ns, us, ms, s, m or h, e.g. \"90s\", \"1m30s\", "
           "\"24h\"; there is no day unit: write \"168h\" for 7 days)";
  if (d->count() <= 0) return "duration " + quoted(s) + " must be greater than zero";
  return "";
}

namespace {

struct CronField {
  const char* name;
  int min, max;
  std::array<const char*, 12> names;  // index + min = value (months start at 1, days at 0)
  int name_count;
};

const CronField kCronFields[5] = {
    {"minute", 0, 59, {}, 0},
    {"hour", 0, 23, {}, 0},
    {"day of month", 1, 31, {}, 0},
    {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}, 12},
    {"day of week", 0, 6, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}, 7},
};

bool cron_value(const CronField& f, std::string v, int& out) {
  if (parse_uint(v, out)) return true;
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; i < f.name_count; ++i)
    if (v == f.names[i]) {
      out = f.min + i;
      return true;
    }
  return false;
}

std::string check_cron_field(const CronField& f, const std::string& field) {
  auto range_text = std::to_string(f.min) + "-" + std::to_string(f.max);
  for (const auto& item : split(field, ',')) {
    auto step_parts = split(item, '/');
    if (step_parts.size() > 2) return std::string(f.name) + " field " + quoted(item) + " has more than one '/'";
    auto bounds = split(step_parts[0], '-');
    int lo = f.min, hi = f.max;
    if (bounds.size() == 1 && (bounds[0] == "*" || bounds[0] == "?")) {
      // whole range
    } else if (bounds.size() == 1 || bounds.size() == 2) {
      if (!cron_value(f, bounds[0], lo))
        return std::string(f.name) + " field: " + quoted(bounds[0]) + " is not a number" +
               (f.name_count ? " or a name" : "");
      hi = lo;
      if (bounds.size() == 2 && !cron_value(f, bounds[1], hi))
        return std::string(f.name) + " field: " + quoted(bounds[1]) + " is not a number" +
               (f.name_count ? " or a name" : "");
      if (bounds.size() == 1 && step_parts.size() == 2) hi = f.max;  // "a/n" means a-max/n
    } else {
      return std::string(f.name) + " field " + quoted(item) + " is not a valid range";
    }
    if (lo < f.min || hi > f.max) return std::string(f.name) + " field " + quoted(item) + " is outside " + range_text;
    if (lo > hi) return std::string(f.name) + " field " + quoted(item) + ": the range start is after its end";
    if (step_parts.size() == 2) {
      int step = 0;
      if (!parse_uint(step_parts[1], step) || step == 0)
        return std::string(f.name) + " field " + quoted(item) + ": the step must be a positive number";
    }
  }
  return "";
}

}  // namespace

std::string check_cron(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.empty()) return "the schedule is empty";
  if (fields[0].rfind("TZ=", 0) == 0 || fields[0].rfind("CRON_TZ=", 0) == 0)
    return "a time zone in the schedule (" + quoted(fields[0]) + ") is not allowed by Kubernetes; use time_zone";
  if (fields[0][0] == '@') {
    static const char* macros[] = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
    for (auto m : macros)
      if (fields[0] == m) {
        if (fields.size() != 1) return quoted(s) + ": nothing may follow " + m;
        return "";
      }
    if (fields[0] == "@every") {
      if (fields.size() != 2) return quoted(s) + ": @every takes one duration, e.g. \"@every 6h\"";
      auto why = check_positive_duration(fields[1]);
      return why.empty() ? "" : "@every: " + why;
    }
    return quoted(fields[0]) +
           " is not a schedule macro (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly "
           "or @every D)";
  }
  if (fields.size() != 5)
    return quoted(s) + " has " + std::to_string(fields.size()) +
           " fields; a schedule has 5: minute hour day-of-month month day-of-week (e.g. \"30 3 * * *\")";
  for (int i = 0; i < 5; ++i) {
    auto why = check_cron_field(kCronFields[i], fields[i]);
    if (!why.empty()) return why;
  }
  return "";
}

std::string check_time_zone(const std::string& s) {
  if (s.empty()) return "must not be empty (omit time_zone to use the cluster's)";
  if (s == "Local" || s == "local")
    return "\"Local\" is not allowed by Kubernetes; name the zone, e.g. \"Europe/Berlin\"";
  const std::string what = quoted(s) +
                           " is not an IANA time zone name (e.g. \"UTC\", \"Europe/Berlin\", "
                           "\"America/New_York\")";
  if (s.size() > 64) return what;
  for (const auto& part : split(s, '/')) {
    if (part.empty() || part == "." || part == "..") return what;
    if (!std::isalpha(static_cast<unsigned char>(part[0]))) return what;
    for (char c : part)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '+') return what;
  }
  return "";
}

std::string check_http_url(const std::string& s) {
  const std::string what = " (expected an http:// or https:// URL with a host, e.g. \"https://hc-ping.com/<uuid>\")";
  size_t rest;
  if (s.rfind("https://", 0) == 0)
    rest = 8;
  else if (s.rfind("http://", 0) == 0)
    rest = 7;
  else
    return "the URL does not start with http:// or https://" + what;
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return "the URL contains whitespace or control characters" + what;
  // Characters RFC 3986 never allows unencoded. A quote or backslash would also break the quoted YAML string the
  // replicator's config gets after ${VAR} expansion, so they must be percent-encoded.
  if (s.find_first_of("\"\\<>^`{|}") != std::string::npos)
    return "the URL contains a character that must be percent-encoded (one of \" \\ < > ^ ` { | })" + what;
  size_t end = s.find_first_of("/?#", rest);
  std::string authority = s.substr(rest, end == std::string::npos ? std::string::npos : end - rest);
  auto at = authority.rfind('@');
  std::string hostport = at == std::string::npos ? authority : authority.substr(at + 1);
  std::string host = hostport, port;
  if (!hostport.empty() && hostport[0] == '[') {  // IPv6 literal
    auto close = hostport.find(']');
    if (close == std::string::npos) return "the URL's IPv6 host has no closing ']'" + what;
    host = hostport.substr(0, close + 1);
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') return "the URL's host is malformed" + what;
      port = hostport.substr(close + 2);
      if (port.empty()) return "the URL's port is empty" + what;
    }
  } else if (auto colon = hostport.find(':'); colon != std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    if (port.empty()) return "the URL's port is empty" + what;
  }
  if (host.empty()) return "the URL has no host" + what;
  if (!port.empty()) {
    int p = 0;
    if (!parse_uint(port, p) || p < 1 || p > 65535) return "the URL's port " + quoted(port) + " is not 1-65535" + what;
  }
  return "";
}

std::string check_clean_absolute_path(const std::string& s) {
  if (s.empty()) return "must not be empty";
  if (s[0] != '/') return quoted(s) + " is not an absolute path (it must start with '/')";
  if (s.size() > 1 && s.back() == '/') return quoted(s) + " must not end with '/'";
  for (const auto& part : split(s.substr(1), '/')) {
    if (s == "/") break;
    if (part.empty()) return quoted(s) + " contains \"//\"; write the clean path";
    if (part == "." || part == "..") return quoted(s) + " contains a \"" + part + "\" component; write the clean path";
  }
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return quoted(s) + " contains control characters";
  return "";
}

std::string check_quantity(const std::string& s) {
  const std::string what = quoted(s) + " is not a Kubernetes quantity (e.g. \"100m\", \"0.5\", \"128Mi\", \"1Gi\")";
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    if (s[i] == '-') return quoted(s) + " must not be negative";
    ++i;
  }
  size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return what;
  std::string suffix = s.substr(i);
  static const char* suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E"};
  for (auto x : suffixes)
    if (suffix == x) return "";
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    size_t j = 1;
    if (suffix[j] == '+' || suffix[j] == '-') ++j;
    if (j < suffix.size() && suffix.find_first_not_of("0123456789", j) == std::string::npos) return "";
  }
  return what;
}

std::string check_image(const std::string& s) {
  if (s.empty()) return "must not be empty";
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return quoted(s) + " contains whitespace or control characters";
  return "";
}

}  // namespace hs::render::syntax
