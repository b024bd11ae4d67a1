// What only the S3 client does (beyond contract_test.cpp), against the real S3 server (Swift +
// s3api) that tests/e2e/s3/run_contract.py starts: exact keys, pagination, >1000-key deletes,
// multipart uploads, virtual-hosted addressing, S3 errors, retries across a proxy restart.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "client_under_test.h"
#include "core/error.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_http.h"

using hs::storage::S3Options;
using hs::storage::S3ReplicaClient;
using hs::test::random_bytes;
using hs::test::read_all;
using hs::test::require_env;
using hs::test::StringReader;

namespace {

std::string unique_path(const char* what) {
  static std::atomic<int> n{0};
  std::random_device rd;
  return std::string("contract/") + what + "-" + std::to_string(rd()) + "-" + std::to_string(n++);
}

S3Options server_options(const char* what) {
  S3Options o;
  o.endpoint = require_env("HS_S3_ENDPOINT");
  o.bucket = require_env("HS_S3_BUCKET");
  o.region = require_env("HS_S3_REGION");
  o.access_key_id = require_env("HS_S3_ACCESS_KEY_ID");
  o.secret_access_key = require_env("HS_S3_SECRET_ACCESS_KEY");
  o.force_path_style = true;
  o.path = unique_path(what);
  o.retry.initial_backoff = std::chrono::milliseconds(50);
  return o;
}

const std::string gen_a = "0123456789abcdef";
const std::string gen_b = "fedcba9876543210";

int run_s3server(const std::string& cmd) {
  std::string line = "python3 \"" + require_env("HS_SOURCE_DIR") + "/tests/support/s3server.py\" " + cmd + " \"" +
                     require_env("HS_S3_DIR") + "\"";
  return std::system(line.c_str());
}

}  // namespace

TEST_CASE("s3: keys are exactly litestream's", "[s3]") {
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

TEST_CASE("s3: listings follow pages (small max-keys) and more than 1000 keys are deleted in batches", "[s3]") {
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

TEST_CASE("s3: large snapshots go up in parts and stream back in small reads", "[s3]") {
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

TEST_CASE("s3: virtual-hosted addressing (<bucket>.localhost) works too", "[s3]") {
  auto o = server_options("vhost");
  o.force_path_style = false;
  o.endpoint = "http://localhost:" + require_env("HS_S3_PORT");
  S3ReplicaClient c(o);
  StringReader s("vhost");
  c.write_snapshot(gen_a, 0, s);
  auto r = c.open_snapshot(gen_a, 0);
  CHECK(read_all(*r) == "vhost");
  CHECK(c.generations() == std::vector<std::string>{gen_a});
  c.delete_generation(gen_a);
}

TEST_CASE("s3: errors carry S3's code and message and never the secret", "[s3]") {
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
                        "/snapshots/00000000.snapshot.lz4: 403 SignatureDoesNotMatch: ",
                    0) == 0);
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

TEST_CASE("s3: S3 down: bounded retries fail clearly; a restart within the retry budget is invisible", "[s3]") {
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

TEST_CASE("s3: retention's listing of the segments below an index stops at the first page that reaches it", "[s3]") {
  auto o = server_options("below");
  o.max_keys = 7;
  std::atomic<int> lists{0};
  o.on_request = [&](std::string_view kind) { lists += kind == "LIST"; };
  S3ReplicaClient c(o);
  for (int i = 0; i < 30; ++i) {
    StringReader s("w");
    c.write_wal_segment({gen_a, i / 3, (i % 3) * 4152}, s);
  }
  lists = 0;
  auto below = c.wal_segments_below(gen_a, 2);
  REQUIRE(below.size() == 6);  // indexes 0 and 1, three offsets each
  for (const auto& s : below) CHECK(s.index < 2);
  CHECK(lists == 1);  // the first page (7 keys) already holds index 2
  lists = 0;
  CHECK(c.wal_segments_below(gen_a, 0).empty());
  CHECK(lists == 1);
  lists = 0;
  CHECK(c.wal_segments_below(gen_a, 100).size() == 30);
  CHECK(lists == 5);  // 30 keys, pages of 7: every page, as the full listing
  c.delete_generation(gen_a);
}
