// The STREAM payload: a 16-byte nonce, then 64 KiB chunks sealed with ChaCha20-Poly1305 under
// HKDF-SHA256(file key, nonce, "payload"); chunk nonce = 11-byte big-endian counter || last flag.
// Both readers look one byte ahead to tell the last chunk from a full one.
#include <cstring>

#include "age/age.h"
#include "age/crypto.h"
#include "age/header.h"

namespace hs::age {
namespace {

constexpr size_t kNonce = 16;
constexpr size_t kSealedChunk = kChunkSize + crypto::Aead::kTag;

void chunk_nonce(uint64_t counter, bool last, uint8_t out[12]) {
  std::memset(out, 0, 12);
  for (int i = 0; i < 8; ++i) out[10 - i] = uint8_t(counter >> (8 * i));
  out[11] = last ? 1 : 0;
}

std::unique_ptr<crypto::Aead> payload_aead(const uint8_t* file_key, const uint8_t* nonce) {
  auto key = crypto::hkdf_sha256(file_key, header::kFileKey, nonce, kNonce, "payload", 32);
  return std::make_unique<crypto::Aead>(key.data());
}

// Reads from `r` until `n` bytes or end of stream; returns the count.
size_t read_full(core::Reader& r, uint8_t* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t k = r.read(buf + got, n - got);
    if (k == 0) break;
    got += k;
  }
  return got;
}

// Serves `out_[pos_, len_)` and refills it chunk by chunk.
class ChunkedReader : public core::Reader {
 public:
  size_t read(void* buf, size_t n) override {
    while (pos_ == out_.size()) {
      if (done_) return 0;
      out_.clear();
      pos_ = 0;
      next();
    }
    const size_t k = std::min(n, out_.size() - pos_);
    std::memcpy(buf, out_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 protected:
  virtual void next() = 0;  // appends to out_, sets done_ after the last chunk
  std::vector<uint8_t> out_;
  size_t pos_ = 0;
  bool done_ = false;
  uint64_t counter_ = 0;
};

class EncryptReader final : public ChunkedReader {
 public:
  EncryptReader(core::Reader& src, const std::vector<Key32>& recipients) : src_(src), in_(kChunkSize + 1) {
    if (recipients.empty()) throw Error("age: no recipients to encrypt to");
    uint8_t file_key[header::kFileKey];
    crypto::random_bytes(file_key, sizeof file_key);
    std::vector<header::Stanza> stanzas;
    stanzas.reserve(recipients.size());
    for (const auto& r : recipients) stanzas.push_back(header::wrap_x25519(file_key, r));
    const std::string h = header::encode(stanzas, file_key);
    out_.assign(h.begin(), h.end());
    uint8_t nonce[kNonce];
    crypto::random_bytes(nonce, sizeof nonce);
    out_.insert(out_.end(), nonce, nonce + kNonce);
    aead_ = payload_aead(file_key, nonce);
    std::memset(file_key, 0, sizeof file_key);
    out_.reserve(kSealedChunk);
  }

 private:
  void next() override {
    in_len_ += read_full(src_, in_.data() + in_len_, in_.size() - in_len_);
    const bool last = in_len_ <= kChunkSize;
    const size_t n = last ? in_len_ : kChunkSize;
    uint8_t nonce[12];
    chunk_nonce(counter_++, last, nonce);
    out_.resize(n + crypto::Aead::kTag);
    aead_->seal(nonce, in_.data(), n, out_.data());
    if (last) {
      done_ = true;
    } else {
      in_[0] = in_[kChunkSize];  // the look-ahead byte starts the next chunk
      in_len_ = 1;
    }
  }

  core::Reader& src_;
  std::unique_ptr<crypto::Aead> aead_;
  std::vector<uint8_t> in_;
  size_t in_len_ = 0;
};

class DecryptReader final : public ChunkedReader {
 public:
  DecryptReader(std::unique_ptr<core::Reader> src, const std::vector<Identity>& identities)
      : src_(std::move(src)), in_(kSealedChunk + 1) {
    if (identities.empty()) throw Error("age: no identities to decrypt with");
    // The header is read through a small buffer; what follows it starts the payload buffer.
    std::vector<uint8_t> hbuf(4096);
    size_t hpos = 0, hlen = 0;
    auto next_byte = [&](char& c) {
      if (hpos == hlen) {
        hlen = src_->read(hbuf.data(), hbuf.size());
        hpos = 0;
        if (hlen == 0) return false;
      }
      c = char(hbuf[hpos++]);
      return true;
    };
    const header::Parsed h = header::parse(next_byte);
    std::optional<std::vector<uint8_t>> file_key;
    for (const auto& id : identities) {
      for (const auto& s : h.stanzas)
        if ((file_key = header::unwrap_x25519(s, id))) break;
      if (file_key) break;
    }
    if (!file_key) throw Error("age: no identity matches the file's recipients");
    header::verify_mac(h, *file_key);
    in_len_ = hlen - hpos;
    std::memcpy(in_.data(), hbuf.data() + hpos, in_len_);
    if (in_len_ < kNonce) in_len_ += read_full(*src_, in_.data() + in_len_, kNonce - in_len_);
    if (in_len_ < kNonce) throw CorruptError("age: truncated payload (no nonce)");
    aead_ = payload_aead(file_key->data(), in_.data());
    std::memmove(in_.data(), in_.data() + kNonce, in_len_ - kNonce);
    in_len_ -= kNonce;
    out_.reserve(kChunkSize);
  }

 private:
  void next() override {
    in_len_ += read_full(*src_, in_.data() + in_len_, in_.size() - in_len_);
    const bool last = in_len_ <= kSealedChunk;
    const size_t n = last ? in_len_ : kSealedChunk;
    const std::string where = "age: payload chunk " + std::to_string(counter_);
    if (n < crypto::Aead::kTag) throw CorruptError(where + ": truncated");
    if (last && n == crypto::Aead::kTag && counter_ > 0) throw CorruptError(where + ": empty last chunk");
    uint8_t nonce[12];
    chunk_nonce(counter_++, last, nonce);
    out_.resize(n - crypto::Aead::kTag);
    if (!aead_->open(nonce, in_.data(), n, out_.data()))
      throw CorruptError(where + ": authentication failed (truncated or tampered object)");
    if (last) {
      done_ = true;
    } else {
      in_[0] = in_[kSealedChunk];
      in_len_ = 1;
    }
  }

  std::unique_ptr<core::Reader> src_;
  std::unique_ptr<crypto::Aead> aead_;
  std::vector<uint8_t> in_;
  size_t in_len_ = 0;
};

}  // namespace

Identity Identity::from_secret(const Key32& secret) {
  return {secret, crypto::x25519_public(secret)};
}

Identity Identity::generate() {
  Key32 s;
  crypto::random_bytes(s.data(), s.size());
  return from_secret(s);
}

std::unique_ptr<core::Reader> encrypt(core::Reader& plain, const std::vector<Key32>& recipients) {
  return std::make_unique<EncryptReader>(plain, recipients);
}

std::unique_ptr<core::Reader> decrypt(std::unique_ptr<core::Reader> sealed, const std::vector<Identity>& identities) {
  return std::make_unique<DecryptReader>(std::move(sealed), identities);
}

}  // namespace hs::age
