// Request building, signing, retries and streaming against small in-process HTTP servers on
// 127.0.0.1 (cpp-httplib): what goes over the wire is checked, not our own idea of it.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "local_server.h"
#include "storage/s3/s3_get_stream.h"
#include "storage/s3/s3_http.h"

using namespace hs::storage;
using hs::test::LocalServer;

namespace {

// AWS's documented example credentials (Signature Version 4 examples in the S3 API reference).
S3Options aws_example() {
  S3Options o;
  o.bucket = "examplebucket";
  o.region = "us-east-1";
  o.endpoint = "http://s3.amazonaws.com";
  o.force_path_style = false;
  o.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  o.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  return o;
}

// Sends req through S3Http::configure, diverted to the local server; returns its Authorization.
std::string signed_authorization(const S3Options& o, const S3Request& req, LocalServer& server,
                                 std::string* host_seen = nullptr) {
  std::string auth;
  std::mutex mu;
  server.svr.Get(".*", [&](const httplib::Request& r, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    auth = r.get_header_value("Authorization");
    if (host_seen) *host_seen = r.get_header_value("Host");
    res.set_content("ok", "text/plain");
  });
  server.start();
  S3Http http(o);
  CURL* h = curl_easy_init();
  curl_slist* headers = http.configure(h, req, kEmptySha256);
  // The request keeps its real Host header but connects to 127.0.0.1 only.
  std::string to = "examplebucket.s3.amazonaws.com:80:127.0.0.1:" + std::to_string(server.port);
  curl_slist* connect_to = curl_slist_append(nullptr, to.c_str());
  curl_slist* resolve = curl_slist_append(nullptr, "examplebucket.s3.amazonaws.com:80:127.0.0.1");
  curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
  curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
  std::string body;
  curl_easy_setopt(
      h, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
  CURLcode rc = curl_easy_perform(h);
  curl_easy_cleanup(h);
  curl_slist_free_all(headers);
  curl_slist_free_all(connect_to);
  curl_slist_free_all(resolve);
  REQUIRE(rc == CURLE_OK);
  std::lock_guard<std::mutex> lock(mu);
  return auth;
}

}  // namespace

TEST_CASE("SigV4 known answer: AWS's GET Object example") {
  LocalServer server;
  S3Request req;
  req.key = "test.txt";
  req.headers = {"Range: bytes=0-9", "x-amz-date: 20130524T000000Z"};
  std::string host;
  std::string auth = signed_authorization(aws_example(), req, server, &host);
  INFO(auth);
  CHECK(host == "examplebucket.s3.amazonaws.com");
  CHECK_THAT(auth,
             Catch::StartsWith("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"));
  CHECK_THAT(auth, Catch::Contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date"));
  CHECK_THAT(auth, Catch::EndsWith("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
}

TEST_CASE("SigV4 known answer: AWS's GET Bucket (list objects) example, query in canonical order") {
  LocalServer server;
  S3Request req;
  req.key = "";
  req.query = {{"prefix", "J"}, {"max-keys", "2"}};
  req.headers = {"x-amz-date: 20130524T000000Z"};
  std::string auth = signed_authorization(aws_example(), req, server);
  INFO(auth);
  CHECK_THAT(auth, Catch::Contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date"));
  CHECK_THAT(auth, Catch::EndsWith("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
}

namespace {
S3Options local(int port) {
  S3Options o;
  o.bucket = "bkt";
  o.endpoint = "http://127.0.0.1:" + std::to_string(port);
  o.force_path_style = true;
  o.access_key_id = "test:tester";  // Swift-style key with a colon
  o.secret_access_key = "s3cr3t-value";
  o.retry.max_attempts = 3;
  o.retry.initial_backoff = std::chrono::milliseconds(1);
  return o;
}
const char* kSlowDown = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
}  // namespace

TEST_CASE("requests carry the payload hash and a colon-containing access key intact") {
  LocalServer server;
  std::string auth, sha, md5, ctype, body;
  server.svr.Put("/bkt/some/key", [&](const httplib::Request& r, httplib::Response& res) {
    auth = r.get_header_value("Authorization");
    sha = r.get_header_value("x-amz-content-sha256");
    ctype = r.get_header_value("Content-Type");
    body = r.body;
    res.status = 200;
  });
  server.start();
  S3Http http(local(server.port));
  S3Request req;
  req.op = "PUT";
  req.method = "PUT";
  req.key = "some/key";
  req.body = "hello";
  http.perform(req);
  CHECK(body == "hello");
  CHECK(sha == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  CHECK(ctype == "application/octet-stream");
  CHECK_THAT(auth, Catch::Contains("Credential=test:tester/"));
  CHECK_THAT(auth, Catch::Contains("/us-east-1/s3/aws4_request"));
  CHECK(auth.find("s3cr3t-value") == std::string::npos);
}

TEST_CASE("5xx is retried with backoff; 4xx is not; errors name op, object, code and message") {
  LocalServer server;
  std::atomic<int> calls{0};
  server.svr.Get("/bkt/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls <= 2) {
      res.status = 503;
      res.set_content(kSlowDown, "application/xml");
    } else {
      res.set_content("fine", "text/plain");
    }
  });
  std::atomic<int> denied_calls{0};
  server.svr.Get("/bkt/denied", [&](const httplib::Request&, httplib::Response& res) {
    ++denied_calls;
    res.status = 403;
    res.set_content("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", "application/xml");
  });
  server.svr.Get("/bkt/down", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content(kSlowDown, "application/xml");
  });
  server.svr.Get("/bkt/missing", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>",
                    "application/xml");
  });
  server.start();
  auto o = local(server.port);
  std::vector<std::string> retries;
  o.on_retry = [&](std::string_view why) { retries.emplace_back(why); };
  S3Http http(o);

  S3Request req;
  req.key = "flaky";
  CHECK(http.perform(req).body == "fine");
  CHECK(calls == 3);
  REQUIRE(retries.size() == 2);
  // Backoff doubles (1 ms, 2 ms) and is jittered down to half of that at most.
  CHECK_THAT(retries[0], Catch::Matches(R"(S3 GET bkt/flaky: 503 SlowDown \(attempt 2/3 in [01]ms\))"));
  CHECK_THAT(retries[1], Catch::Matches(R"(S3 GET bkt/flaky: 503 SlowDown \(attempt 3/3 in [12]ms\))"));

  req.key = "down";
  try {
    http.perform(req);
    FAIL("no error");
  } catch (const S3Error& e) {
    CHECK(std::string(e.what()) == "S3 GET bkt/down: 503 SlowDown: Please reduce your request rate.");
    CHECK(e.status == 503);
  }

  req.key = "denied";
  req.op = "LIST";
  CHECK_THROWS_WITH(http.perform(req), "S3 LIST bkt/denied: 403 AccessDenied: Access Denied");
  CHECK(denied_calls == 1);

  req.key = "missing";
  req.op = "GET";
  CHECK_THROWS_AS(http.perform(req), hs::core::NotFoundError);
}

TEST_CASE("connection refused is retried, then reported with the URL") {
  int port;
  {
    LocalServer s;  // grab a free port, then close it
    s.start();
    port = s.port;
  }
  auto o = local(port);
  o.retry.max_attempts = 2;
  S3Http http(o);
  S3Request req;
  req.key = "k";
  try {
    http.perform(req);
    FAIL("no error");
  } catch (const hs::core::Error& e) {
    std::string msg = e.what();
    CHECK_THAT(msg, Catch::StartsWith("S3 GET bkt/k: "));
    CHECK_THAT(msg, Catch::Contains("http://127.0.0.1:" + std::to_string(port) + "/bkt/k"));
    CHECK_THAT(msg, Catch::EndsWith("after 2 attempts"));
  }
}

TEST_CASE("missing credentials are a clear error") {
  S3Options o;
  o.bucket = "b";
  CHECK_THROWS_WITH(S3Http(o), Catch::Contains("access-key-id and secret-access-key are required"));
}

TEST_CASE("streamed GET: slow consumer, then a transfer broken mid-way resumes with Range + If-Match") {
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + (i >> 12));
  LocalServer server;
  std::atomic<int> calls{0};
  std::string if_match, range;
  server.svr.Get("/bkt/obj", [&](const httplib::Request& r, httplib::Response& res) {
    res.set_header("ETag", "\"v1\"");
    res.set_content(data, "application/octet-stream");  // httplib answers Range requests itself
  });
  server.svr.Get("/bkt/broken", [&](const httplib::Request& r, httplib::Response& res) {
    res.set_header("ETag", "\"v1\"");
    if (++calls == 1) {
      // Promise the whole object, send half, drop the connection.
      res.set_content_provider(data.size(), "application/octet-stream",
                               [&](size_t offset, size_t length, httplib::DataSink& sink) {
                                 if (offset >= data.size() / 2) return false;
                                 sink.write(data.data() + offset, std::min<size_t>(length, 64 * 1024));
                                 return true;
                               });
      return;
    }
    if_match = r.get_header_value("If-Match");
    range = r.get_header_value("Range");
    res.set_content(data, "application/octet-stream");
  });
  server.svr.Get("/bkt/nope", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>", "application/xml");
  });
  server.start();
  S3Http http(local(server.port));

  auto read_all = [](hs::core::Reader& r, size_t chunk) {
    std::string out, buf(chunk, '\0');
    while (size_t n = r.read(buf.data(), buf.size())) out.append(buf.data(), n);
    return out;
  };
  {
    S3GetStream s(http, "obj");
    CHECK(read_all(s, 1000) == data);
  }
  {
    S3GetStream s(http, "broken");
    CHECK(read_all(s, 1 << 20) == data);
    CHECK(calls == 2);
    CHECK(if_match == "\"v1\"");
    CHECK_THAT(range, Catch::StartsWith("bytes="));
    CHECK(range != "bytes=0-");
  }
  CHECK_THROWS_WITH(S3GetStream(http, "nope"), "S3 GET bkt/nope: 404 NoSuchKey: gone");
  CHECK_THROWS_AS(S3GetStream(http, "nope"), hs::core::NotFoundError);
}

TEST_CASE("no region configured: the bucket's region from a wrong-region answer is adopted once") {
  LocalServer server;
  std::atomic<int> calls{0};
  auto wrong_region = [&](const httplib::Request& r, httplib::Response& res, bool header_form) {
    ++calls;
    if (r.get_header_value("Authorization").find("/eu-central-1/s3/") != std::string::npos) {
      res.set_content("here", "text/plain");
    } else if (header_form) {
      res.status = 301;
      res.set_header("x-amz-bucket-region", "eu-central-1");
      res.set_content("<Error><Code>PermanentRedirect</Code><Message>use the right endpoint</Message></Error>",
                      "application/xml");
    } else {
      res.status = 400;
      res.set_content(
          "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is wrong; "
          "expecting 'eu-central-1'</Message><Region>eu-central-1</Region></Error>",
          "application/xml");
    }
  };
  server.svr.Get("/bkt/body", [&](const httplib::Request& r, httplib::Response& res) { wrong_region(r, res, false); });
  server.svr.Get("/bkt/header", [&](const httplib::Request& r, httplib::Response& res) { wrong_region(r, res, true); });
  server.start();

  auto o = local(server.port);
  o.region = "";
  S3Request req;
  req.key = "body";
  {
    S3Http http(o);
    CHECK(http.region() == "us-east-1");
    CHECK(http.perform(req).body == "here");
    CHECK(calls == 2);
    CHECK(http.region() == "eu-central-1");
    CHECK(http.perform(req).body == "here");  // later requests go straight to the right region
    CHECK(calls == 3);
  }
  {
    calls = 0;
    S3Http http(o);
    req.key = "header";
    CHECK(http.perform(req).body == "here");
    CHECK(calls == 2);
  }
  // A region the user set is never overridden: the error is reported as it is.
  o.region = "us-east-1";
  S3Http fixed(o);
  req.key = "body";
  CHECK_THROWS_WITH(fixed.perform(req), Catch::StartsWith("S3 GET bkt/body: 400 AuthorizationHeaderMalformed: "));
}

TEST_CASE("an endpoint that accepts and never answers costs the request deadline per attempt, not forever") {
  // A listening socket nobody reads from: the kernel completes the handshake, no reply ever comes.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 16) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  S3Options o = local(ntohs(addr.sin_port));
  o.request_timeout = std::chrono::seconds(1);
  o.retry.max_attempts = 2;
  S3Http http(o);
  S3Request req;
  req.op = "LIST";
  auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(http.perform(req), Catch::Contains("S3 LIST bkt") && Catch::Contains("after 2 attempts"));
  auto took = std::chrono::steady_clock::now() - started;
  // Two attempts of about a second each (the stall timeout is 60 s: it must not be what ended them).
  CHECK(took < std::chrono::seconds(10));
  ::close(fd);
}

TEST_CASE("the per-attempt deadline grows with the body") {
  S3Options o = local(1);
  o.request_timeout = std::chrono::seconds(30);
  o.min_transfer_rate = 64 * 1024;
  S3Http http(o);
  CHECK(http.request_timeout_ms(0) == 30000);
  CHECK(http.request_timeout_ms(5 * 1024 * 1024) == 30000 + 80000);
}
