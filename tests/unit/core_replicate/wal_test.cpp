// WAL format against WAL files written by the real SQLite library.
#include "core/wal.h"

#include <fcntl.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/file_io.h"
#include "core/wal_index.h"
#include "test_support.h"

using namespace hs::core;
using hs::test::AppDb;
using hs::test::TempDir;

namespace {

struct WalScan {
  wal::Header header;
  int frames = 0;
  int commits = 0;
  int64_t last_commit_end = 0;
  wal::FrameVerifier::Result stop = wal::FrameVerifier::Result::ok;
};

WalScan scan(const std::vector<uint8_t>& bytes) {
  WalScan s;
  s.header = wal::parse_header(bytes.data(), "test wal");
  wal::FrameVerifier v(s.header);
  int64_t fs = wal::frame_size(s.header.page_size);
  for (int64_t off = wal::kHeaderSize; off + fs <= int64_t(bytes.size()); off += fs) {
    auto r = v.check(bytes.data() + off);
    if (r != wal::FrameVerifier::Result::ok) {
      s.stop = r;
      break;
    }
    ++s.frames;
    if (wal::parse_frame_header(bytes.data() + off).is_commit()) {
      ++s.commits;
      s.last_commit_end = off + fs;
    }
  }
  return s;
}

}  // namespace

TEST_CASE("header and frames of a WAL written by sqlite verify", "[wal]") {
  TempDir dir;
  AppDb db(dir / "app.db");
  for (int i = 0; i < 5; ++i) db.insert(3);
  auto bytes = hs::test::read_file(dir / "app.db-wal");
  REQUIRE(bytes.size() > 32);
  WalScan s = scan(bytes);
  CHECK((s.header.magic == wal::kMagicLittleEndian || s.header.magic == wal::kMagicBigEndian));
  CHECK(s.header.version == wal::kFormatVersion);
  CHECK(s.header.page_size == uint32_t(db.scalar("PRAGMA page_size")));
  CHECK(s.stop == wal::FrameVerifier::Result::ok);
  // CREATE TABLE + 5 inserts: 6 transactions, every byte of the file is whole frames.
  CHECK(s.commits == 6);
  CHECK(s.last_commit_end == int64_t(bytes.size()));
  CHECK(wal::is_frame_aligned(int64_t(bytes.size()), s.header.page_size));
}

TEST_CASE("a flipped page byte fails the running checksum at that frame", "[wal]") {
  TempDir dir;
  AppDb db(dir / "app.db");
  for (int i = 0; i < 4; ++i) db.insert(1);
  auto bytes = hs::test::read_file(dir / "app.db-wal");
  WalScan good = scan(bytes);
  int64_t fs = wal::frame_size(good.header.page_size);
  // Corrupt the page of frame #2 (0-based): frames 0 and 1 still verify.
  bytes[wal::kHeaderSize + 2 * fs + wal::kFrameHeaderSize + 100] ^= 0x5a;
  WalScan bad = scan(bytes);
  CHECK(bad.frames == 2);
  CHECK(bad.stop == wal::FrameVerifier::Result::checksum_mismatch);
}

TEST_CASE("frames with other salts (an older WAL generation) are rejected", "[wal]") {
  TempDir dir;
  AppDb db(dir / "app.db");
  db.insert(1);
  auto bytes = hs::test::read_file(dir / "app.db-wal");
  wal::Header h = wal::parse_header(bytes.data(), "w");
  wal::write_be32(bytes.data() + wal::kHeaderSize + 8, h.salt1 + 1);
  wal::FrameVerifier v(h);
  CHECK(v.check(bytes.data() + wal::kHeaderSize) == wal::FrameVerifier::Result::salt_mismatch);
}

TEST_CASE("running checksum resumes from a stored frame checksum", "[wal]") {
  TempDir dir;
  AppDb db(dir / "app.db");
  for (int i = 0; i < 3; ++i) db.insert(2);
  auto bytes = hs::test::read_file(dir / "app.db-wal");
  wal::Header h = wal::parse_header(bytes.data(), "w");
  int64_t fs = wal::frame_size(h.page_size);
  auto first = wal::parse_frame_header(bytes.data() + wal::kHeaderSize);
  wal::FrameVerifier resumed(h, first.checksum);
  CHECK(resumed.check(bytes.data() + wal::kHeaderSize + fs) == wal::FrameVerifier::Result::ok);
  // Resuming from the wrong seed must fail: the chain is what makes a frame belong to this WAL.
  wal::FrameVerifier wrong(h, {first.checksum.s0 + 1, first.checksum.s1});
  CHECK(wrong.check(bytes.data() + wal::kHeaderSize + fs) == wal::FrameVerifier::Result::checksum_mismatch);
}

