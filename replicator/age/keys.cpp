#include "age/keys.h"

#include <cctype>

namespace hs::age {
namespace {

constexpr const char* kRecipientWhat = "not an age X25519 recipient (age1...)";
constexpr const char* kIdentityWhat = "not an age X25519 identity (AGE-SECRET-KEY-1...)";

Key32 decode_key(std::string_view s, const char* hrp, const char* what) {
  Bech32 b;
  try {
    b = bech32_decode(s);
  } catch (const KeyError&) {
    throw KeyError(what);
  }
  if (b.hrp != hrp || b.data.size() != 32) throw KeyError(what);
  Key32 k;
  for (size_t i = 0; i < 32; ++i) k[i] = b.data[i];
  return k;
}

template <typename Parse>
std::vector<Key32> parse_lines(std::string_view text, Parse parse, const char* none) {
  std::vector<Key32> out;
  size_t line_no = 0, start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    // Spaces, tabs and '\r' around a key are dropped (age itself drops only the '\r'): a key that
    // reaches the config through ${VAR} from a Secret file often carries a newline, which a quoted
    // YAML scalar turns into a trailing space.
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    ++line_no;
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    try {
      out.push_back(parse(line));
    } catch (const KeyError& e) {
      // "line N" only matters for multi-line entries (a key file's text).
      if (text.find('\n') == std::string_view::npos) throw;
      throw KeyError("line " + std::to_string(line_no) + ": " + e.what());
    }
  }
  if (out.empty()) throw KeyError(none);
  return out;
}

}  // namespace

Key32 parse_recipient(std::string_view s) {
  return decode_key(s, "age", kRecipientWhat);
}
Key32 parse_identity(std::string_view s) {
  return decode_key(s, "AGE-SECRET-KEY-", kIdentityWhat);
}

std::vector<Key32> parse_recipients_text(std::string_view text) {
  return parse_lines(text, parse_recipient, "no recipients found");
}
std::vector<Key32> parse_identities_text(std::string_view text) {
  return parse_lines(text, parse_identity, "no secret keys found");
}

std::string recipient_string(const Key32& k) {
  return bech32_encode("age", {k.begin(), k.end()});
}

std::string identity_string(const Key32& k) {
  std::string s = bech32_encode("AGE-SECRET-KEY-", {k.begin(), k.end()});
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace hs::age
