#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/layout.h"
#include "core/pos.h"

using namespace hs::core;

TEST_CASE("generation names are exactly 16 lowercase hex digits") {
  CHECK(layout::is_generation_name("1d2cf359803de756"));
  CHECK_FALSE(layout::is_generation_name("1D2CF359803DE756"));
  CHECK_FALSE(layout::is_generation_name("1d2cf359803de75"));
  CHECK_FALSE(layout::is_generation_name("1d2cf359803de7567"));
  CHECK_FALSE(layout::is_generation_name("1d2cf359803de75g"));
  CHECK_FALSE(layout::is_generation_name(""));
}

TEST_CASE("names are formatted like Go's %08x") {
  CHECK(layout::snapshot_name(0) == "00000000.snapshot.lz4");
  CHECK(layout::snapshot_name(0x1a) == "0000001a.snapshot.lz4");
  CHECK(layout::wal_segment_name(0, 0x4080) == "00000000_00004080.wal.lz4");
  // %08x is a minimum width: an offset past 4 GiB gets nine digits.
  CHECK(layout::wal_segment_name(3, 0x100000000LL) == "00000003_100000000.wal.lz4");
  CHECK_THROWS_AS(layout::hex08(-1), Error);
}

TEST_CASE("snapshot names parse back, others are ignored") {
  CHECK(layout::parse_snapshot_name("00000000.snapshot.lz4") == 0);
  CHECK(layout::parse_snapshot_name("7fffffff.snapshot.lz4") == 0x7fffffff);
  CHECK(layout::parse_snapshot_name("000000000a.snapshot.lz4") == 10);
  CHECK_FALSE(layout::parse_snapshot_name("0000000.snapshot.lz4"));   // 7 digits
  CHECK_FALSE(layout::parse_snapshot_name("0000000A.snapshot.lz4"));  // upper case
  CHECK_FALSE(layout::parse_snapshot_name("00000000.snapshot.lz4.tmp"));
  CHECK_FALSE(layout::parse_snapshot_name("00000000.snapshot"));
  CHECK_FALSE(layout::parse_snapshot_name("ffffffffffffffff.snapshot.lz4"));   // does not fit int64
  CHECK_FALSE(layout::parse_snapshot_name("00000000000000000.snapshot.lz4"));  // 17 digits
}

TEST_CASE("WAL segment names parse back, including offsets past 4 GiB") {
  auto p = layout::parse_wal_segment_name("00000002_00004080.wal.lz4");
  REQUIRE(p);
  CHECK(p->index == 2);
  CHECK(p->offset == 0x4080);
  auto big = layout::parse_wal_segment_name(layout::wal_segment_name(1, 0x123456789LL));
  REQUIRE(big);
  CHECK(big->offset == 0x123456789LL);
  CHECK_FALSE(layout::parse_wal_segment_name("00000002.wal.lz4"));
  CHECK_FALSE(layout::parse_wal_segment_name("00000002_4080.wal.lz4"));
  CHECK_FALSE(layout::parse_wal_segment_name("00000002_00004080.wal"));
  CHECK_FALSE(layout::parse_wal_segment_name("00000002_0000408g.wal.lz4"));
  CHECK_FALSE(layout::parse_wal_segment_name("00000002-00004080.wal.lz4"));
}

TEST_CASE("paths join like Go's path.Join") {
  CHECK(layout::snapshot_path("/r", "1d2cf359803de756", 1) ==
        "/r/generations/1d2cf359803de756/snapshots/00000001.snapshot.lz4");
  CHECK(layout::wal_segment_path("", "1d2cf359803de756", 0, 0) ==
        "generations/1d2cf359803de756/wal/00000000_00000000.wal.lz4");
  CHECK(layout::generations_path("app/db/") == "app/db/generations");
  CHECK(layout::generations_path("/") == "/generations");
  CHECK_THROWS_AS(layout::generation_path("/r", "../../etc"), Error);
}

TEST_CASE("Pos::str is <generation>/<index %08x>:<offset decimal>") {
  CHECK(Pos{"1d2cf359803de756", 0, 16512}.str() == "1d2cf359803de756/00000000:16512");
  CHECK(Pos{"1d2cf359803de756", 0x1f, 0}.str() == "1d2cf359803de756/0000001f:0");
}
