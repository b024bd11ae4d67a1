// Go duration syntax both ways; expected strings are what Go's time package prints/accepts.
#include "gotext/duration.h"

#include <catch2/catch.hpp>

using namespace hs::gotext;
using namespace std::chrono;
using Duration = nanoseconds;

TEST_CASE("parse_duration accepts Go's syntax") {
  CHECK(parse_duration("1s") == seconds(1));
  CHECK(parse_duration("0") == Duration::zero());
  CHECK(parse_duration("1m30s") == seconds(90));
  CHECK(parse_duration("24h") == hours(24));
  CHECK(parse_duration("24h0m0s") == hours(24));
  CHECK(parse_duration("1.5h") == minutes(90));
  CHECK(parse_duration("500ms") == milliseconds(500));
  CHECK(parse_duration("10us") == microseconds(10));
  CHECK(parse_duration("10\xC2\xB5s") == microseconds(10));
  CHECK(parse_duration("7ns") == nanoseconds(7));
  CHECK(parse_duration("-1s") == seconds(-1));
  CHECK(parse_duration("+2m") == minutes(2));
  CHECK(parse_duration(".5s") == milliseconds(500));
  CHECK(parse_duration("1h2m3.004s") == hours(1) + minutes(2) + seconds(3) + milliseconds(4));
}

TEST_CASE("parse_duration rejects what Go rejects, saying why") {
  std::string why;
  CHECK_FALSE(parse_duration("7d", &why));
  CHECK(why.find("unknown unit \"d\"") != std::string::npos);
  CHECK_FALSE(parse_duration("fast", &why));
  CHECK_FALSE(parse_duration("", &why));
  CHECK_FALSE(parse_duration("5", &why));
  CHECK(why.find("missing unit") != std::string::npos);
  CHECK_FALSE(parse_duration("1.s.", &why));
  CHECK_FALSE(parse_duration("s", &why));
  CHECK_FALSE(parse_duration("3000000h", &why));  // > 292 years overflows int64 ns
  CHECK(why.find("out of range") != std::string::npos);
}

TEST_CASE("format_duration prints like Go's Duration.String") {
  CHECK(format_duration(Duration::zero()) == "0s");
  CHECK(format_duration(seconds(1)) == "1s");
  CHECK(format_duration(seconds(90)) == "1m30s");
  CHECK(format_duration(hours(24)) == "24h0m0s");
  CHECK(format_duration(minutes(1)) == "1m0s");
  CHECK(format_duration(milliseconds(1500)) == "1.5s");
  CHECK(format_duration(milliseconds(500)) == "500ms");
  CHECK(format_duration(microseconds(1500)) == "1.5ms");
  CHECK(format_duration(microseconds(1)) == "1\xC2\xB5s");
  CHECK(format_duration(nanoseconds(7)) == "7ns");
  CHECK(format_duration(seconds(-5)) == "-5s");
  CHECK(format_duration(hours(1) + nanoseconds(1)) == "1h0m0.000000001s");
}

TEST_CASE("format then parse is the identity") {
  for (int64_t n : {int64_t(1), int64_t(999), int64_t(1000), int64_t(123456789), int64_t(1000000000),
                    int64_t(3723000000000), int64_t(86400000000000), int64_t(-42000000), INT64_MAX, INT64_MIN}) {
    INFO(n);
    CHECK(parse_duration(format_duration(Duration(n))) == Duration(n));
  }
}

TEST_CASE("format_duration: sub-second units and carries, as litestream's elapsed= fields") {
  CHECK(format_duration(nanoseconds(950)) == "950ns");
  CHECK(format_duration(nanoseconds(999)) == "999ns");
  CHECK(format_duration(nanoseconds(1500)) == "1.5\xC2\xB5s");
  CHECK(format_duration(nanoseconds(540982)) == "540.982\xC2\xB5s");
  CHECK(format_duration(nanoseconds(7662207)) == "7.662207ms");
  CHECK(format_duration(nanoseconds(8908130)) == "8.90813ms");
  CHECK(format_duration(seconds(123)) == "2m3s");
  CHECK(format_duration(hours(1)) == "1h0m0s");
  CHECK(format_duration(seconds(3723)) == "1h2m3s");
  CHECK(format_duration(microseconds(-1500)) == "-1.5ms");
  CHECK(format_duration(Duration(INT64_MIN)) == "-2562047h47m16.854775808s");
  CHECK(format_duration(Duration(INT64_MAX)) == "2562047h47m16.854775807s");
}
