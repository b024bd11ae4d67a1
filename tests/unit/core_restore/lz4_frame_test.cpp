#include <catch2/catch.hpp>

#include <lz4frame.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "core/error.h"
#include "core/lz4_frame.h"
#include "replica_fixture.h"

using namespace hs::core;
using fixture::TrickleReader;

namespace {

std::string sample(size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  // Half random, half repetitive, so blocks both compress and do not.
  for (size_t i = 0; i < n; i++) s[i] = (i / 4096) % 2 ? static_cast<char>(rng()) : static_cast<char>('a' + i % 7);
  return s;
}

}  // namespace

TEST_CASE("compressed frames carry Litestream's header: magic, FLG 0x64, BD 0x70") {
  std::string frame = lz4_compress(sample(10000));
  REQUIRE(frame.size() > 7);
  CHECK(static_cast<unsigned char>(frame[0]) == 0x04);
  CHECK(static_cast<unsigned char>(frame[1]) == 0x22);
  CHECK(static_cast<unsigned char>(frame[2]) == 0x4d);
  CHECK(static_cast<unsigned char>(frame[3]) == 0x18);
  CHECK(static_cast<unsigned char>(frame[4]) == 0x64);
  CHECK(static_cast<unsigned char>(frame[5]) == 0x70);
}

TEST_CASE("round trip of empty, small and multi-block data, with short reads") {
  for (size_t n : {size_t(0), size_t(1), size_t(4096), size_t(1000003)}) {
    std::string data = sample(n, static_cast<unsigned>(n));
    TrickleReader src(data, 777);
    Lz4CompressReader z(src, 64 * 1024);
    std::string frame = read_all(z);
    CHECK(z.bytes_in() == n);
    TrickleReader fsrc(frame, 333);
    Lz4DecompressReader d(fsrc, "test");
    CHECK(read_all(d) == data);
  }
}

TEST_CASE("frames written by liblz4 with other settings decompress (linked 64 KiB blocks, no checksum)") {
  std::string data = sample(300000, 7);
  LZ4F_preferences_t p{};
  p.frameInfo.blockSizeID = LZ4F_max64KB;
  p.frameInfo.blockMode = LZ4F_blockLinked;
  p.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  p.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
  std::string frame(LZ4F_compressFrameBound(data.size(), &p), '\0');
  size_t k = LZ4F_compressFrame(frame.data(), frame.size(), data.data(), data.size(), &p);
  REQUIRE_FALSE(LZ4F_isError(k));
  frame.resize(k);
  CHECK(lz4_decompress(frame, "other") == data);
  // Two concatenated frames are one stream, as the LZ4 frame format allows.
  CHECK(lz4_decompress(frame + frame, "twice") == data + data);
}

TEST_CASE("a flipped byte anywhere in the frame is a CorruptError naming the object") {
  std::string data = sample(200000, 3);
  std::string frame = lz4_compress(data);
  for (size_t pos : {size_t(0), size_t(4), size_t(6), frame.size() / 2, frame.size() - 2}) {
    std::string bad = frame;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x20);
    try {
      std::string out = lz4_decompress(bad, "gen/wal/00000000_00000000.wal.lz4");
      FAIL("corruption at byte " << pos << " was not detected (got " << out.size() << " bytes)");
    } catch (const CorruptError& e) {
      CHECK(std::string(e.what()).find("gen/wal/00000000_00000000.wal.lz4") != std::string::npos);
    }
  }
}

TEST_CASE("a truncated frame is a CorruptError, never shorter data") {
  std::string frame = lz4_compress(sample(200000, 5));
  for (size_t len : {size_t(3), size_t(7), frame.size() / 3, frame.size() - 4, frame.size() - 1}) {
    CHECK_THROWS_AS(lz4_decompress(frame.substr(0, len), "t"), CorruptError);
  }
  CHECK_THROWS_AS(lz4_decompress("", "empty"), CorruptError);
  CHECK_THROWS_WITH(lz4_decompress(frame.substr(0, frame.size() - 1), "obj"), Catch::Contains("truncated"));
}

TEST_CASE("garbage after a complete frame is rejected") {
  std::string frame = lz4_compress(sample(1000, 9));
  CHECK_THROWS_AS(lz4_decompress(frame + "garbage!", "t"), CorruptError);
}
