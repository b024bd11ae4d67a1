// The age format: a known answer from Debian's age 1.1.1, round trips across chunk boundaries,
// and every way a sealed object can be wrong (wrong key, header MAC, tampered or cut chunks).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>

#include "age/age.h"

using namespace hs;
using namespace hs::age;

namespace {

const char* kIdentity = "AGE-SECRET-KEY-1297QHU4WMV86V8A9XP24MCM5NSNM0C97XZN9527C40Y0ZDGT9LUQL4SFSS";

// `age -e -r age1y5cygcyyqg3k2fk0ve48z4g4k98m082g2r5ccp3q57ngdxkj0u8s7m3fes` of kKatPlain.
const char* kKatPlain = "homeserver age known-answer test\n";
const unsigned char kKat[] = {
    0x61, 0x67, 0x65, 0x2d, 0x65, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x2e, 0x6f, 0x72, 0x67,
    0x2f, 0x76, 0x31, 0x0a, 0x2d, 0x3e, 0x20, 0x58, 0x32, 0x35, 0x35, 0x31, 0x39, 0x20, 0x45, 0x56, 0x54, 0x77,
    0x55, 0x72, 0x6d, 0x46, 0x7a, 0x38, 0x58, 0x37, 0x79, 0x63, 0x6c, 0x32, 0x35, 0x4d, 0x54, 0x4f, 0x39, 0x36,
    0x30, 0x45, 0x34, 0x6b, 0x30, 0x42, 0x78, 0x67, 0x56, 0x69, 0x38, 0x53, 0x2b, 0x30, 0x2b, 0x30, 0x58, 0x4e,
    0x4f, 0x32, 0x4d, 0x0a, 0x37, 0x59, 0x7a, 0x57, 0x6e, 0x38, 0x67, 0x59, 0x4a, 0x4c, 0x38, 0x4f, 0x50, 0x34,
    0x43, 0x2f, 0x69, 0x36, 0x76, 0x42, 0x36, 0x57, 0x2f, 0x51, 0x70, 0x7a, 0x4b, 0x33, 0x47, 0x76, 0x30, 0x4a,
    0x6c, 0x66, 0x67, 0x53, 0x38, 0x61, 0x31, 0x48, 0x49, 0x42, 0x34, 0x0a, 0x2d, 0x2d, 0x2d, 0x20, 0x61, 0x59,
    0x50, 0x73, 0x70, 0x48, 0x6b, 0x37, 0x45, 0x65, 0x45, 0x2b, 0x6e, 0x68, 0x62, 0x4c, 0x69, 0x56, 0x49, 0x51,
    0x32, 0x79, 0x7a, 0x59, 0x6b, 0x57, 0x66, 0x49, 0x68, 0x4b, 0x61, 0x39, 0x6e, 0x6f, 0x38, 0x6e, 0x47, 0x66,
    0x48, 0x69, 0x37, 0x54, 0x55, 0x0a, 0x86, 0x06, 0x33, 0x20, 0xcf, 0x40, 0x78, 0x08, 0x50, 0x94, 0x1c, 0xed,
    0xb3, 0xc9, 0xbb, 0xbb, 0xd2, 0xe1, 0x44, 0x10, 0x4a, 0x7a, 0x27, 0x92, 0x81, 0xb2, 0x58, 0x99, 0x50, 0x44,
    0x0a, 0x0a, 0xc1, 0x5c, 0x5c, 0x92, 0xa5, 0x46, 0x5e, 0x66, 0xc0, 0xdd, 0x04, 0xf5, 0x56, 0xec, 0x5c, 0xdf,
    0x3c, 0xe8, 0xdd, 0x1c, 0x5f, 0x07, 0x00, 0x27, 0xeb, 0x27, 0x9b, 0x8b, 0x4d, 0x73, 0x18, 0x2c, 0x3d};

// Hands out at most `max_chunk` bytes a call (readers must cope with short reads) and counts them.
class StringReader : public core::Reader {
 public:
  explicit StringReader(std::string d, size_t max_chunk = SIZE_MAX) : data(std::move(d)), max(max_chunk) {}
  size_t read(void* buf, size_t n) override {
    size_t k = std::min({n, data.size() - pos, max});
    std::memcpy(buf, data.data() + pos, k);
    pos += k;
    return k;
  }
  std::string data;
  size_t pos = 0, max;
};

std::string read_all(core::Reader& r, size_t chunk = 7001) {
  std::string out, buf(chunk, '\0');
  while (size_t n = r.read(buf.data(), buf.size())) out.append(buf.data(), n);
  return out;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string seal(const std::string& plain, const std::vector<Key32>& to) {
  StringReader src(plain, 1000);
  auto enc = encrypt(src, to);
  return read_all(*enc);
}

std::string open(const std::string& sealed, const std::vector<Identity>& ids, size_t max_chunk = SIZE_MAX) {
  auto dec = decrypt(std::make_unique<StringReader>(sealed, max_chunk), ids);
  return read_all(*dec);
}

size_t header_len(const std::string& sealed) {
  size_t mac = sealed.find("\n--- ");
  return sealed.find('\n', mac + 1) + 1;
}

}  // namespace

TEST_CASE("decrypts a file made by the age tool", "[age]") {
  const Identity id = Identity::from_secret(parse_identity(kIdentity));
  CHECK(open(std::string(reinterpret_cast<const char*>(kKat), sizeof kKat), {id}) == kKatPlain);
  CHECK(open(std::string(reinterpret_cast<const char*>(kKat), sizeof kKat), {id}, 1) == kKatPlain);
}

TEST_CASE("round trips across chunk boundaries", "[age]") {
  const Identity id = Identity::generate();
  for (size_t n : {size_t(0), size_t(1), size_t(100), kChunkSize - 1, kChunkSize, kChunkSize + 1, 2 * kChunkSize,
                   3 * kChunkSize + 12345}) {
    INFO("size " << n);
    const std::string plain = random_bytes(n, unsigned(n));
    const std::string sealed = seal(plain, {id.public_key});
    CHECK(sealed.rfind("age-encryption.org/v1\n-> X25519 ", 0) == 0);
    // header + 16-byte nonce + one 16-byte tag per chunk (an empty payload is one empty chunk).
    const size_t chunks = n == 0 ? 1 : (n + kChunkSize - 1) / kChunkSize;
    CHECK(sealed.size() == header_len(sealed) + 16 + n + 16 * chunks);
    CHECK(open(sealed, {id}) == plain);
    CHECK(open(sealed, {id}, 3) == plain);
  }
}

TEST_CASE("every recipient can decrypt; the first matching identity wins", "[age]") {
  const Identity a = Identity::generate(), b = Identity::generate(), c = Identity::generate();
  const std::string plain = random_bytes(70000, 1);
  const std::string sealed = seal(plain, {a.public_key, b.public_key});
  CHECK(open(sealed, {a}) == plain);
  CHECK(open(sealed, {b}) == plain);
  CHECK(open(sealed, {c, b}) == plain);
  CHECK_THROWS_WITH(open(sealed, {c}), "age: no identity matches the file's recipients");
  CHECK_THROWS_AS(open(sealed, {c}), age::Error);
}

TEST_CASE("a tampered header fails its MAC", "[age]") {
  const Identity id = Identity::generate();
  std::string sealed = seal("hello", {id.public_key});
  const size_t mac_at = sealed.find("\n--- ") + 5;
  sealed[mac_at] = sealed[mac_at] == 'A' ? 'B' : 'A';
  CHECK_THROWS_WITH(open(sealed, {id}), "age: header MAC mismatch");
  CHECK_THROWS_AS(open(sealed, {id}), core::CorruptError);
  // A second stanza the MAC does not cover.
  std::string extra = seal("hello", {id.public_key});
  extra.insert(extra.find("\n--- ") + 1, "-> grease x\n\n");
  CHECK_THROWS_WITH(open(extra, {id}), "age: header MAC mismatch");
}

TEST_CASE("a tampered or cut payload fails before its bytes are returned", "[age]") {
  const Identity id = Identity::generate();
  const std::string plain = random_bytes(2 * kChunkSize + 10, 2);
  const std::string sealed = seal(plain, {id.public_key});
  const size_t payload = header_len(sealed) + 16;
  const size_t sealed_chunk = kChunkSize + 16;

  SECTION("one flipped byte in the second chunk") {
    std::string t = sealed;
    t[payload + sealed_chunk + 5] ^= 1;
    auto dec = decrypt(std::make_unique<StringReader>(t), {id});
    std::string got(kChunkSize, '\0');
    size_t n = 0;
    while (n < kChunkSize) n += dec->read(got.data() + n, kChunkSize - n);
    CHECK(got == plain.substr(0, kChunkSize));  // the first chunk verifies
    char b;
    CHECK_THROWS_WITH(dec->read(&b, 1), "age: payload chunk 1: authentication failed (truncated or tampered object)");
  }
  SECTION("cut at a chunk boundary (the last full chunk is not marked last)") {
    CHECK_THROWS_WITH(open(sealed.substr(0, payload + 2 * sealed_chunk), {id}),
                      "age: payload chunk 1: authentication failed (truncated or tampered object)");
  }
  SECTION("cut by one byte, or extended by one") {
    CHECK_THROWS_AS(open(sealed.substr(0, sealed.size() - 1), {id}), core::CorruptError);
    CHECK_THROWS_AS(open(sealed + "x", {id}), core::CorruptError);
  }
  SECTION("cut inside the header or the nonce, or no payload at all") {
    CHECK_THROWS_WITH(open(sealed.substr(0, 30), {id}), "age: truncated header");
    CHECK_THROWS_WITH(open(sealed.substr(0, payload - 3), {id}), "age: truncated payload (no nonce)");
    CHECK_THROWS_WITH(open(sealed.substr(0, payload), {id}), "age: payload chunk 0: truncated");
  }
  SECTION("chunks swapped") {
    std::string t = sealed.substr(0, payload) + sealed.substr(payload + sealed_chunk, sealed_chunk) +
                    sealed.substr(payload, sealed_chunk) + sealed.substr(payload + 2 * sealed_chunk);
    CHECK_THROWS_AS(open(t, {id}), core::CorruptError);
  }
}

TEST_CASE("plain LZ4 (an object written without age) is named as such", "[age]") {
  const Identity id = Identity::generate();
  CHECK_THROWS_WITH(open(std::string("\x04\x22\x4d\x18\x64\x40\xa7", 7), {id}),
                    Catch::Contains("not an age-encrypted object"));
  CHECK_THROWS_WITH(open("", {id}), "age: empty object (not age-encrypted)");
}

TEST_CASE("memory stays bounded: decrypting reads at most two chunks ahead", "[age]") {
  const Identity id = Identity::generate();
  const std::string sealed = seal(random_bytes(20 * kChunkSize, 3), {id.public_key});
  auto src = std::make_unique<StringReader>(sealed);
  StringReader* raw = src.get();
  auto dec = decrypt(std::move(src), {id});
  char b;
  REQUIRE(dec->read(&b, 1) == 1);
  CHECK(raw->pos <= header_len(sealed) + 16 + 2 * (kChunkSize + 16));
}

TEST_CASE("encrypting needs a recipient, decrypting an identity", "[age]") {
  StringReader src("x");
  CHECK_THROWS_WITH(encrypt(src, {}), "age: no recipients to encrypt to");
  CHECK_THROWS_WITH(decrypt(std::make_unique<StringReader>("x"), {}), "age: no identities to decrypt with");
}
