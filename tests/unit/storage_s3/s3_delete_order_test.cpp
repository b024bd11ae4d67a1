// Deleting a generation removes its snapshots in a request of their own before any WAL segment: a
// restore that started meanwhile then fails on the missing snapshot instead of replaying a WAL whose
// end is already gone over a snapshot that holds more (silently inconsistent pages). DeleteObjects
// promises no order within one request, so the order is by request.
#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "local_server.h"
#include "storage/s3/s3_client.h"

using namespace hs::storage;
using hs::test::LocalServer;

TEST_CASE("delete_generation: snapshots in a DeleteObjects request before the WAL segments") {
  const std::string g = "0123456789abcdef", prefix = "db/generations/" + g + "/";
  LocalServer server;
  std::mutex mu;
  std::vector<std::string> deletes;
  server.svr.Get("/bkt", [&](const httplib::Request&, httplib::Response& res) {
    std::string body = "<ListBucketResult><IsTruncated>false</IsTruncated>";
    for (const char* k : {"wal/00000000_00000000.wal.lz4", "wal/00000001_00000000.wal.lz4",
                          "snapshots/00000001.snapshot.lz4", "snapshots/00000000.snapshot.lz4"})
      body += "<Contents><Key>" + prefix + k +
              "</Key><Size>1</Size><LastModified>2026-12-04T01:02:03.000Z</LastModified></Contents>";
    res.set_content(body + "</ListBucketResult>", "application/xml");
  });
  server.svr.Post("/bkt", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lk(mu);
    deletes.push_back(req.body);
    res.set_content("<DeleteResult></DeleteResult>", "application/xml");
  });
  server.start();

  S3Options o;
  o.bucket = "bkt";
  o.path = "db";
  o.region = "us-east-1";
  o.endpoint = "http://127.0.0.1:" + std::to_string(server.port);
  o.force_path_style = true;
  o.access_key_id = "id";
  o.secret_access_key = "secret";
  S3ReplicaClient client(o);
  client.delete_generation(g);

  std::lock_guard lk(mu);
  REQUIRE(deletes.size() == 2);
  CHECK_THAT(deletes[0], Catch::Contains("snapshots/00000000.snapshot.lz4"));
  CHECK_THAT(deletes[0], Catch::Contains("snapshots/00000001.snapshot.lz4"));
  CHECK_THAT(deletes[0], !Catch::Contains("/wal/"));
  CHECK_THAT(deletes[1], Catch::Contains("wal/00000000_00000000.wal.lz4"));
  CHECK_THAT(deletes[1], !Catch::Contains("/snapshots/"));
}
