#pragma once
// age X25519 key strings, parsed as litestream 0.3.13 does (age.ParseRecipients /
// age.ParseIdentities on each config entry): an entry is one key or a key file's text — one key a
// line, blank lines and lines starting with '#' ignored (spaces and tabs around a key too). Recipients are "age1..."
// (lowercase), identities "AGE-SECRET-KEY-1..." (uppercase), each 32 bytes. No crypto here (see age.h).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "age/bech32.h"

namespace hs::age {

using Key32 = std::array<uint8_t, 32>;

// Throw KeyError("not an age X25519 recipient (age1...)") and the identity twin; never echo the text.
Key32 parse_recipient(std::string_view s);
Key32 parse_identity(std::string_view s);

// Every key of one config entry; KeyError "line N: ..." or "no recipients found" /
// "no secret keys found" (age's own words) when there is none.
std::vector<Key32> parse_recipients_text(std::string_view text);
std::vector<Key32> parse_identities_text(std::string_view text);

std::string recipient_string(const Key32& public_key);  // age1...
std::string identity_string(const Key32& secret_key);   // AGE-SECRET-KEY-1...

}  // namespace hs::age
