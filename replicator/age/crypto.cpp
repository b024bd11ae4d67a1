#include "age/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

#include "core/error.h"

namespace hs::age::crypto {
namespace {

[[noreturn]] void fail(const char* what) {
  char buf[256] = "";
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  ERR_clear_error();
  throw core::Error(std::string("age: ") + what + " failed (OpenSSL: " + buf + ")");
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey private_key(const Key32& secret) {
  Pkey k(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size()));
  if (!k) fail("X25519 private key");
  return k;
}

}  // namespace

void random_bytes(uint8_t* out, size_t n) {
  if (RAND_bytes(out, int(n)) != 1) fail("random bytes");
}

Key32 x25519_public(const Key32& secret) {
  Pkey k = private_key(secret);
  Key32 out;
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(k.get(), out.data(), &len) != 1 || len != out.size()) fail("X25519 public key");
  return out;
}

std::optional<Key32> x25519(const Key32& secret, const Key32& peer_public) {
  Pkey priv = private_key(secret);
  Pkey peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
  if (!peer) fail("X25519 public key");
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(priv.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1)
    fail("X25519 setup");
  Key32 out;
  size_t len = out.size();
  // OpenSSL refuses an all-zero result itself; either way it is not a usable share.
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  uint8_t acc = 0;
  for (uint8_t b : out) acc |= b;
  if (acc == 0) return std::nullopt;
  return out;
}

std::vector<uint8_t> hkdf_sha256(const uint8_t* ikm, size_t ikm_len, const uint8_t* salt, size_t salt_len,
                                 std::string_view info, size_t out_len) {
  // An empty salt is HashLen zero bytes (RFC 5869 2.2), which is what Go's hkdf does with nil.
  static const uint8_t zeros[32] = {};
  if (salt_len == 0) salt = zeros, salt_len = sizeof zeros;
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (!kdf) fail("HKDF fetch");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx) fail("HKDF context");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm), ikm_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt), salt_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  std::vector<uint8_t> out(out_len);
  const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) fail("HKDF-SHA256");
  return out;
}

Key32 hmac_sha256(const uint8_t* key, size_t key_len, const void* data, size_t len) {
  Key32 out;
  unsigned int out_len = 0;
  if (!HMAC(EVP_sha256(), key, int(key_len), static_cast<const unsigned char*>(data), len, out.data(), &out_len) ||
      out_len != out.size())
    fail("HMAC-SHA256");
  return out;
}

bool equal_ct(const uint8_t* a, const uint8_t* b, size_t n) {
  return CRYPTO_memcmp(a, b, n) == 0;
}

Aead::Aead(const uint8_t* key32) : ctx_(EVP_CIPHER_CTX_new()) {
  if (!ctx_) fail("cipher context");
  std::memcpy(key_, key32, sizeof key_);
}

Aead::~Aead() {
  OPENSSL_cleanse(key_, sizeof key_);
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_));
}

void Aead::seal(const uint8_t* nonce12, const uint8_t* in, size_t n, uint8_t* out) {
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
  int len = 0, fin = 0;
  if (EVP_EncryptInit_ex(ctx, EVP_chacha20_poly1305(), nullptr, key_, nonce12) != 1 ||
      (n > 0 && EVP_EncryptUpdate(ctx, out, &len, in, int(n)) != 1) || EVP_EncryptFinal_ex(ctx, out + len, &fin) != 1 ||
      size_t(len) + size_t(fin) != n || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, int(kTag), out + n) != 1)
    fail("ChaCha20-Poly1305 seal");
}

bool Aead::open(const uint8_t* nonce12, const uint8_t* in, size_t n, uint8_t* out) {
  if (n < kTag) return false;
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
  const size_t body = n - kTag;
  int len = 0, fin = 0;
  if (EVP_DecryptInit_ex(ctx, EVP_chacha20_poly1305(), nullptr, key_, nonce12) != 1 ||
      (body > 0 && EVP_DecryptUpdate(ctx, out, &len, in, int(body)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, int(kTag), const_cast<uint8_t*>(in + body)) != 1)
    fail("ChaCha20-Poly1305 open");
  const bool ok = EVP_DecryptFinal_ex(ctx, out + len, &fin) == 1;
  ERR_clear_error();
  return ok && size_t(len) + size_t(fin) == body;
}

}  // namespace hs::age::crypto
