// The ReplicaClient contract (core/replica_client.h), run against the client HS_REPLICA_CLIENT names:
// ctest runs it for the file client (unit lane) and for the S3 client against Swift (e2e, s3). Every
// case here must hold for every client; what only one client does lives in <client>_client_test.cpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <optional>
#include <thread>

#include "client_under_test.h"
#include "core/error.h"
#include "core/layout.h"

using namespace hs;
using hs::test::read_all;
using hs::test::StringReader;

namespace {

const std::string g1 = "0123456789abcdef", g2 = "fedcba9876543210";

}  // namespace

TEST_CASE("an empty replica lists nothing and missing objects are NotFoundError", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  CHECK(c.type() == t->type());
  CHECK(c.generations().empty());
  CHECK(c.snapshots(g1).empty());
  CHECK(c.wal_segments(g1).empty());
  CHECK_THROWS_AS(c.open_snapshot(g1, 0), core::NotFoundError);
  CHECK_THROWS_AS(c.open_wal_segment(core::Pos{g1, 0, 0}), core::NotFoundError);
}

TEST_CASE("snapshots, WAL segments and generations round-trip unchanged", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  StringReader snap("snapshot-bytes");
  auto si = c.write_snapshot(g1, 2, snap);
  CHECK(si.generation == g1);
  CHECK(si.index == 2);
  CHECK(si.size == t->stored_size(14));
  StringReader snap2("second");
  c.write_snapshot(g2, 0x1f, snap2);
  for (int64_t off : {0, 4152, 8304}) {
    StringReader seg("wal@" + std::to_string(off));
    auto wi = c.write_wal_segment({g1, 2, off}, seg);
    CHECK(wi.offset == off);
    CHECK(wi.size == t->stored_size(("wal@" + std::to_string(off)).size()));
  }
  StringReader seg1("wal index 1");
  c.write_wal_segment({g1, 1, 0}, seg1);

  CHECK(c.generations() == std::vector<std::string>{g1, g2});
  auto snaps = c.snapshots(g2);
  REQUIRE(snaps.size() == 1);
  CHECK(snaps[0].generation == g2);
  CHECK(snaps[0].index == 0x1f);
  CHECK(snaps[0].size == t->stored_size(6));
  // created_at drives -timestamp and retention: the write time (file mtime, S3 LastModified).
  CHECK(std::chrono::abs(snaps[0].created_at - core::Clock::now()) < std::chrono::minutes(5));

  auto segs = c.wal_segments(g1);
  REQUIRE(segs.size() == 4);
  CHECK(segs[0].pos() == core::Pos{g1, 1, 0});
  CHECK(segs[1].pos() == core::Pos{g1, 2, 0});
  CHECK(segs[2].pos() == core::Pos{g1, 2, 4152});
  CHECK(segs[3].pos() == core::Pos{g1, 2, 8304});
  CHECK(segs[3].size == t->stored_size(8));
  CHECK(std::chrono::abs(segs[3].created_at - core::Clock::now()) < std::chrono::minutes(5));

  CHECK(read_all(*c.open_snapshot(g1, 2)) == "snapshot-bytes");
  CHECK(read_all(*c.open_wal_segment({g1, 2, 4152})) == "wal@4152");
}

TEST_CASE("writing the same snapshot index again replaces it", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  StringReader a("first version"), b("second");
  c.write_snapshot(g1, 0, a);
  c.write_snapshot(g1, 0, b);
  auto snaps = c.snapshots(g1);
  REQUIRE(snaps.size() == 1);
  CHECK(snaps[0].size == t->stored_size(6));
  CHECK(read_all(*c.open_snapshot(g1, 0)) == "second");
}

TEST_CASE("objects live under litestream's keys; listings sort numerically and skip foreign names", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  for (int64_t idx : {0x10, 0x2, 0x1}) {
    StringReader r("x");
    c.write_wal_segment({g1, idx, 0}, r);
  }
  StringReader big("y");
  c.write_wal_segment({g1, 1, 0x100000000LL}, big);  // an offset of nine hex digits
  // Another tool's objects under litestream's own names are read (format compatibility) ...
  t->put_raw("generations/" + g1 + "/snapshots/0000001a.snapshot.lz4", "theirs");
  t->put_raw("generations/" + g1 + "/wal/0000001a_00001038.wal.lz4", "their wal");
  // ... and names that are not litestream's are ignored, as litestream does.
  t->put_raw("generations/" + g1 + "/wal/readme.txt", "x");
  t->put_raw("generations/" + g1 + "/wal/00000003_00000000.wal.lz4.tmp", "partial");
  t->put_raw("generations/not-a-generation/snapshots/00000000.snapshot.lz4", "x");
  t->put_raw("generations/1D2CF359803DE756/snapshots/00000000.snapshot.lz4", "x");  // upper case

  CHECK(c.generations() == std::vector<std::string>{g1});
  auto snaps = c.snapshots(g1);
  REQUIRE(snaps.size() == 1);
  CHECK(snaps[0].index == 0x1a);
  CHECK(read_all(*c.open_snapshot(g1, 0x1a)) == "theirs");
  auto segs = c.wal_segments(g1);
  REQUIRE(segs.size() == 5);
  CHECK(segs[0].pos() == core::Pos{g1, 1, 0});
  CHECK(segs[1].pos() == core::Pos{g1, 1, 0x100000000LL});
  CHECK(segs[2].pos() == core::Pos{g1, 2, 0});
  CHECK(segs[3].pos() == core::Pos{g1, 0x10, 0});
  CHECK(segs[4].pos() == core::Pos{g1, 0x1a, 0x1038});
  CHECK(read_all(*c.open_wal_segment({g1, 0x1a, 0x1038})) == "their wal");
}

