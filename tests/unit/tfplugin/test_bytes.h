#pragma once
// Helpers for writing msgpack bytes in tests as hex.
#include <string>

inline std::string hex_bytes(const std::string& hex) {
  std::string out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out += static_cast<char>(nib(hex[i]) << 4 | nib(hex[i + 1]));
    i += 2;
  }
  return out;
}

inline std::string to_hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}
