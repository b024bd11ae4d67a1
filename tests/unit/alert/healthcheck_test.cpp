// healthchecks.io pinger against a recording receiver: paths, rid pairing, body trimming,
// Ping-Body-Limit, retries and the give-up path.
#include "alert/healthcheck.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

using hs::alert::HealthcheckPinger;
using namespace std::chrono;

namespace {

class HcReceiver {
 public:
  // Fails the first `failures` requests with HTTP 503.
  explicit HcReceiver(int failures = 0, std::string body_limit = "") {
    server_.Post(".*", [this, failures, body_limit](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> g(mu_);
      paths_.push_back(req.path + "?" + req.get_param_value("rid"));
      bodies_.push_back(req.body);
      if (int(paths_.size()) <= failures) {
        res.status = 503;
        return;
      }
      if (!body_limit.empty()) res.set_header("Ping-Body-Limit", body_limit);
      res.set_content("OK", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~HcReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/ping/abc-uuid"; }
  std::vector<std::string> paths() {
    std::lock_guard<std::mutex> g(mu_);
    return paths_;
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> g(mu_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_;
  std::mutex mu_;
  std::vector<std::string> paths_, bodies_;
};

HealthcheckPinger::Options fast() {
  HealthcheckPinger::Options o;
  o.first_backoff = milliseconds(20);
  o.timeout = milliseconds(2000);
  return o;
}

}  // namespace

TEST_CASE("start then exit status, paired by rid, log as body") {
  HcReceiver rx;
  HealthcheckPinger p(rx.url() + "/", fast());
  CHECK(p.start());
  CHECK(p.finish(1, "line one\nverify failed error=boom\n"));
  auto paths = rx.paths();
  REQUIRE(paths.size() == 2);
  CHECK(paths[0].rfind("/ping/abc-uuid/start?", 0) == 0);
  CHECK(paths[1].rfind("/ping/abc-uuid/1?", 0) == 0);
  const std::string rid = paths[0].substr(paths[0].find('?') + 1);
  CHECK(rid.size() == 36);
  CHECK(paths[1].substr(paths[1].find('?') + 1) == rid);
  CHECK(rx.bodies()[1] == "line one\nverify failed error=boom\n");
}

TEST_CASE("retries with backoff until the ping gets through") {
  HcReceiver rx(2);
  HealthcheckPinger p(rx.url(), fast());
  CHECK(p.finish(0, "ok"));
  CHECK(rx.paths().size() == 3);
}

TEST_CASE("gives up after the attempts, without throwing") {
  HcReceiver rx(100);
  HealthcheckPinger p(rx.url(), fast());
  CHECK_FALSE(p.finish(0, "ok"));
  CHECK(rx.paths().size() == 4);
  HealthcheckPinger dead("http://127.0.0.1:9/ping/x", fast());  // discard port: connection refused
  CHECK_FALSE(dead.start());
}

TEST_CASE("body trimmed to the limit, keeping the end; Ping-Body-Limit from /start wins") {
  std::string log;
  for (int i = 0; i < 5000; ++i) log += "line " + std::to_string(i) + " some log text here\n";
  std::string t = HealthcheckPinger::trim_body(log, 1000);
  CHECK(t.size() <= 1000);
  CHECK(t.rfind("[... first ", 0) == 0);
  CHECK(t.find("line 4999 some log text here\n") != std::string::npos);
  CHECK(HealthcheckPinger::trim_body("short", 1000) == "short");

  HcReceiver rx(0, "500");
  HealthcheckPinger p(rx.url(), fast());
  CHECK(p.start());
  CHECK(p.finish(0, log));
  CHECK(rx.bodies()[1].size() <= 500);
  CHECK(rx.bodies()[1].find("line 4999") != std::string::npos);
}

#include "alert/http_post.h"

TEST_CASE("scrub_url_secrets removes the path, its segments and query values") {
  using hs::alert::scrub_url_secrets;
  const std::string url = "https://hooks.example/services/T0123/B0456/XXXXSECRET?token=abcdef123";
  CHECK(scrub_url_secrets("HTTP 404: Cannot POST /services/T0123/B0456/XXXXSECRET?token=abcdef123", url) ==
        "HTTP 404: Cannot POST REDACTED");
  CHECK(scrub_url_secrets("unknown hook XXXXSECRET", url) == "unknown hook REDACTED");
  CHECK(scrub_url_secrets("bad token abcdef123", url) == "bad token REDACTED");
  CHECK(scrub_url_secrets("HTTP 500", url) == "HTTP 500");
  // A segment that occurs inside the marker must not loop forever.
  CHECK(scrub_url_secrets("x EDACTE y", "http://h/EDACTE") == "x REDACTED y");
  CHECK(scrub_url_secrets("no path here", "http://h") == "no path here");
}
