#include "gotext/time.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace hs::gotext {
namespace {

// Local broken-down time plus the nanoseconds within the second.
struct Civil {
  std::tm tm{};
  int64_t nanos = 0;
};

Civil civil(TimePoint t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns / 1000000000;
  int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  Civil c;
  std::time_t tt = secs;
  localtime_r(&tt, &c.tm);
  c.nanos = frac;
  return c;
}

std::string ymd_hms(const std::tm& tm, char date_sep, char mid) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d%c%02d%c%02d%c%02d:%02d:%02d", tm.tm_year + 1900, date_sep, tm.tm_mon + 1,
                date_sep, tm.tm_mday, mid, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// Go's "Z07:00".
std::string zone(const std::tm& tm) {
  long off = tm.tm_gmtoff;
  if (off == 0) return "Z";
  char z[32];
  std::snprintf(z, sizeof z, "%c%02ld:%02ld", off < 0 ? '-' : '+', std::labs(off) / 3600, (std::labs(off) % 3600) / 60);
  return z;
}

}  // namespace

std::string rfc3339(TimePoint t) {
  Civil c = civil(t);
  return ymd_hms(c.tm, '-', 'T') + zone(c.tm);
}

std::string rfc3339_millis(TimePoint t) {
  Civil c = civil(t);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03d", int(c.nanos / 1000000));
  return ymd_hms(c.tm, '-', 'T') + ms + zone(c.tm);
}

std::string rfc3339_nano(TimePoint t) {
  Civil c = civil(t);
  std::string out = ymd_hms(c.tm, '-', 'T');
  if (c.nanos) {
    char frac[12];
    std::snprintf(frac, sizeof frac, "%09d", int(c.nanos));
    std::string f(frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + zone(c.tm);
}

std::string log_default(TimePoint t) {
  return ymd_hms(civil(t).tm, '/', ' ');
}

bool parse_rfc3339(const std::string& s, TimePoint& out) {
  int Y, M, D, h, m, sec, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19) return false;
  for (int i : {4, 7})
    if (s[i] != '-') return false;
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
  out = std::chrono::system_clock::from_time_t(t - offset) +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(nanos));
  return true;
}

}  // namespace hs::gotext
