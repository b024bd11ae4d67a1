// Inputs fuzz_config (tests/fuzz) found, kept as unit tests.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "config/replica_url.h"

using namespace hs::config;

TEST_CASE("a config that is not UTF-8 is refused with the place of the bad byte") {
  // Found by fuzzing: a Latin-1 byte in a plain scalar parsed, render() wrote U+FFFD in its place,
  // so parse(render(c)) != c (and litestream's yaml.v2 refuses such a file).
  const std::string yaml =
      "dbs:\n  - path: /data/a.db\n    replicas:\n      - url: s3://b/p\n        endpoint: ht\xe9tp://x\n";
  CHECK_THROWS_WITH(parse(yaml, {.expand_env = false}), "config: not UTF-8 text: byte 0xe9 at line 5, column 21");
  CHECK_THROWS_WITH(parse("\xff", {.expand_env = false}), "config: not UTF-8 text: byte 0xff at line 1, column 1");
  CHECK_THROWS_AS(parse("addr: \"\xed\xa0\x80\"\n", {.expand_env = false}), ConfigError);  // a UTF-16 surrogate
  CHECK_THROWS_AS(parse("addr: \"\xc0\xba\"\n", {.expand_env = false}), ConfigError);      // overlong ':'
  CHECK_THROWS_AS(parse("addr: \"\xe2\x82\"", {.expand_env = false}), ConfigError);        // cut short
  // The bytes may come from the environment: checked after expansion, never echoed.
  ::setenv("HS_FUZZ_REGRESS_LATIN1", "s3cr\xe9t", 1);
  try {
    parse("secret-access-key: $HS_FUZZ_REGRESS_LATIN1\n");
    FAIL("accepted");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "config: not UTF-8 text: byte 0xe9 at line 1, column 24");
  }
  ::unsetenv("HS_FUZZ_REGRESS_LATIN1");

  // UTF-8 proper still loads and survives render.
  Config c = parse("addr: \"caf\xc3\xa9:9090\"\nexec: \"\xf0\x9f\x98\x80 \xe2\x82\xac\"\n", {.expand_env = false});
  CHECK(*c.exec == "\xf0\x9f\x98\x80 \xe2\x82\xac");
  CHECK(parse(render(c), {.expand_env = false}) == c);

  const char* src = std::getenv("HS_SOURCE_DIR");
  REQUIRE(src);
  std::ifstream f(std::string(src) + "/tests/fuzz/corpus/config/regress-latin1-byte-in-endpoint.yml", std::ios::binary);
  REQUIRE(f);
  std::stringstream text;
  text << f.rdbuf();
  CHECK_THROWS_WITH(parse(text.str(), {.expand_env = false}),
                    Catch::StartsWith("config: not UTF-8 text: byte 0xe9 at line 12"));
}

TEST_CASE("very long replica URLs and hosts are errors, not a stack overflow in std::regex") {
  // Seen while profiling fuzz_config: libstdc++'s regex matcher recurses about once per character,
  // so a 200 KB value (e.g. from a $VAR) crashed the replicator instead of naming the key.
  const std::string long_path(200000, 'a');
  CHECK_THROWS_WITH(split_replica_url("s3://bucket/" + long_path, "dbs[0].replicas[0].url"),
                    "dbs[0].replicas[0].url: replica url is longer than 4096 bytes");
  CHECK_THROWS_AS(parse_replica_url("s3://bucket/" + long_path), ConfigError);
  CHECK(split_replica_url("s3://bucket/" + std::string(4000, 'a'), "url").path == std::string(4000, 'a'));
  CHECK(parse_s3_host(long_path + ".localhost").bucket == long_path + ".localhost");
  CHECK(parse_s3_host("b.localhost:9000").endpoint == "http://localhost:9000");

  CHECK(is_url(long_path + "://x"));
  CHECK_FALSE(is_url(long_path));
  CHECK(is_url("s3://bucket/path"));
  CHECK(is_url("file:///srv/backups"));
  CHECK(is_url("a_1://"));
  CHECK_FALSE(is_url("://x"));
  CHECK_FALSE(is_url("/data/app.db"));
  CHECK_FALSE(is_url("s3:/bucket"));
  CHECK_FALSE(is_url("my-app://x"));  // \w has no '-', as in litestream's ^\w+://
  CHECK_FALSE(is_url(""));
}
