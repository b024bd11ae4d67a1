#include "age/bech32.h"

#include <cctype>

namespace hs::age {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= gen[i];
  }
  return chk;
}

std::vector<uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(uint8_t(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(uint8_t(c) & 31);
  return out;
}

// Regroups bits; on decode (pad=false) leftover bits must be fewer than `from` and all zero.
std::vector<uint8_t> convert_bits(const std::vector<uint8_t>& in, int from, int to, bool pad) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  std::vector<uint8_t> out;
  for (uint8_t v : in) {
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back(uint8_t((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits > 0) out.push_back(uint8_t((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    throw KeyError("bech32: invalid padding");
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string bech32_encode(std::string_view hrp, const std::vector<uint8_t>& data) {
  const std::string h = lower(hrp);
  std::vector<uint8_t> values = convert_bits(data, 8, 5, true);
  std::vector<uint8_t> chk_in = hrp_expand(h);
  chk_in.insert(chk_in.end(), values.begin(), values.end());
  chk_in.insert(chk_in.end(), 6, 0);
  const uint32_t mod = polymod(chk_in) ^ 1;
  std::string out = h + "1";
  for (uint8_t v : values) out += kCharset[v];
  for (int i = 0; i < 6; ++i) out += kCharset[(mod >> (5 * (5 - i))) & 31];
  return out;
}

Bech32 bech32_decode(std::string_view s) {
  bool has_lower = false, has_upper = false;
  for (char c : s) {
    has_lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    has_upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
  }
  if (has_lower && has_upper) throw KeyError("bech32: mixed case");
  const size_t pos = s.rfind('1');
  if (pos == std::string_view::npos || pos < 1 || pos + 7 > s.size())
    throw KeyError("bech32: separator '1' missing or misplaced");
  Bech32 out;
  out.hrp = std::string(s.substr(0, pos));
  for (char c : out.hrp)
    if (c < 33 || c > 126) throw KeyError("bech32: invalid character in human-readable part");
  std::vector<uint8_t> values;
  for (char c : lower(s.substr(pos + 1))) {
    const char* p = nullptr;
    for (const char* q = kCharset; *q; ++q)
      if (*q == c) p = q;
    if (!p) throw KeyError("bech32: invalid character in data part");
    values.push_back(uint8_t(p - kCharset));
  }
  std::vector<uint8_t> chk_in = hrp_expand(lower(out.hrp));
  chk_in.insert(chk_in.end(), values.begin(), values.end());
  if (polymod(chk_in) != 1) throw KeyError("bech32: invalid checksum");
  // The separator check above leaves at least the 6 checksum characters; said again here so the
  // subtraction is visibly safe (GCC's -Wstringop-overflow under ASan cannot see the first check).
  if (values.size() < 6) throw KeyError("bech32: separator '1' missing or misplaced");
  values.resize(values.size() - 6);
  out.data = convert_bits(values, 5, 8, false);
  return out;
}

}  // namespace hs::age
