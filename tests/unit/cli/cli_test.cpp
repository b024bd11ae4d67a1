#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

#include "cli/flags.h"
#include "cli/table.h"

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
  REQUIRE(parse({"-o", "out.db", "--config=c.yml", "-if-db-not-exists", "-parallelism", "0x10", "db", "-o", "x"}, p,
                &rest));
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
  CHECK_THROWS_WITH(parse({"-if-db-not-exists=maybe"}, p),
                    "invalid boolean value \"maybe\" for -if-db-not-exists: parse error");
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

#include "cli/log_options.h"

TEST_CASE("log_options reads the logging section") {
  auto c = config::parse("logging: {level: warning, type: json, stderr: true}\n");
  hs::log::Options o = cli::log_options(c);
  CHECK(o.level == hs::log::Level::warn);
  CHECK(o.format == hs::log::Format::json);
  CHECK(o.to_stderr);
  // A config file without a logging section: slog's text handler on stdout, INFO and up.
  hs::log::Options d = cli::log_options(config::Config{});
  CHECK(d.level == hs::log::Level::info);
  CHECK(d.format == hs::log::Format::text);
  CHECK_FALSE(d.to_stderr);
}
