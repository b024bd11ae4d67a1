// The S3 ReplicaClient against a real S3 server (Swift + s3api started by run_contract.py):
// every ReplicaClient operation, pagination, >1000-key deletes, multipart, streaming, errors,
// addressing styles and retries across a proxy restart.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "core/error.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_http.h"

using hs::storage::S3Options;
using hs::storage::S3ReplicaClient;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) FAIL(std::string("missing env ") + name + " (run through run_contract.py)");
  return v;
}

std::string unique_path(const char* what) {
  static std::atomic<int> n{0};
  std::random_device rd;
  return std::string("contract/") + what + "-" + std::to_string(rd()) + "-" + std::to_string(n++);
}

S3Options server_options(const char* what) {
  S3Options o;
  o.endpoint = env("HS_S3_ENDPOINT");
  o.bucket = env("HS_S3_BUCKET");
  o.region = env("HS_S3_REGION");
  o.access_key_id = env("HS_S3_ACCESS_KEY_ID");
  o.secret_access_key = env("HS_S3_SECRET_ACCESS_KEY");
  o.force_path_style = true;
  o.path = unique_path(what);
  o.retry.initial_backoff = std::chrono::milliseconds(50);
  return o;
}

struct StringReader : hs::core::Reader {
  std::string data;
  size_t pos = 0;
  size_t max_chunk;
  explicit StringReader(std::string d, size_t chunk = 1 << 20) : data(std::move(d)), max_chunk(chunk) {}
  size_t read(void* buf, size_t n) override {
    size_t k = std::min({n, data.size() - pos, max_chunk});
    std::copy_n(data.data() + pos, k, static_cast<char*>(buf));
    pos += k;
    return k;
  }
};

std::string read_all(hs::core::Reader& r, size_t chunk = 64 * 1024) {
  std::string out, buf(chunk, '\0');
  while (size_t n = r.read(buf.data(), buf.size())) out.append(buf.data(), n);
  return out;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

const std::string gen_a = "0123456789abcdef";
const std::string gen_b = "fedcba9876543210";

int run_s3server(const std::string& cmd) {
  std::string line = "python3 \"" + env("HS_SOURCE_DIR") + "/tests/support/s3server.py\" " + cmd + " \"" +
                     env("HS_S3_DIR") + "\"";
  return std::system(line.c_str());
}

}  // namespace

TEST_CASE("snapshots, WAL segments and generations round-trip") {
  S3ReplicaClient c(server_options("roundtrip"));
  CHECK(c.generations().empty());
  CHECK(c.snapshots(gen_a).empty());
  CHECK(c.wal_segments(gen_a).empty());

  StringReader snap("snapshot-bytes");
  auto info = c.write_snapshot(gen_a, 0, snap);
  CHECK(info.size == 14);
  StringReader snap2("second");
  c.write_snapshot(gen_b, 0x1f, snap2);
  for (int64_t off : {0, 4152, 8304}) {
    StringReader seg("wal@" + std::to_string(off));
    c.write_wal_segment({gen_a, 2, off}, seg);
  }
  StringReader seg1("wal index 1");
  c.write_wal_segment({gen_a, 1, 0}, seg1);
  // Objects that are not Litestream names are ignored, as litestream does.
  StringReader junk("x");
  c.put(c.options().path + "/generations/not-a-generation/snapshots/00000000.snapshot.lz4", junk);
  StringReader junk2("x");
  c.put(c.options().path + "/generations/" + gen_a + "/wal/readme.txt", junk2);

  CHECK(c.generations() == std::vector<std::string>{gen_a, gen_b});
  auto snaps = c.snapshots(gen_b);
  REQUIRE(snaps.size() == 1);
  CHECK(snaps[0].index == 0x1f);
  CHECK(snaps[0].size == 6);
  CHECK(std::chrono::abs(snaps[0].created_at - hs::core::Clock::now()) < std::chrono::minutes(5));

  auto segs = c.wal_segments(gen_a);
  REQUIRE(segs.size() == 4);
  CHECK(segs[0].pos() == hs::core::Pos{gen_a, 1, 0});
  CHECK(segs[1].pos() == hs::core::Pos{gen_a, 2, 0});
  CHECK(segs[3].pos() == hs::core::Pos{gen_a, 2, 8304});

  auto r = c.open_snapshot(gen_a, 0);
  CHECK(read_all(*r) == "snapshot-bytes");
  auto w = c.open_wal_segment({gen_a, 2, 4152});
  CHECK(read_all(*w) == "wal@4152");

  c.delete_wal_segments({{gen_a, 2, 0}, {gen_a, 2, 4152}, {gen_a, 9, 0} /* missing: not an error */});
  segs = c.wal_segments(gen_a);
  REQUIRE(segs.size() == 2);
  CHECK(segs[1].offset == 8304);
  c.delete_snapshot(gen_a, 0);
  CHECK(c.snapshots(gen_a).empty());
  CHECK_THROWS_AS(c.open_snapshot(gen_a, 0), hs::core::NotFoundError);
  CHECK_THROWS_AS(c.open_wal_segment({gen_a, 2, 0}), hs::core::NotFoundError);

  c.delete_generation(gen_b);
  c.delete_generation(gen_a);
  // Like litestream, a generation's delete removes everything under its prefix.
  CHECK(c.list(c.options().path + "/generations/" + gen_a + "/", "").empty());
  CHECK(c.generations().empty());
}

