#include "gotext/duration.h"

#include <cstdint>
#include <limits>

namespace hs::gotext {

using Duration = std::chrono::nanoseconds;

namespace {

bool set_why(std::string* why, std::string msg) {
  if (why) *why = std::move(msg);
  return false;
}

// Unit suffixes in nanoseconds; the longest match wins (so "ms" is not read as "m" + "s").
struct Unit {
  std::string_view name;
  uint64_t ns;
};
constexpr Unit kUnits[] = {
    {"ns", 1},           {"us", 1000},         {"\xC2\xB5s", 1000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1000},                                             // U+03BC Greek mu
    {"ms", 1000000},     {"s", 1000000000ULL}, {"m", 60ULL * 1000000000ULL}, {"h", 3600ULL * 1000000000ULL},
};

}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view s, std::string* why) {
  const std::string orig(s);
  bool neg = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration::zero();
  if (s.empty()) {
    set_why(why, "empty duration");
    return std::nullopt;
  }
  // Accumulate in unsigned 64 bits like Go, then check the int64 range.
  uint64_t total = 0;
  constexpr uint64_t kMax = uint64_t(1) << 63;
  while (!s.empty()) {
    uint64_t whole = 0;
    bool digits = false, overflow = false;
    size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (whole > (kMax - 9) / 10) overflow = true;
      whole = whole * 10 + uint64_t(s[i] - '0');
      digits = true;
      ++i;
    }
    // Fraction digits beyond what fits are dropped, as Go does.
    uint64_t frac = 0, scale = 1;
    bool frac_digits = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (scale <= std::numeric_limits<uint64_t>::max() / 10 / 10) {
          frac = frac * 10 + uint64_t(s[i] - '0');
          scale *= 10;
        }
        frac_digits = true;
        ++i;
      }
    }
    if (!digits && !frac_digits) {
      set_why(why, "invalid duration \"" + orig + "\"");
      return std::nullopt;
    }
    if (overflow) {
      set_why(why, "invalid duration \"" + orig + "\": out of range");
      return std::nullopt;
    }
    size_t u = i;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) ++u;
    std::string_view unit_name = s.substr(i, u - i);
    if (unit_name.empty()) {
      set_why(why, "missing unit in duration \"" + orig + "\"");
      return std::nullopt;
    }
    const Unit* unit = nullptr;
    for (const auto& cand : kUnits)
      if (cand.name == unit_name) unit = &cand;
    if (!unit) {
      set_why(why, "unknown unit \"" + std::string(unit_name) + "\" in duration \"" + orig +
                       "\" (valid units: ns, us, ms, s, m, h)");
      return std::nullopt;
    }
    if (whole > kMax / unit->ns) {
      set_why(why, "invalid duration \"" + orig + "\": out of range");
      return std::nullopt;
    }
    uint64_t v = whole * unit->ns;
    if (frac) v += uint64_t(static_cast<long double>(frac) * unit->ns / scale);
    total += v;
    if (v > kMax || total > kMax) {
      set_why(why, "invalid duration \"" + orig + "\": out of range");
      return std::nullopt;
    }
    s.remove_prefix(u);
  }
  if (!neg && total == kMax) {
    set_why(why, "invalid duration \"" + orig + "\": out of range");
    return std::nullopt;
  }
  return Duration(neg ? -int64_t(total - 1) - 1 : int64_t(total));
}

namespace {

// Go's fmtFrac: writes v's low `prec` digits as a fraction (trailing zeros dropped), returns v/10^prec.
uint64_t fmt_frac(std::string& out, uint64_t v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    int digit = int(v % 10);
    print = print || digit != 0;
    if (print) digits.insert(digits.begin(), char('0' + digit));
    v /= 10;
  }
  if (print) out = "." + digits + out;
  return v;
}

std::string fmt_int(uint64_t v) {
  return std::to_string(v);
}

}  // namespace

std::string format_duration(std::chrono::nanoseconds d) {
  const int64_t n = d.count();
  if (n == 0) return "0s";
  const bool neg = n < 0;
  uint64_t u = neg ? uint64_t(-(n + 1)) + 1 : uint64_t(n);
  std::string tail;  // built right to left, like Go
  if (u < 1000000000ULL) {
    // Sub-second: the largest unit that keeps a non-zero integer part.
    int prec;
    std::string unit;
    if (u < 1000) {
      return (neg ? "-" : "") + fmt_int(u) + "ns";
    } else if (u < 1000000) {
      prec = 3;
      unit = "\xC2\xB5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    tail = unit;
    std::string frac;
    u = fmt_frac(frac, u, prec);
    tail = fmt_int(u) + frac + tail;
  } else {
    std::string frac;
    u = fmt_frac(frac, u, 9);
    tail = fmt_int(u % 60) + frac + "s";
    u /= 60;
    if (u > 0) {
      tail = fmt_int(u % 60) + "m" + tail;
      u /= 60;
      if (u > 0) tail = fmt_int(u) + "h" + tail;
    }
  }
  return (neg ? "-" : "") + tail;
}

}  // namespace hs::gotext