TEST_CASE("deletes are idempotent and remove only what was asked", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  for (int64_t off : {0, 100, 200}) {
    StringReader r("z");
    c.write_wal_segment({g1, 0, off}, r);
  }
  StringReader s0("s0"), s1("s1"), other("other");
  c.write_snapshot(g1, 0, s0);
  c.write_snapshot(g1, 1, s1);
  c.write_snapshot(g2, 0, other);
  // A missing position is not an error.
  c.delete_wal_segments({core::Pos{g1, 0, 0}, core::Pos{g1, 0, 100}, core::Pos{g1, 7, 0}});
  auto segs = c.wal_segments(g1);
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].offset == 200);
  c.delete_wal_segments({});
  c.delete_snapshot(g1, 0);
  c.delete_snapshot(g1, 0);
  REQUIRE(c.snapshots(g1).size() == 1);
  CHECK(c.snapshots(g1)[0].index == 1);
  CHECK_THROWS_AS(c.open_snapshot(g1, 0), core::NotFoundError);
  c.delete_generation(g1);
  c.delete_generation(g1);
  CHECK(c.generations() == std::vector<std::string>{g2});
  CHECK(c.snapshots(g1).empty());
  CHECK(c.wal_segments(g1).empty());
  CHECK(read_all(*c.open_snapshot(g2, 0)) == "other");
}

TEST_CASE("a source that fails mid-stream leaves no object behind", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  struct Failing : core::Reader {
    int calls = 0;
    size_t read(void* buf, size_t n) override {
      if (calls++ == 0) {
        size_t k = std::min<size_t>(n, 10);
        std::memset(buf, 'a', k);
        return k;
      }
      throw core::Error("source broke");
    }
  };
  Failing f1, f2;
  CHECK_THROWS_WITH(c.write_snapshot(g1, 0, f1), Catch::Contains("source broke"));
  CHECK_THROWS_WITH(c.write_wal_segment({g1, 0, 0}, f2), Catch::Contains("source broke"));
  CHECK(c.snapshots(g1).empty());
  CHECK(c.wal_segments(g1).empty());
}

TEST_CASE("a few MiB stream both ways in short reads", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  const std::string data = test::random_bytes((6 << 20) + 12345, 7);  // above S3's 5 MiB part size
  StringReader in(data, 100 * 1000);
  CHECK(c.write_snapshot(g1, 3, in).size == t->stored_size(data.size()));
  CHECK(c.snapshots(g1).at(0).size == t->stored_size(data.size()));
  std::string back = read_all(*c.open_snapshot(g1, 3), 1000);
  CHECK(back.size() == data.size());
  CHECK(back == data);
}

TEST_CASE("concurrent writers: every segment lands and lists once", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  std::atomic<int> next{0}, failures{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&] {
      for (int i; (i = next++) < 120;) {
        try {
          StringReader s("seg " + std::to_string(i));
          c.write_wal_segment({g2, i / 4, (i % 4) * 4152}, s);
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  for (auto& w : workers) w.join();
  REQUIRE(failures == 0);
  auto segs = c.wal_segments(g2);
  REQUIRE(segs.size() == 120);
  for (size_t i = 1; i < segs.size(); ++i) CHECK(segs[i - 1].pos() < segs[i].pos());
  CHECK(read_all(*c.open_wal_segment({g2, 29, 3 * 4152})) == "seg 119");
}

TEST_CASE("the lease object: missing, replaced whole, deleted idempotently, never in a listing", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  CHECK_FALSE(c.read_lease());
  c.delete_lease();  // missing is not an error
  c.write_lease("{\"owner\":\"a\"}\n");
  CHECK(c.read_lease() == std::optional<std::string>("{\"owner\":\"a\"}\n"));
  c.write_lease("b");
  CHECK(c.read_lease() == std::optional<std::string>("b"));
  // Beside generations/, not in it: no generation appears, and generations still list alone.
  CHECK(c.generations().empty());
  StringReader s("snap");
  c.write_snapshot(g1, 0, s);
  CHECK(c.generations() == std::vector<std::string>{g1});
  c.delete_generation(g1);
  CHECK(c.read_lease() == std::optional<std::string>("b"));
  c.delete_lease();
  c.delete_lease();
  CHECK_FALSE(c.read_lease());
}

TEST_CASE("two writers of the lease at once: a reader sees one body whole, never a mix", "[contract]") {
  auto t = test::make_client_under_test();
  auto& c = t->client();
  const std::string a(300, 'a'), b(200, 'b');
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (const std::string* body : {&a, &b})
    writers.emplace_back([&, body] {
      for (int i = 0; i < 25; ++i) {
        try {
          c.write_lease(*body);
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  std::thread reader([&] {
    while (!done) {
      auto got = c.read_lease();
      if (got && *got != a && *got != b) ++failures;
    }
  });
  for (auto& w : writers) w.join();
  done = true;
  reader.join();
  CHECK(failures == 0);
  auto last = c.read_lease();
  REQUIRE(last);
  CHECK((*last == a || *last == b));
}