TEST_CASE("keys are exactly litestream's") {
  auto o = server_options("keys");
  S3ReplicaClient c(o);
  StringReader a("a"), b("b");
  c.write_snapshot(gen_a, 0x1a, a);
  c.write_wal_segment({gen_a, 0x1a, 0x1038}, b);
  auto objs = c.list(o.path + "/", "");
  REQUIRE(objs.size() == 2);
  CHECK(objs[0].key == o.path + "/generations/" + gen_a + "/snapshots/0000001a.snapshot.lz4");
  CHECK(objs[1].key == o.path + "/generations/" + gen_a + "/wal/0000001a_00001038.wal.lz4");
  c.delete_generation(gen_a);
}

TEST_CASE("listings follow pages (small max-keys) and more than 1000 keys are deleted in batches") {
  auto o = server_options("pages");
  o.max_keys = 7;
  S3ReplicaClient c(o);
  std::vector<std::string> gens;
  for (int g = 0; g < 12; ++g) {
    char name[17];
    std::snprintf(name, sizeof name, "%016x", 0x100 + g);
    gens.push_back(name);
    StringReader s("s");
    c.write_snapshot(name, 0, s);
  }
  CHECK(c.generations() == gens);
  for (int i = 0; i < 30; ++i) {
    StringReader s("w");
    c.write_wal_segment({gens[0], i / 3, (i % 3) * 4152}, s);
  }
  auto segs = c.wal_segments(gens[0]);
  REQUIRE(segs.size() == 30);
  for (size_t i = 1; i < segs.size(); ++i) CHECK(segs[i - 1].pos() < segs[i].pos());

  // 1010 segments in one generation: default page size (1000) needs two pages, and the
  // generation delete needs two DeleteObjects batches.
  auto big = server_options("thousand");
  S3ReplicaClient b(big);
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    workers.emplace_back([&] {
      for (int i; (i = next++) < 1010;) {
        try {
          StringReader s("x");
          b.write_wal_segment({gen_b, i, 0}, s);
        } catch (const std::exception& e) {
          ++failures;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  REQUIRE(failures == 0);
  CHECK(b.wal_segments(gen_b).size() == 1010);
  b.delete_generation(gen_b);
  CHECK(b.wal_segments(gen_b).empty());
  for (const auto& g : gens) c.delete_generation(g);
}

TEST_CASE("large snapshots go up in parts and stream back in small reads") {
  auto o = server_options("multipart");
  std::map<std::string, std::pair<int, int64_t>> ops;  // op -> (count, bytes)
  std::mutex ops_mu;
  o.on_operation = [&](std::string_view op, int64_t bytes) {
    std::lock_guard<std::mutex> lock(ops_mu);
    ops[std::string(op)].first++;
    ops[std::string(op)].second += bytes;
  };
  S3ReplicaClient c(o);
  const std::string data = random_bytes(o.part_size * 2 + 12345, 7);
  StringReader in(data, 100 * 1000);  // a reader that returns short chunks
  auto info = c.write_snapshot(gen_a, 3, in);
  CHECK(info.size == static_cast<int64_t>(data.size()));
  CHECK(c.snapshots(gen_a).at(0).size == static_cast<int64_t>(data.size()));
  auto r = c.open_snapshot(gen_a, 3);
  std::string back = read_all(*r, 1000);
  CHECK(back.size() == data.size());
  CHECK(hs::storage::sha256_hex(back) == hs::storage::sha256_hex(data));
  CHECK(ops["PUT"].first == 3);  // three parts
  CHECK(ops["PUT"].second == static_cast<int64_t>(data.size()));
  CHECK(ops["GET"].first == 1);
  CHECK(ops["GET"].second == static_cast<int64_t>(data.size()));
  CHECK(ops["LIST"].first == 1);

  // Exactly one part's worth is a single PUT (no empty trailing part).
  const std::string exact = random_bytes(o.part_size, 8);
  StringReader in2(exact);
  c.write_snapshot(gen_a, 4, in2);
  auto r2 = c.open_snapshot(gen_a, 4);
  CHECK(read_all(*r2) == exact);
  c.delete_generation(gen_a);
}

TEST_CASE("virtual-hosted addressing (<bucket>.localhost) works too") {
  auto o = server_options("vhost");
  o.force_path_style = false;
  o.endpoint = "http://localhost:" + env("HS_S3_PORT");
  S3ReplicaClient c(o);
  StringReader s("vhost");
  c.write_snapshot(gen_a, 0, s);
  auto r = c.open_snapshot(gen_a, 0);
  CHECK(read_all(*r) == "vhost");
  CHECK(c.generations() == std::vector<std::string>{gen_a});
  c.delete_generation(gen_a);
}

TEST_CASE("errors carry S3's code and message and never the secret") {
  auto o = server_options("errors");
  o.secret_access_key = "wrong-secret-value";
  S3ReplicaClient c(o);
  StringReader s("x");
  try {
    c.write_snapshot(gen_a, 0, s);
    FAIL("PUT with a wrong secret succeeded");
  } catch (const hs::storage::S3Error& e) {
    std::string msg = e.what();
    INFO(msg);
    CHECK(e.status == 403);
    CHECK(e.code == "SignatureDoesNotMatch");
    CHECK(msg.rfind("S3 PUT " + o.bucket + "/" + o.path + "/generations/" + gen_a +
                        "/snapshots/00000000.snapshot.lz4: 403 SignatureDoesNotMatch: ", 0) == 0);
    CHECK(msg.find("wrong-secret-value") == std::string::npos);
  }
  auto missing = server_options("errors");
  missing.bucket = "no-such-bucket-here";
  S3ReplicaClient m(missing);
  try {
    m.generations();
    FAIL("listing a missing bucket succeeded");
  } catch (const hs::core::Error& e) {
    CHECK(std::string(e.what()).find("NoSuchBucket") != std::string::npos);
  }
}

TEST_CASE("S3 down: bounded retries fail clearly; a restart within the retry budget is invisible") {
  auto o = server_options("outage");
  o.retry.max_attempts = 2;
  o.retry.initial_backoff = std::chrono::milliseconds(10);
  S3ReplicaClient quick(o);
  StringReader before("before");
  quick.write_snapshot(gen_a, 0, before);

  REQUIRE(run_s3server("stop-proxy") == 0);
  StringReader s("x");
  try {
    quick.write_snapshot(gen_a, 1, s);
    FAIL("PUT succeeded with the S3 server down");
  } catch (const hs::core::Error& e) {
    std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("S3 PUT " + o.bucket + "/") == 0);
    CHECK(msg.find("after 2 attempts") != std::string::npos);
  }

  auto patient_opts = o;
  patient_opts.retry.max_attempts = 8;
  patient_opts.retry.initial_backoff = std::chrono::milliseconds(500);
  std::vector<std::string> retries;
  patient_opts.on_retry = [&](std::string_view why) { retries.emplace_back(why); };
  S3ReplicaClient patient(patient_opts);
  std::thread restarter([] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    run_s3server("start-proxy");
  });
  StringReader after("after");
  CHECK_NOTHROW(patient.write_snapshot(gen_a, 2, after));
  restarter.join();
  CHECK(!retries.empty());
  auto r = patient.open_snapshot(gen_a, 0);
  CHECK(read_all(*r) == "before");
  auto r2 = patient.open_snapshot(gen_a, 2);
  CHECK(read_all(*r2) == "after");
  patient.delete_generation(gen_a);
}
