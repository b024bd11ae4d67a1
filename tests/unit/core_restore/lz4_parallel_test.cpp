// lz4_decode_to_file (restore's snapshot decoder, blocks on several threads): the same bytes as
// liblz4's frame reader for every kind of frame, and the same refusals.
#include "core/lz4_parallel.h"

#include <catch2/catch.hpp>
#include <lz4frame.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "core/error.h"
#include "core/lz4_frame.h"
#include "replica_fixture.h"

using namespace hs::core;
using fixture::TrickleReader;

namespace {

std::string sample(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  // Alternating random and repetitive 64 KiB runs: some blocks compress, some are stored raw.
  for (size_t i = 0; i < n; i++) s[i] = (i / 65536) % 2 ? static_cast<char>(rng()) : static_cast<char>('a' + i % 7);
  return s;
}

std::string frame_with(const std::string& data, LZ4F_blockSizeID_t bsize, LZ4F_blockMode_t mode, bool block_check,
                       bool content_check, bool content_size) {
  LZ4F_preferences_t p{};
  p.frameInfo.blockSizeID = bsize;
  p.frameInfo.blockMode = mode;
  p.frameInfo.blockChecksumFlag = block_check ? LZ4F_blockChecksumEnabled : LZ4F_noBlockChecksum;
  p.frameInfo.contentChecksumFlag = content_check ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
  p.frameInfo.contentSize = content_size ? data.size() : 0;
  std::string frame(LZ4F_compressFrameBound(data.size(), &p), '\0');
  size_t k = LZ4F_compressFrame(frame.data(), frame.size(), data.data(), data.size(), &p);
  REQUIRE_FALSE(LZ4F_isError(k));
  frame.resize(k);
  return frame;
}

// Decodes `frame` into a memfd; returns the file's bytes.
std::string decode(const std::string& frame, size_t workers, size_t step = 1 << 20) {
  int fd = ::memfd_create("lz4_parallel_test", 0);
  REQUIRE(fd >= 0);
  TrickleReader src(frame, step);
  DecodedFile got;
  try {
    got = lz4_decode_to_file(src, "gen/snapshots/00000000.snapshot.lz4", fd, "memfd", workers);
  } catch (...) {
    ::close(fd);
    throw;
  }
  std::string out(static_cast<size_t>(got.size), '\0');
  REQUIRE(::pread(fd, out.data(), out.size(), 0) == static_cast<ssize_t>(out.size()));
  ::close(fd);
  CHECK(got.head == out.substr(0, 100));
  return out;
}

}  // namespace

TEST_CASE("parallel decode matches the input for every block size and flag combination") {
  const std::string data = sample((4 << 20) + 12345, 11);  // more than one 4 MiB block
  for (auto bsize : {LZ4F_max64KB, LZ4F_max256KB, LZ4F_max1MB, LZ4F_max4MB})
    for (bool block_check : {false, true})
      for (bool content_check : {false, true})
        for (bool content_size : {false, true}) {
          std::string frame = frame_with(data, bsize, LZ4F_blockIndependent, block_check, content_check, content_size);
          // Three workers (more workers than free buffers minus one) once per block size is enough.
          for (size_t workers : {size_t(1), size_t(2), size_t(block_check && content_check && content_size ? 3 : 2)}) {
            INFO("bsize " << bsize << " bchk " << block_check << " cchk " << content_check << " csize " << content_size
                          << " workers " << workers);
            CHECK(decode(frame, workers) == data);
          }
        }
}

TEST_CASE("litestream-style frames, empty content, short reads, concatenated and linked frames") {
  const std::string data = sample(3 << 20, 5);
  CHECK(decode(lz4_compress(data), 2, 777) == data);  // FLG 0x64 BD 0x70, 256 KiB blocks
  CHECK(decode(lz4_compress(""), 2).empty());
  std::string linked = frame_with(data, LZ4F_max64KB, LZ4F_blockLinked, true, true, false);
  CHECK(decode(linked, 2) == data);  // handed to liblz4
  CHECK(decode(lz4_compress(data) + linked + lz4_compress("tail"), 2) == data + data + "tail");
  CHECK(decode(linked + lz4_compress(data), 2) == data + data);
}

TEST_CASE("damaged, truncated, empty or trailing-garbage input is a CorruptError naming the object") {
  const std::string data = sample(5 << 20, 9);
  for (const std::string& frame :
       {lz4_compress(data), frame_with(data, LZ4F_max4MB, LZ4F_blockIndependent, true, true, true)}) {
    for (size_t pos : {size_t(4), size_t(5), size_t(6), frame.size() / 3, frame.size() / 2, frame.size() - 2}) {
      std::string bad = frame;
      bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
      INFO("flipped byte " << pos << " of " << frame.size());
      CHECK_THROWS_WITH(decode(bad, 2), Catch::Contains("00000000.snapshot.lz4"));
      CHECK_THROWS_AS(decode(bad, 2), CorruptError);
    }
    for (size_t len : {size_t(3), size_t(7), frame.size() / 2, frame.size() - 4, frame.size() - 1})
      CHECK_THROWS_AS(decode(frame.substr(0, len), 2), CorruptError);
    CHECK_THROWS_AS(decode(frame + "garbage!", 2), CorruptError);
    CHECK_THROWS_AS(decode(frame + "ga", 2), CorruptError);
  }
  CHECK_THROWS_WITH(decode("", 2), Catch::Contains("empty object"));
}
