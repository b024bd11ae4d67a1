#pragma once
// The age header (internal to hs_age): stanzas, base64 without padding, the X25519 stanza.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "age/age.h"

namespace hs::age::header {

constexpr size_t kFileKey = 16;
constexpr size_t kMaxHeader = 1 << 20;

struct Stanza {
  std::vector<std::string> args;  // args[0] is the type ("X25519")
  std::vector<uint8_t> body;
};

std::string b64_encode(const uint8_t* data, size_t n);
// Canonical unpadded standard base64 only; nullopt otherwise.
std::optional<std::vector<uint8_t>> b64_decode(std::string_view s);

// A new X25519 stanza wrapping `file_key` to `recipient` (fresh ephemeral key).
Stanza wrap_x25519(const uint8_t* file_key, const Key32& recipient);
// The file key if `s` is an X25519 stanza for `id`; nullopt if it is for someone else or not X25519.
// Throws CorruptError for a malformed X25519 stanza.
std::optional<std::vector<uint8_t>> unwrap_x25519(const Stanza& s, const Identity& id);

// The whole header text for `stanzas`, MAC line included.
std::string encode(const std::vector<Stanza>& stanzas, const uint8_t* file_key);

struct Parsed {
  std::vector<Stanza> stanzas;
  std::string mac_input;  // the header up to and including "---"
  std::vector<uint8_t> mac;
};
// Reads exactly the header (through the MAC line's '\n') from `next`, which returns false at EOF.
Parsed parse(const std::function<bool(char&)>& next);
// Throws CorruptError("age: header MAC mismatch") unless the MAC verifies under `file_key`.
void verify_mac(const Parsed& h, const std::vector<uint8_t>& file_key);

}  // namespace hs::age::header
