#pragma once
// Bech32 (BIP 173, checksum constant 1 — not bech32m) as age uses it for its key strings: no
// 90-character limit, all lowercase or all uppercase, the HRP returned in the case it was written.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hs::age {

// A malformed key string or bech32 text; the message never contains the key itself.
class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Bech32 {
  std::string hrp;            // as written (age checks "age" and "AGE-SECRET-KEY-" case-sensitively)
  std::vector<uint8_t> data;  // 8-bit bytes
};

// Lowercase encoding of `data` under `hrp` (callers uppercase identities themselves).
std::string bech32_encode(std::string_view hrp, const std::vector<uint8_t>& data);
// Throws KeyError naming what is wrong (mixed case, bad character, checksum, padding).
Bech32 bech32_decode(std::string_view s);

}  // namespace hs::age
