#pragma once
// What every fuzz target shares: a property that does not hold is a crash (abort), so libFuzzer
// stops, saves the input and prints what broke.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond, what)                                                                  \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                                  \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

namespace hs::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input's lines (without '\n'), at most `max` of them: small parsers run on each line.
inline std::vector<std::string_view> lines(std::string_view s, size_t max = 64) {
  std::vector<std::string_view> out;
  while (!s.empty() && out.size() < max) {
    size_t nl = s.find('\n');
    out.push_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace hs::fuzz
