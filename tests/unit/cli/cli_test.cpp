#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

#include "cli/flags.h"
#include "cli/table.h"
#include "core/restore_format.h"

using namespace hs;
using namespace std::chrono_literals;

namespace {

struct Parsed {
  std::string o, config;
  bool flag = false;
  long long n = 8;
};

// Parses with a FlagSet like the commands'; stderr output is not checked here.
bool parse(const std::vector<std::string>& args, Parsed& p, std::vector<std::string>* rest = nullptr) {
  cli::FlagSet fs([] {});
  fs.string_flag("o", &p.o);
  fs.string_flag("config", &p.config);
  fs.bool_flag("if-db-not-exists", &p.flag);
  fs.value_flag("parallelism", [&](const std::string& s) { p.n = cli::parse_go_int(s); });
  bool ok = fs.parse(args);
  if (rest) *rest = fs.args();
  return ok;
}

std::string print(const cli::Table& t) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  t.print(f);
  std::fclose(f);
  std::string s(buf, len);
  free(buf);
  return s;
}

}  // namespace

TEST_CASE("flags parse like Go's flag package") {
  Parsed p;
  std::vector<std::string> rest;
  REQUIRE(parse({"-o", "out.db", "--config=c.yml", "-if-db-not-exists", "-parallelism", "0x10", "db", "-o", "x"}, p, &rest));
  CHECK(p.o == "out.db");
  CHECK(p.config == "c.yml");
  CHECK(p.flag);
  CHECK(p.n == 16);
  CHECK(rest == std::vector<std::string>{"db", "-o", "x"});  // parsing stops at the first argument

  Parsed q;
  REQUIRE(parse({"-if-db-not-exists=false", "--", "-o"}, q, &rest));
  CHECK_FALSE(q.flag);
  CHECK(rest == std::vector<std::string>{"-o"});
  CHECK_FALSE(parse({"-h"}, q));
  CHECK_FALSE(parse({"-help"}, q));
}

TEST_CASE("flag errors carry Go's wording and name the flag") {
  Parsed p;
  CHECK_THROWS_WITH(parse({"-v"}, p), "flag provided but not defined: -v");
  CHECK_THROWS_WITH(parse({"-o"}, p), "flag needs an argument: -o");
  CHECK_THROWS_WITH(parse({"-parallelism", "x"}, p), "invalid value \"x\" for flag -parallelism: parse error");
  CHECK_THROWS_WITH(parse({"-if-db-not-exists=maybe"}, p), "invalid boolean value \"maybe\" for -if-db-not-exists: parse error");
  CHECK_THROWS_WITH(parse({"---o"}, p), "bad flag syntax: ---o");
  CHECK_THROWS_AS(parse({"-=x"}, p), cli::UsageError);
}

TEST_CASE("tables align like tabwriter(0, 8, 2, ' ', 0)") {
  cli::Table t;
  t.row({"replica", "generation", "index"});
  t.row({"local", "1d2cf359803de756", "0"});
  CHECK(print(t) ==
        "replica  generation        index\n"
        "local    1d2cf359803de756  0\n");
}

TEST_CASE("durations print like Go's time.Duration.String") {
  CHECK(core::go_duration(0ns) == "0s");
  CHECK(core::go_duration(950ns) == "950ns");
  CHECK(core::go_duration(1500ns) == "1.5µs");
  CHECK(core::go_duration(8908130ns) == "8.90813ms");
  CHECK(core::go_duration(1s) == "1s");
  CHECK(core::go_duration(1500ms) == "1.5s");
  CHECK(core::go_duration(123s) == "2m3s");
  CHECK(core::go_duration(1h) == "1h0m0s");
  CHECK(core::go_duration(-2s) == "-2s");
}

TEST_CASE("RFC3339 timestamps parse like Go's time.RFC3339") {
  core::TimePoint t;
  REQUIRE(core::parse_rfc3339("2000-01-01T00:00:00Z", t));
  CHECK(t == core::TimePoint(std::chrono::seconds(946684800)));
  REQUIRE(core::parse_rfc3339("2000-01-01T01:30:00+01:30", t));
  CHECK(t == core::TimePoint(std::chrono::seconds(946684800)));
  REQUIRE(core::parse_rfc3339("2000-01-01T00:00:00.25Z", t));
  CHECK(t == core::TimePoint(std::chrono::seconds(946684800)) + 250ms);
  for (const char* bad : {"x", "2000-01-01", "2000-01-01 00:00:00Z", "2000-01-01T00:00:00", "2000-13-01T00:00:00Z",
                          "2000-01-01T00:00:00.Z", "2000-01-01T00:00:00+0100", "2000-01-01T00:00:00Zjunk"})
    CHECK_FALSE(core::parse_rfc3339(bad, t));
}
