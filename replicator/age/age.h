#pragma once
// age v1 (age-encryption.org/v1, C2SP age.md) with X25519 recipients, streaming through
// core::Reader in both directions with bounded memory (one 64 KiB chunk plus its tag; the header
// is capped at 1 MiB). Litestream 0.3.13 applies it to the LZ4 frame as a whole:
// object = age(lz4(bytes)), so `age -d -i key obj | lz4 -d` gives litestream's bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "age/keys.h"
#include "core/error.h"
#include "core/replica_client.h"

namespace hs::age {

constexpr size_t kChunkSize = 64 * 1024;

// A decryption that cannot proceed for lack of a key ("age: no identity matches the file's
// recipients") or a file that is not age at all.
class Error : public core::Error {
 public:
  using core::Error::Error;
};
// Bytes that do not verify: header MAC, a chunk's tag, truncation, malformed header.
class CorruptError : public core::CorruptError {
 public:
  using core::CorruptError::CorruptError;
};

struct Identity {
  Key32 secret;
  Key32 public_key;  // its recipient
  static Identity from_secret(const Key32& secret);
  static Identity generate();
};

// `plain` encrypted to every recipient (each gets its own X25519 stanza). `plain` must outlive
// the returned reader. Throws Error if `recipients` is empty.
std::unique_ptr<core::Reader> encrypt(core::Reader& plain, const std::vector<Key32>& recipients);
// The plaintext of `sealed`. The header is read and authenticated here (so a wrong key or a
// tampered header fails at open); each chunk is authenticated before any of its bytes is returned.
std::unique_ptr<core::Reader> decrypt(std::unique_ptr<core::Reader> sealed, const std::vector<Identity>& identities);

}  // namespace hs::age
