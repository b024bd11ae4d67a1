// Inputs fuzz_s3_xml (tests/fuzz) found, kept as unit tests.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "storage/s3/s3_xml.h"

using namespace hs::storage;

TEST_CASE("LastModified outside what a time_point holds is an error, not a signed overflow") {
  // Found by fuzzing: year 7536 overflowed system_clock's int64 nanoseconds (UB) in from_time_t.
  CHECK_THROWS_AS(parse_s3_time("7536-12-03T13:13:57.000Z"), hs::core::Error);
  CHECK_THROWS_AS(parse_s3_time("2262-04-12T00:00:00Z"), hs::core::Error);
  CHECK_THROWS_AS(parse_s3_time("1677-01-01T00:00:00Z"), hs::core::Error);
  // timegm carries out-of-range fields into the year: month 99 of 2261 is in 2269.
  CHECK_THROWS_AS(parse_s3_time("2261-99-01T00:00:00Z"), hs::core::Error);
  CHECK_THROWS_AS(parse_s3_time("2026-11-25T08:61:30Z"), hs::core::Error);
  CHECK_THROWS_AS(parse_s3_time("2026-11-25T-1:00:30Z"), hs::core::Error);
  CHECK_THROWS_WITH(parse_s3_time("2026-00-25T08:23:30Z"), Catch::Contains("out of range"));

  auto t = parse_s3_time("2261-12-31T23:59:60.999Z");  // the last second that fits, leap second included
  CHECK(t > parse_s3_time("2026-11-25T08:23:30.000Z"));
  CHECK(std::chrono::system_clock::to_time_t(parse_s3_time("1970-01-01T00:00:00Z")) == 0);

  const char* src = std::getenv("HS_SOURCE_DIR");
  REQUIRE(src);
  std::ifstream f(std::string(src) + "/tests/fuzz/corpus/s3_xml/regress-lastmodified-year-7536.xml", std::ios::binary);
  REQUIRE(f);
  std::stringstream xml;
  xml << f.rdbuf();
  CHECK_THROWS_WITH(parse_list_page(xml.str()),
                    Catch::Contains("LastModified \"7536-12-03T13:13:57.000Z\" out of range"));
}
