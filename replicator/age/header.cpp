#include "age/header.h"

#include <cstring>

#include "age/crypto.h"

namespace hs::age::header {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kIntro = "age-encryption.org/v1";
constexpr std::string_view kX25519Info = "age-encryption.org/v1/X25519";
constexpr size_t kColumns = 64;

[[noreturn]] void corrupt(const std::string& what) {
  throw CorruptError("age: " + what);
}

[[noreturn]] void not_age() {
  throw Error("age: not an age-encrypted object (no \"age-encryption.org/v1\" header; written without age?)");
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool valid_arg(const std::string& a) {
  if (a.empty()) return false;
  for (char c : a)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::vector<uint8_t> wrap_key(const Key32& shared, const Key32& share, const Key32& recipient) {
  uint8_t salt[64];
  std::memcpy(salt, share.data(), 32);
  std::memcpy(salt + 32, recipient.data(), 32);
  return crypto::hkdf_sha256(shared.data(), shared.size(), salt, sizeof salt, kX25519Info, 32);
}

}  // namespace

std::string b64_encode(const uint8_t* d, size_t n) {
  std::string out;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = uint32_t(d[i]) << 16 | uint32_t(d[i + 1]) << 8 | d[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (n - i == 1) {
    uint32_t v = uint32_t(d[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    uint32_t v = uint32_t(d[i]) << 16 | uint32_t(d[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::vector<uint8_t>> b64_decode(std::string_view s) {
  if (s.size() % 4 == 1) return std::nullopt;
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = b64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(uint8_t(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return std::nullopt;  // non-canonical: leftover bits must be zero
  return out;
}

Stanza wrap_x25519(const uint8_t* file_key, const Key32& recipient) {
  Key32 eph;
  crypto::random_bytes(eph.data(), eph.size());
  const Key32 share = crypto::x25519_public(eph);
  auto shared = crypto::x25519(eph, recipient);
  if (!shared) throw Error("age: recipient is a low-order point (not a usable X25519 key)");
  std::vector<uint8_t> key = wrap_key(*shared, share, recipient);
  crypto::Aead aead(key.data());
  const uint8_t nonce[12] = {};
  Stanza s;
  s.args = {"X25519", b64_encode(share.data(), share.size())};
  s.body.resize(kFileKey + crypto::Aead::kTag);
  aead.seal(nonce, file_key, kFileKey, s.body.data());
  return s;
}

std::optional<std::vector<uint8_t>> unwrap_x25519(const Stanza& s, const Identity& id) {
  if (s.args.empty() || s.args[0] != "X25519") return std::nullopt;
  if (s.args.size() != 2) corrupt("malformed X25519 stanza: want 1 argument");
  auto share_bytes = b64_decode(s.args[1]);
  if (!share_bytes || share_bytes->size() != 32) corrupt("malformed X25519 stanza: bad share");
  if (s.body.size() != kFileKey + crypto::Aead::kTag) corrupt("malformed X25519 stanza: bad body length");
  Key32 share;
  std::memcpy(share.data(), share_bytes->data(), 32);
  auto shared = crypto::x25519(id.secret, share);
  if (!shared) corrupt("malformed X25519 stanza: low-order share");
  std::vector<uint8_t> key = wrap_key(*shared, share, id.public_key);
  crypto::Aead aead(key.data());
  const uint8_t nonce[12] = {};
  std::vector<uint8_t> file_key(kFileKey);
  if (!aead.open(nonce, s.body.data(), s.body.size(), file_key.data())) return std::nullopt;  // not ours
  return file_key;
}

std::string encode(const std::vector<Stanza>& stanzas, const uint8_t* file_key) {
  std::string h(kIntro);
  h += '\n';
  for (const auto& s : stanzas) {
    h += "->";
    for (const auto& a : s.args) h += " " + a;
    h += '\n';
    const std::string body = b64_encode(s.body.data(), s.body.size());
    // Full 64-column lines, then a shorter (possibly empty) final line.
    size_t i = 0;
    for (; i + kColumns <= body.size(); i += kColumns) h += body.substr(i, kColumns) + "\n";
    h += body.substr(i) + "\n";
  }
  h += "---";
  auto hmac_key = crypto::hkdf_sha256(file_key, kFileKey, nullptr, 0, "header", 32);
  const Key32 mac = crypto::hmac_sha256(hmac_key.data(), hmac_key.size(), h.data(), h.size());
  h += " " + b64_encode(mac.data(), mac.size()) + "\n";
  return h;
}

Parsed parse(const std::function<bool(char&)>& next) {
  std::string text;
  // One '\n'-terminated line; the whole header is capped so a hostile object cannot grow memory.
  auto line = [&](bool first) {
    const size_t start = text.size();
    char c = 0;
    for (;;) {
      if (!next(c)) {
        if (first && text.empty()) corrupt("empty object (not age-encrypted)");
        corrupt("truncated header");
      }
      if (c == '\n') break;
      // Plain LZ4 (or anything else) is told apart at its first byte, not after a 1 MiB "line".
      if (first && (text.size() >= kIntro.size() || c != kIntro[text.size()])) not_age();
      text += c;
      if (text.size() > kMaxHeader) corrupt("header larger than 1 MiB");
    }
    std::string l = text.substr(start);
    text += '\n';
    return l;
  };
  if (line(true) != kIntro) not_age();
  Parsed p;
  for (;;) {
    const size_t line_start = text.size();
    std::string l = line(false);
    if (l.rfind("--- ", 0) == 0) {
      auto mac = b64_decode(std::string_view(l).substr(4));
      if (!mac || mac->size() != 32) corrupt("malformed header MAC line");
      p.mac = *mac;
      p.mac_input = text.substr(0, line_start + 3);
      return p;
    }
    if (l.rfind("-> ", 0) != 0) corrupt("malformed header line");
    Stanza s;
    size_t i = 3;
    while (i <= l.size()) {
      size_t j = l.find(' ', i);
      if (j == std::string::npos) j = l.size();
      s.args.push_back(l.substr(i, j - i));
      if (!valid_arg(s.args.back())) corrupt("malformed stanza argument");
      i = j + 1;
    }
    for (;;) {
      std::string b = line(false);
      if (b.size() > kColumns) corrupt("stanza body line longer than 64 columns");
      auto bytes = b64_decode(b);
      if (!bytes) corrupt("malformed stanza body");
      s.body.insert(s.body.end(), bytes->begin(), bytes->end());
      if (b.size() < kColumns) break;
    }
    p.stanzas.push_back(std::move(s));
  }
}

void verify_mac(const Parsed& h, const std::vector<uint8_t>& file_key) {
  auto hmac_key = crypto::hkdf_sha256(file_key.data(), file_key.size(), nullptr, 0, "header", 32);
  const Key32 mac = crypto::hmac_sha256(hmac_key.data(), hmac_key.size(), h.mac_input.data(), h.mac_input.size());
  if (h.mac.size() != mac.size() || !crypto::equal_ct(mac.data(), h.mac.data(), mac.size()))
    throw CorruptError("age: header MAC mismatch");
}

}  // namespace hs::age::header
