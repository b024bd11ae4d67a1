#include "gotext/quote.h"

#include <cstdio>

namespace hs::gotext {
namespace {

// Decodes the UTF-8 rune at s[i]; returns its length, 0 if invalid.
size_t decode_rune(std::string_view s, size_t i, unsigned& rune) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c >= 0xf8 ? 0 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  rune = c & (0x7fu >> len);
  for (size_t k = 1; k < len; k++) {
    unsigned char b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    rune = (rune << 6) | (b & 0x3fu);
  }
  return len;
}

// Non-ASCII runes Go's unicode.IsPrint rejects or unicode.IsSpace accepts (the common ones):
// C1 controls, NBSP, soft hyphen, the Unicode spaces and format characters, BOM.
bool unprintable(unsigned r) {
  return r <= 0xa0 || r == 0xad || r == 0x1680 || (r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
         (r >= 0x205f && r <= 0x206f) || r == 0x3000 || r == 0xfeff;
}

}  // namespace

std::string quote(std::string_view s) {
  std::string out = "\"";
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
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
    size_t len = decode_rune(s, i, rune);
    if (len == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      i++;
    } else if (unprintable(rune)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", rune);
      out += buf;
      i += len;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out + "\"";
}

bool slog_needs_quoting(std::string_view s) {
  if (s.empty()) return true;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      // encoding/json's safeSet is every printable ASCII byte but '"' and '\\' (DEL included).
      if (c < 0x20 || c == ' ' || c == '=' || c == '"') return true;
      i++;
      continue;
    }
    unsigned rune = 0;
    size_t len = decode_rune(s, i, rune);
    if (len == 0 || unprintable(rune)) return true;
    i += len;
  }
  return false;
}

std::string slog_text(std::string_view s) {
  return slog_needs_quoting(s) ? quote(s) : std::string(s);
}

}  // namespace hs::gotext