TEST_CASE("bad headers are rejected naming the field", "[wal]") {
  TempDir dir;
  AppDb db(dir / "app.db");
  db.insert(1);
  auto good = hs::test::read_file(dir / "app.db-wal");
  auto expect_error = [](std::vector<uint8_t> b, const std::string& needle) {
    try {
      wal::parse_header(b.data(), "x.db-wal");
      FAIL("no error");
    } catch (const CorruptError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
      CHECK(std::string(e.what()).find("x.db-wal") != std::string::npos);
    }
  };
  auto b = good;
  b[3] = 0x99;
  expect_error(b, "bad magic");
  b = good;
  wal::write_be32(b.data() + 4, 3007001);
  expect_error(b, "unsupported version");
  b = good;
  wal::write_be32(b.data() + 8, 1000);
  expect_error(b, "invalid page size");
  b = good;
  b[17] ^= 1;  // a salt byte: covered by the header checksum
  expect_error(b, "header checksum mismatch");
  wal::Header out;
  CHECK(wal::try_parse_header(good.data(), out));
  CHECK_FALSE(wal::try_parse_header(b.data(), out));
}

TEST_CASE("big-endian checksum headers verify", "[wal]") {
  uint8_t h[32] = {};
  wal::write_be32(h, wal::kMagicBigEndian);
  wal::write_be32(h + 4, wal::kFormatVersion);
  wal::write_be32(h + 8, 4096);
  wal::write_be32(h + 16, 0x11223344);
  wal::write_be32(h + 20, 0x55667788);
  auto c = wal::checksum(true, {}, h, 24);
  wal::write_be32(h + 24, c.s0);
  wal::write_be32(h + 28, c.s1);
  auto parsed = wal::parse_header(h, "be");
  CHECK(parsed.big_endian_checksums());
  // The same bytes summed little-endian differ: byte order is really honoured.
  CHECK(wal::checksum(false, {}, h, 24) != c);
}

TEST_CASE("frame arithmetic matches litestream's", "[wal]") {
  CHECK(wal::wal_size(4096, 4) == 16512);  // 0x4080 in the probe
  CHECK(wal::frame_align(16512, 4096) == 16512);
  CHECK(wal::frame_align(16512 + 4119, 4096) == 16512);
  CHECK(wal::frame_align(31, 4096) == 0);
  CHECK(wal::frame_align(32, 4096) == 32);
  CHECK(wal::is_frame_aligned(0, 4096));
  CHECK(wal::is_frame_aligned(32 + 4120 * 3, 4096));
  CHECK_FALSE(wal::is_frame_aligned(33, 4096));
}

TEST_CASE("the -shm's checkpoint counter follows SQLite's backfill and its WAL restart", "[wal]") {
  // The counter a snapshot relies on to prove no checkpoint backfilled past its position.
  TempDir dir;
  AppDb app(dir / "app.db");
  app.insert(10);
  // One descriptor for the whole test: closing one would drop this process's SQLite locks.
  const std::string shm = dir / "app.db-shm";
  hs::core::fileio::Fd fd = hs::core::fileio::open_file(shm, O_RDONLY);
  auto before = wal::read_checkpoint_info(fd.get(), shm);
  REQUIRE(before);
  CHECK(before->backfill == 0);
  AppDb reader(dir / "app.db");
  reader.exec("BEGIN");
  CHECK(reader.scalar("SELECT count(*) FROM t") == 10);
  app.insert(10);
  app.exec("PRAGMA wal_checkpoint(PASSIVE)");  // backfills up to the reader's snapshot only
  auto partial = wal::read_checkpoint_info(fd.get(), shm);
  REQUIRE(partial);
  CHECK(partial->backfill > 0);
  auto idx = wal::read_index_header(fd.get(), shm);
  REQUIRE(idx);
  CHECK(partial->salt1 == idx->salt1);  // the same byte order as the index header's and the WAL's
  CHECK(partial->salt2 == idx->salt2);
  CHECK(partial->backfill < idx->max_frame);
  reader.exec("COMMIT");
  app.exec("PRAGMA wal_checkpoint(PASSIVE)");
  auto full = wal::read_checkpoint_info(fd.get(), shm);
  REQUIRE(full);
  CHECK(full->backfill > partial->backfill);
  CHECK(full->salt1 == partial->salt1);
  app.insert(1);  // everything backfilled: this write restarts the WAL
  auto restarted = wal::read_checkpoint_info(fd.get(), shm);
  REQUIRE(restarted);
  CHECK(restarted->backfill == 0);
  CHECK_FALSE(*restarted == *full);
  CHECK_FALSE(wal::read_checkpoint_info(-1, "closed"));
}
