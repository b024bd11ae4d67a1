// Log lines in slog's formats, level filtering, hooks, thread safety and URL redaction.
#include "log/log.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <regex>
#include <thread>

using namespace hs::log;
using namespace std::chrono;

namespace {

// The goldens are in UTC; the formats print local time, as Go does.
const bool kUtc = [] {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  return true;
}();

// Captures lines for one test and restores stdout logging after.
struct Capture {
  std::mutex mu;
  std::vector<std::string> lines;
  explicit Capture(Format f, Level l = Level::info) {
    Options o;
    o.format = f;
    o.level = l;
    o.writer = [this](std::string_view line) {
      std::lock_guard<std::mutex> g(mu);
      lines.emplace_back(line);
    };
    configure(o);
  }
  ~Capture() { configure(Options{}); }
};

Event fixed_event() {
  Event e;
  e.time = system_clock::time_point(seconds(1795509740) + milliseconds(123) + nanoseconds(400));
  e.level = Level::info;
  e.msg = "replica sync";
  e.fields = {{"db", "/data/app.db"}, {"bytes", 4096},       {"lag", milliseconds(1500)},
              {"ok", true},           {"note", "two words"}, {"empty", ""}};
  return e;
}

}  // namespace

TEST_CASE("text format is slog's TextHandler") {
  CHECK(format_text(fixed_event()) ==
        "time=2026-11-24T08:42:20.123Z level=INFO msg=\"replica sync\" db=/data/app.db bytes=4096 lag=1.5s ok=true "
        "note=\"two words\" empty=\"\"");
}

TEST_CASE("json format is slog's JSONHandler: durations as integer ns") {
  CHECK(
      format_json(fixed_event()) ==
      "{\"time\":\"2026-11-24T08:42:20.1230004Z\",\"level\":\"INFO\",\"msg\":\"replica sync\",\"db\":\"/data/app.db\","
      "\"bytes\":4096,\"lag\":1500000000,\"ok\":true,\"note\":\"two words\",\"empty\":\"\"}");
}

TEST_CASE("go default format (CLI mode)") {
  Event e = fixed_event();
  e.fields = {{"version", "v0.1.0"}};
  e.msg = "litestream";
  CHECK(format_go_default(e) == "2026/11/24 08:42:20 INFO litestream version=v0.1.0");
}

TEST_CASE("quoting of special characters") {
  Event e = fixed_event();
  e.msg = "line\nbreak";
  e.fields = {{"q", "say \"hi\""}, {"eq", "a=b"}, {"uni", "größe"}, {"dir", "C:\\x"}, {"two words", 1}};
  CHECK(
      format_text(e).find("msg=\"line\\nbreak\" q=\"say \\\"hi\\\"\" eq=\"a=b\" uni=größe dir=C:\\x \"two words\"=1") !=
      std::string::npos);
  CHECK(format_json(e).find("\"msg\":\"line\\nbreak\",\"q\":\"say \\\"hi\\\"\"") != std::string::npos);
}

TEST_CASE("levels filter output; one line per event") {
  Capture cap(Format::json, Level::warn);
  debug("d");
  info("i");
  warn("w", {{"n", 1}});
  error("e");
  REQUIRE(cap.lines.size() == 2);
  CHECK(cap.lines[0].find("\"level\":\"WARN\",\"msg\":\"w\",\"n\":1}\n") != std::string::npos);
  CHECK(cap.lines[1].find("\"level\":\"ERROR\"") != std::string::npos);
  CHECK(enabled(Level::error));
  CHECK_FALSE(enabled(Level::info));
}

TEST_CASE("parse_level follows litestream") {
  CHECK(parse_level("debug") == Level::debug);
  CHECK(parse_level("Warning") == Level::warn);
  CHECK(parse_level("WARN") == Level::warn);
  CHECK(parse_level("error") == Level::error);
  CHECK(parse_level("whatever") == Level::info);
}

TEST_CASE("hooks see every WARN and ERROR, even below the output level, and not in suppressed scopes") {
  Capture cap(Format::text, Level::error);
  std::vector<std::string> seen;
  HookId id =
      add_hook([&](const Event& e) { seen.push_back(std::string(level_name(e.level)) + ":" + e.msg + ":" + e.json); });
  info("quiet");
  warn("w1");
  error("e1", {{"error", "boom"}});
  {
    HookSuppressor s;
    error("from the alert sender");
  }
  remove_hook(id);
  error("after removal");
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].rfind("WARN:w1:{", 0) == 0);
  CHECK(seen[1].find("ERROR:e1:") == 0);
  CHECK(seen[1].find("\"error\":\"boom\"") != std::string::npos);
  CHECK(cap.lines.size() == 3);  // e1, the suppressed one (still written), after removal
}

TEST_CASE("a hook that logs does not recurse") {
  Capture cap(Format::text);
  int calls = 0;
  HookId id = add_hook([&](const Event&) {
    ++calls;
    warn("hook logged");
  });
  warn("outer");
  remove_hook(id);
  CHECK(calls == 1);
  CHECK(cap.lines.size() == 2);
}

TEST_CASE("concurrent logging never interleaves lines") {
  Capture cap(Format::json);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t] {
      for (int i = 0; i < 500; ++i) info("event", {{"thread", t}, {"i", i}, {"pad", std::string(200, 'x')}});
    });
  for (auto& th : threads) th.join();
  REQUIRE(cap.lines.size() == 2000);
  std::regex line(R"(^\{"time":"[^"]+","level":"INFO","msg":"event","thread":\d,"i":\d+,"pad":"x{200}"\}\n$)");
  for (const auto& l : cap.lines) REQUIRE(std::regex_match(l, line));
}

TEST_CASE("redact_url keeps only scheme and host") {
  CHECK(redact_url("https://hooks.slack.com/services/T0/B0/XXXX") == "https://hooks.slack.com/REDACTED");
  CHECK(redact_url("https://user:pass@ntfy.sh:8443/topic?auth=tok") == "https://ntfy.sh:8443/REDACTED");
  CHECK(redact_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080");
  CHECK(redact_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080");
  CHECK(redact_url("https://hc-ping.com?x=1") == "https://hc-ping.com/REDACTED");
  CHECK(redact_url("not a url with secret") == "REDACTED");
}

TEST_CASE("before configure: slog's default handler on stderr, INFO and up (litestream's URL mode)") {
  Options d;
  CHECK(d.format == Format::go_default);
  CHECK(d.to_stderr);
  CHECK(d.level == Level::info);
}
