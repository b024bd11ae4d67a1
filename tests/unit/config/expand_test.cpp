// os.ExpandEnv and path expansion, case by case against Go's documented behaviour.
#include "config/expand.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>

using namespace hs::config;

namespace {
std::string ex(const std::string& s) {
  static const std::map<std::string, std::string> env = {{"A", "x"}, {"LONG_NAME1", "yy"}, {"1", "one"}};
  return expand_vars(s, [](const std::string& n) {
    auto it = env.find(n);
    return it == env.end() ? std::string() : it->second;
  });
}
}  // namespace

TEST_CASE("expand_vars follows os.Expand") {
  CHECK(ex("$A") == "x");
  CHECK(ex("${A}") == "x");
  CHECK(ex("a$A-b") == "ax-b");
  CHECK(ex("$LONG_NAME1/z") == "yy/z");
  CHECK(ex("${LONG_NAME1}z") == "yyz");
  CHECK(ex("$UNSET") == "");
  CHECK(ex("${UNSET}x") == "x");
  CHECK(ex("$1x") == "onex");  // a digit is a one-character special name
  CHECK(ex("cost: 5$") == "cost: 5$");
  CHECK(ex("a $ b") == "a $ b");
  CHECK(ex("50$%") == "50$%");
  CHECK(ex("${}") == "");
  CHECK(ex("x${A") == "xA");  // "${" eaten, rest kept
  CHECK(ex("no vars") == "no vars");
}

TEST_CASE("expand_env reads the process environment") {
  ::setenv("HS_CFG_TEST_VAR", "hello", 1);
  ::unsetenv("HS_CFG_TEST_UNSET");
  CHECK(expand_env("a: ${HS_CFG_TEST_VAR} $HS_CFG_TEST_UNSET.") == "a: hello .");
}

TEST_CASE("expand_path handles ~ and relative paths") {
  ::setenv("HOME", "/home/pi", 1);
  CHECK(expand_path("~") == "/home/pi");
  CHECK(expand_path("~/data/app.db") == "/home/pi/data/app.db");
  CHECK(expand_path("/var//lib/./x/../app.db") == "/var/lib/app.db");
  char cwd[4096];
  REQUIRE(::getcwd(cwd, sizeof cwd));
  CHECK(expand_path("rel/app.db") == clean_path(std::string(cwd) + "/rel/app.db"));
  CHECK(expand_path("~user/x").find("~user/x") != std::string::npos);  // only "~" and "~/" expand
}

TEST_CASE("clean_path is Go's path.Clean") {
  CHECK(clean_path("") == ".");
  CHECK(clean_path("/") == "/");
  CHECK(clean_path("a/b/../c/") == "a/c");
  CHECK(clean_path("/../x") == "/x");
  CHECK(clean_path("../x") == "../x");
  CHECK(clean_path("//a//b") == "/a/b");
}
