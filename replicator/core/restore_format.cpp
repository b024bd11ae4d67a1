#include "core/restore_format.h"

#include <cstdio>
#include <ctime>

namespace hs::core {
namespace {

// Fraction digits of v/10^prec with trailing zeros dropped ("" if none), as Go's fmtFrac.
std::string frac(uint64_t v, int prec, uint64_t& rest) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; i++) {
    int d = static_cast<int>(v % 10);
    print = print || d != 0;
    if (print) digits.insert(digits.begin(), static_cast<char>('0' + d));
    v /= 10;
  }
  rest = v;
  return print ? "." + digits : "";
}

}  // namespace

std::string go_duration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  bool neg = ns < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  std::string out;
  if (u < 1'000'000'000ULL) {
    // Sub-second: one unit with a fraction.
    int prec;
    const char* unit;
    if (u < 1000) return (neg ? "-" : "") + std::to_string(u) + "ns";
    if (u < 1'000'000) prec = 3, unit = "µs";
    else prec = 6, unit = "ms";
    uint64_t whole;
    std::string f = frac(u, prec, whole);
    out = std::to_string(whole) + f + unit;
  } else {
    uint64_t whole;
    std::string f = frac(u, 9, whole);  // whole = seconds
    uint64_t s = whole % 60, m = (whole / 60) % 60, h = whole / 3600;
    out = std::to_string(s) + f + "s";
    if (whole >= 60) out = std::to_string(m) + "m" + out;
    if (whole >= 3600) out = std::to_string(h) + "h" + out;
  }
  return (neg ? "-" : "") + out;
}

std::string rfc3339(TimePoint t) {
  std::time_t secs = Clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  long off = tm.tm_gmtoff;
  if (off == 0) return out + "Z";
  char z[32];
  std::snprintf(z, sizeof z, "%c%02ld:%02ld", off < 0 ? '-' : '+', std::labs(off) / 3600, (std::labs(off) % 3600) / 60);
  return out + z;
}

bool parse_rfc3339(const std::string& s, TimePoint& out) {
  int Y, M, D, h, m, sec, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19) return false;
  for (int i : {4, 7}) if (s[i] != '-') return false;
  if (s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 59) return false;
  size_t i = 19;
  int64_t nanos = 0;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    int64_t scale = 100'000'000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      nanos += (s[i] - '0') * scale;
      scale /= 10;
      i++;
    }
    if (i == start) return false;
  }
  long offset = 0;
  if (i < s.size() && s[i] == 'Z') {
    i++;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh, om;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59) return false;
    offset = (s[i] == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  std::time_t t = timegm(&tm);
  out = Clock::from_time_t(t - offset) + std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(nanos));
  return true;
}

}  // namespace hs::core
