// hs_replica_requests_total: every request the S3 client sends is counted by what S3 bills it as,
// retries and failures included (issue 12 item 2), and the factory files the counts under the
// replica's db and name in /metrics.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "local_server.h"
#include "metrics/metrics.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_factory.h"
#include "storage/s3/s3_http.h"

using namespace hs::storage;
using hs::test::LocalServer;

namespace {

S3Request request(const char* method, std::string key, std::map<std::string, std::string> query = {}) {
  S3Request r;
  r.method = method;
  r.key = std::move(key);
  r.query = std::move(query);
  return r;
}

}  // namespace

TEST_CASE("requests are counted as what S3 bills them as") {
  CHECK(std::string(S3Http::request_kind(request("GET", "db/generations/x/wal/a.wal.lz4"))) == "GET");
  CHECK(std::string(S3Http::request_kind(request("GET", "", {{"prefix", "db/"}, {"delimiter", "/"}}))) == "LIST");
  CHECK(std::string(S3Http::request_kind(request("GET", "", {{"location", ""}}))) == "GET");
  CHECK(std::string(S3Http::request_kind(request("HEAD", "k"))) == "HEAD");
  CHECK(std::string(S3Http::request_kind(request("PUT", "k"))) == "PUT");
  CHECK(std::string(S3Http::request_kind(request("POST", "k", {{"uploads", ""}}))) == "PUT");
  CHECK(std::string(S3Http::request_kind(request("POST", "k", {{"uploadId", "u"}}))) == "PUT");
  CHECK(std::string(S3Http::request_kind(request("POST", "", {{"delete", ""}}))) == "DELETE");
  CHECK(std::string(S3Http::request_kind(request("DELETE", "k", {{"uploadId", "u"}}))) == "DELETE");
}

TEST_CASE("every attempt is counted, failed and retried ones too, in /metrics under db and replica") {
  LocalServer server;
  std::atomic<int> calls{0};
  server.svr.Get("/bkt/?", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls <= 2) {
      res.status = 503;
      res.set_content("<Error><Code>SlowDown</Code><Message>slow down</Message></Error>", "application/xml");
      return;
    }
    res.set_content("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>", "application/xml");
  });
  server.svr.Get("/bkt/obj", [&](const httplib::Request&, httplib::Response& res) { res.set_content("abc", "x/y"); });
  server.svr.Get("/bkt/gone", [&](const httplib::Request&, httplib::Response& res) { res.status = 404; });
  server.start();

  hs::config::ResolvedReplica r;
  r.name = "s3";
  r.type = "s3";
  r.bucket = "bkt";
  r.endpoint = "http://127.0.0.1:" + std::to_string(server.port);
  r.force_path_style = true;
  r.access_key_id = "id";
  r.secret_access_key = "secret";
  hs::metrics::registry().clear();
  auto client = make_s3_replica_client(r, "/data/counted.db");
  auto& s3 = dynamic_cast<S3ReplicaClient&>(*client);
  // Fast retries for the test: the factory's options, with a shorter backoff.
  S3Options o = s3.options();
  o.retry.initial_backoff = std::chrono::milliseconds(1);
  S3ReplicaClient fast(o);

  CHECK(fast.list("", "").empty());  // 503, 503, 200: three LIST requests
  auto rd = fast.get("obj");
  char buf[8];
  CHECK(rd->read(buf, sizeof buf) == 3);
  CHECK_THROWS_AS(fast.get("gone"), hs::core::NotFoundError);

  auto& m = hs::metrics::registry().replica("/data/counted.db", "s3");
  CHECK(m.requests(hs::metrics::RequestKind::kList).value() == 3);
  CHECK(m.requests(hs::metrics::RequestKind::kGet).value() == 2);
  CHECK(m.requests(hs::metrics::RequestKind::kPut).value() == 0);
  std::string text = hs::metrics::registry().render();
  CHECK_THAT(text, Catch::Contains("hs_replica_requests_total{db=\"/data/counted.db\",name=\"s3\",kind=\"LIST\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("hs_replica_requests_total{db=\"/data/counted.db\",name=\"s3\",kind=\"GET\"} 2\n"));
  // litestream's per-operation counters see the successful ones only.
  CHECK_THAT(text, Catch::Contains("litestream_replica_operation_total{replica_type=\"s3\",operation=\"LIST\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("litestream_replica_operation_bytes{replica_type=\"s3\",operation=\"GET\"} 3\n"));
}

TEST_CASE("clock skew and signature errors say where to look") {
  LocalServer server;
  server.svr.Get("/bkt/skewed", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content(
        "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current "
        "time is too large.</Message></Error>",
        "application/xml");
  });
  server.svr.Get("/bkt/badsig", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content("<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>", "application/xml");
  });
  server.start();
  S3Options o;
  o.bucket = "bkt";
  o.endpoint = "http://127.0.0.1:" + std::to_string(server.port);
  o.force_path_style = true;
  o.access_key_id = "id";
  o.secret_access_key = "secret";
  S3Http http(o);
  S3Request req;
  req.key = "skewed";
  CHECK_THROWS_WITH(http.perform(req), Catch::StartsWith("S3 GET bkt/skewed: 403 RequestTimeTooSkewed: The "
                                                         "difference") &&
                                           Catch::Contains("(clock skew: ") && Catch::Contains("check NTP"));
  req.key = "badsig";
  CHECK_THROWS_WITH(http.perform(req), Catch::Contains("403 SignatureDoesNotMatch: no (signature mismatch: check "
                                                       "secret-access-key and region"));
}
