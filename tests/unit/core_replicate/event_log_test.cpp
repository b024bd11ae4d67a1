// Small pure helpers of replication: log values (elapsed= fields read like litestream's) and the
// -exec command splitting (go-shellwords rules).
#include <catch2/catch.hpp>

#include "cli/replicate_exec.h"
#include "core/event_log.h"

TEST_CASE("log values keep their kind and print Go's text forms", "[log]") {
  using hs::core::LogValue;
  CHECK(LogValue("x").str() == "x");
  CHECK(LogValue(int64_t(16512)).kind == LogValue::Kind::integer);
  CHECK(LogValue(int64_t(16512)).str() == "16512");
  auto d = LogValue::duration(std::chrono::milliseconds(1500));
  CHECK(d.kind == LogValue::Kind::duration);
  CHECK(d.number == 1500000000);
  CHECK(d.str() == "1.5s");
}

TEST_CASE("-exec command lines split like go-shellwords", "[exec]") {
  using hs::cli::split_shell_words;
  CHECK(split_shell_words("app --port 8080") == std::vector<std::string>{"app", "--port", "8080"});
  CHECK(split_shell_words("  sh -c 'sleep 1; exit 3'  ") == std::vector<std::string>{"sh", "-c", "sleep 1; exit 3"});
  CHECK(split_shell_words(R"(echo "a \"b\" c" d\ e)") == std::vector<std::string>{"echo", "a \"b\" c", "d e"});
  CHECK(split_shell_words("a''b") == std::vector<std::string>{"ab"});
  CHECK(split_shell_words("").empty());
  CHECK_THROWS_AS(split_shell_words("sh -c 'unclosed"), std::invalid_argument);
}
