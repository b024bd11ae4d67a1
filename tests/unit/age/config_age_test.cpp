// The replica `age` block of the config model: litestream 0.3.13's shape, parse and render.
#include <catch2/catch.hpp>

#include "config/config.h"

using namespace hs::config;

namespace {
const char* kIdentity = "AGE-SECRET-KEY-1297QHU4WMV86V8A9XP24MCM5NSNM0C97XZN9527C40Y0ZDGT9LUQL4SFSS";
const char* kRecipient = "age1y5cygcyyqg3k2fk0ve48z4g4k98m082g2r5ccp3q57ngdxkj0u8s7m3fes";
}  // namespace

TEST_CASE("age: {identities, recipients} on a replica parses and renders back", "[age][config]") {
  const std::string yaml = std::string("dbs:\n  - path: /data/app.db\n    replicas:\n      - path: /backup\n") +
                           "        age:\n          identities:\n            - " + kIdentity +
                           "\n          recipients:\n            - " + kRecipient +
                           "\n            - |\n              # a recipients file\n              " + kRecipient + "\n";
  Config c = parse(yaml);
  const auto& r = c.dbs.at(0).replicas.at(0);
  REQUIRE(r.age);
  CHECK(r.age->identities == std::vector<std::string>{kIdentity});
  REQUIRE(r.age->recipients.size() == 2);
  CHECK(r.age->recipients[1] == std::string("# a recipients file\n") + kRecipient + "\n");
  CHECK(parse(render(c)) == c);
}

TEST_CASE("age keys from the environment are checked once expanded", "[age][config]") {
  const std::string yaml =
      "dbs:\n  - path: /data/app.db\n    replicas:\n      - path: /backup\n        age:\n"
      "          identities: [\"${AGE_IDENTITY}\"]\n          recipients: [\"${AGE_RECIPIENT}\"]\n";
  ParseOptions raw;
  raw.expand_env = false;
  Config c = parse(yaml, raw);
  CHECK(c.dbs[0].replicas[0].age->identities == std::vector<std::string>{"${AGE_IDENTITY}"});
  CHECK(parse(render(c), raw) == c);  // the provider renders ${VAR} references for the pod's env
  ::setenv("AGE_IDENTITY", kIdentity, 1);
  ::setenv("AGE_RECIPIENT", "not-a-key", 1);
  CHECK_THROWS_WITH(parse(yaml), "dbs[0].replicas[0].age.recipients[0]: not an age X25519 recipient (age1...)");
  ::setenv("AGE_RECIPIENT", kRecipient, 1);
  CHECK(parse(yaml).dbs[0].replicas[0].age->identities == std::vector<std::string>{kIdentity});
}
