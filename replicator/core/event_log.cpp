#include "core/event_log.h"

#include <cstdint>
#include <string>

namespace hs::core {
namespace {

// "<whole>.<frac>" with `digits` fractional digits, trailing zeros (and a bare dot) removed.
std::string fixed(uint64_t value, int digits) {
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string s = std::to_string(value / scale);
  std::string frac = std::to_string(value % scale);
  frac.insert(0, size_t(digits) - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) s += "." + frac;
  return s;
}

}  // namespace

std::string LogValue::str() const {
  switch (kind) {
    case Kind::integer: return std::to_string(number);
    case Kind::duration: return go_duration(number);
    default: return text;
  }
}

std::string go_duration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? uint64_t(-(ns + 1)) + 1 : uint64_t(ns);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + fixed(u, 3) + "\xC2\xB5s";  // µs, as Go prints it
  if (u < 1000000000) return sign + fixed(u, 6) + "ms";
  uint64_t hours = u / 3600000000000ULL;
  u %= 3600000000000ULL;
  uint64_t minutes = u / 60000000000ULL;
  u %= 60000000000ULL;
  std::string out = sign;
  if (hours) out += std::to_string(hours) + "h";
  if (hours || minutes) out += std::to_string(minutes) + "m";
  return out + fixed(u, 9) + "s";
}

}  // namespace hs::core
