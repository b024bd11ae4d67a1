// Go's time layouts and string quoting; expected strings are what Go prints/accepts. The process runs
// with TZ=UTC (set below) and, for the zone suffix, with a fixed offset zone.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>

#include "gotext/quote.h"
#include "gotext/time.h"

using namespace hs::gotext;
using namespace std::chrono;

namespace {

struct Zone {
  explicit Zone(const char* tz) {
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~Zone() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

const TimePoint kT = TimePoint(seconds(1795509740) + milliseconds(123) + nanoseconds(400));

}  // namespace

TEST_CASE("time layouts in UTC end in Z") {
  Zone utc("UTC");
  CHECK(rfc3339(kT) == "2026-11-24T08:42:20Z");
  CHECK(rfc3339_millis(kT) == "2026-11-24T08:42:20.123Z");
  CHECK(rfc3339_nano(kT) == "2026-11-24T08:42:20.1230004Z");
  CHECK(rfc3339_nano(TimePoint(seconds(1795509740))) == "2026-11-24T08:42:20Z");
  CHECK(log_default(kT) == "2026/11/24 08:42:20");
}

TEST_CASE("time layouts in a zone with an offset print the local time and the offset, like Go") {
  Zone z("XYZ-01:30");  // POSIX TZ: 1h30 east of UTC
  CHECK(rfc3339(kT) == "2026-11-24T10:12:20+01:30");
  CHECK(rfc3339_millis(kT) == "2026-11-24T10:12:20.123+01:30");
  CHECK(log_default(kT) == "2026/11/24 10:12:20");
}

TEST_CASE("RFC3339 timestamps parse like Go's time.RFC3339") {
  TimePoint t;
  REQUIRE(parse_rfc3339("2000-01-01T00:00:00Z", t));
  CHECK(t == TimePoint(seconds(946684800)));
  REQUIRE(parse_rfc3339("2000-01-01T01:30:00+01:30", t));
  CHECK(t == TimePoint(seconds(946684800)));
  REQUIRE(parse_rfc3339("2000-01-01T00:00:00.25Z", t));
  CHECK(t == TimePoint(seconds(946684800)) + milliseconds(250));
  for (const char* bad : {"x", "2000-01-01", "2000-01-01 00:00:00Z", "2000-01-01T00:00:00", "2000-13-01T00:00:00Z",
                          "2000-01-01T00:00:00.Z", "2000-01-01T00:00:00+0100", "2000-01-01T00:00:00Zjunk"})
    CHECK_FALSE(parse_rfc3339(bad, t));
}

TEST_CASE("quote is strconv.Quote") {
  CHECK(quote("") == "\"\"");
  CHECK(quote("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(quote("a\\b\n\t\x01\x7f") == "\"a\\\\b\\n\\t\\x01\\x7f\"");
  CHECK(quote("größe") == "\"größe\"");
  CHECK(quote("\xff") == "\"\\xff\"");  // invalid UTF-8
  CHECK(quote("a\xC2\xA0"
              "b") == "\"a\\u00a0b\"");  // NBSP is not printable for Go
}

TEST_CASE("slog quotes only what needs it") {
  CHECK(slog_text("/data/app.db") == "/data/app.db");
  CHECK(slog_text("C:\\dir") == "C:\\dir");  // a backslash alone does not need quoting
  CHECK(slog_text("größe") == "größe");
  CHECK(slog_text("") == "\"\"");
  CHECK(slog_text("two words") == "\"two words\"");
  CHECK(slog_text("a=b") == "\"a=b\"");
  CHECK(slog_text("q\"") == "\"q\\\"\"");
  CHECK(slog_text("line\nbreak") == "\"line\\nbreak\"");
  CHECK(slog_text("\xff") == "\"\\xff\"");
  CHECK(slog_text("a\xE2\x80\x83"
                  "b") == "\"a\\u2003b\"");  // EM SPACE
}
