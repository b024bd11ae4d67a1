#pragma once
// The four primitives age needs, on OpenSSL 3 (internal to hs_age).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "age/keys.h"

namespace hs::age::crypto {

void random_bytes(uint8_t* out, size_t n);

Key32 x25519_public(const Key32& secret);
// nullopt when the shared secret is all zeros (a low-order peer point); age rejects those.
std::optional<Key32> x25519(const Key32& secret, const Key32& peer_public);

std::vector<uint8_t> hkdf_sha256(const uint8_t* ikm, size_t ikm_len, const uint8_t* salt, size_t salt_len,
                                 std::string_view info, size_t out_len);
Key32 hmac_sha256(const uint8_t* key, size_t key_len, const void* data, size_t len);
bool equal_ct(const uint8_t* a, const uint8_t* b, size_t n);  // constant time

// ChaCha20-Poly1305 (RFC 8439) with one 32-byte key: 12-byte nonces, 16-byte tags appended.
class Aead {
 public:
  static constexpr size_t kTag = 16;
  explicit Aead(const uint8_t* key32);
  ~Aead();
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;
  // out: n + kTag bytes.
  void seal(const uint8_t* nonce12, const uint8_t* in, size_t n, uint8_t* out);
  // in: n >= kTag bytes (ciphertext then tag); out: n - kTag bytes. False if it does not verify.
  bool open(const uint8_t* nonce12, const uint8_t* in, size_t n, uint8_t* out);

 private:
  uint8_t key_[32];
  void* ctx_;  // EVP_CIPHER_CTX
};

}  // namespace hs::age::crypto
