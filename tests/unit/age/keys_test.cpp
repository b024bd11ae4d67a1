// age key strings: bech32 as age-keygen writes it (vector made with Debian's age-keygen 1.1.1).
#include <catch2/catch.hpp>

#include "age/age.h"
#include "age/keys.h"

using namespace hs::age;

namespace {
const char* kIdentity = "AGE-SECRET-KEY-1297QHU4WMV86V8A9XP24MCM5NSNM0C97XZN9527C40Y0ZDGT9LUQL4SFSS";
const char* kRecipient = "age1y5cygcyyqg3k2fk0ve48z4g4k98m082g2r5ccp3q57ngdxkj0u8s7m3fes";
}  // namespace

TEST_CASE("an age-keygen identity round-trips and derives its recipient", "[age]") {
  const Key32 secret = parse_identity(kIdentity);
  CHECK(identity_string(secret) == kIdentity);
  const Identity id = Identity::from_secret(secret);
  CHECK(recipient_string(id.public_key) == kRecipient);
  CHECK(parse_recipient(kRecipient) == id.public_key);
}

TEST_CASE("bech32 test vectors of BIP 173", "[age]") {
  CHECK(bech32_decode("A12UEL5L").hrp == "A");
  CHECK(bech32_decode("a12uel5l").data.empty());
  CHECK(bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw").hrp == "abcdef");
  CHECK_THROWS_WITH(bech32_decode("A12uEL5L"), "bech32: mixed case");
  CHECK_THROWS_WITH(bech32_decode("a12uel5m"), "bech32: invalid checksum");
  CHECK_THROWS_WITH(bech32_decode("pzry9x0s0muk"), Catch::Contains("separator"));
}

TEST_CASE("malformed keys are rejected without echoing them", "[age]") {
  const std::string what_r = "not an age X25519 recipient (age1...)";
  const std::string what_i = "not an age X25519 identity (AGE-SECRET-KEY-1...)";
  CHECK_THROWS_WITH(parse_recipient(kIdentity), what_r);
  CHECK_THROWS_WITH(parse_recipient("AGE1Y5CYGCYYQG3K2FK0VE48Z4G4K98M082G2R5CCP3Q57NGDXKJ0U8S7M3FES"), what_r);
  std::string bad = kRecipient;
  bad.back() = bad.back() == 's' ? 'q' : 's';
  CHECK_THROWS_WITH(parse_recipient(bad), what_r);
  CHECK_THROWS_WITH(parse_identity(kRecipient), what_i);
  std::string lower = kIdentity;
  for (char& c : lower) c = char(std::tolower(c));
  CHECK_THROWS_WITH(parse_identity(lower), what_i);  // age wants identities upper case
  CHECK_THROWS_WITH(parse_recipient("ssh-ed25519 AAAA"), what_r);
}

TEST_CASE("a config entry may hold a key file's text", "[age]") {
  const std::string file =
      std::string("# created: 2026-12-03T13:39:10Z\r\n# public key: ") + kRecipient + "\n" + kIdentity + "\n\n";
  auto ids = parse_identities_text(file);
  REQUIRE(ids.size() == 1);
  CHECK(ids[0] == parse_identity(kIdentity));
  CHECK(parse_recipients_text(std::string(kRecipient) + "\n" + kRecipient).size() == 2);
  // A Secret file's newline, folded to a space by a double-quoted YAML scalar.
  CHECK(parse_identities_text(std::string(kIdentity) + " ").at(0) == parse_identity(kIdentity));
  CHECK(parse_recipients_text(std::string("\t") + kRecipient + "\n").size() == 1);
  CHECK_THROWS_WITH(parse_identities_text(""), "no secret keys found");
  CHECK_THROWS_WITH(parse_recipients_text("# nothing\n"), "no recipients found");
  CHECK_THROWS_WITH(parse_identities_text(std::string("# k\n") + kRecipient),
                    "line 2: not an age X25519 identity (AGE-SECRET-KEY-1...)");
}
