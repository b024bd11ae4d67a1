// Alerter end to end inside one process: hs::log events -> throttle -> real HTTP POSTs to a
// recording receiver on 127.0.0.1 (cpp-httplib), one per sink type.
#include "alert/alerter.h"

#include <httplib.h>

#include <atomic>
#include <fstream>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

using namespace hs::alert;
using namespace std::chrono;
using json = nlohmann::json;

namespace {

struct Recorded {
  std::string path, body;
  std::multimap<std::string, std::string> headers;
};

// A recording HTTP receiver on an ephemeral loopback port.
class Receiver {
 public:
  explicit Receiver(int status = 200, milliseconds delay = milliseconds(0)) {
    server_.Post(".*", [this, status, delay](const httplib::Request& req, httplib::Response& res) {
      std::this_thread::sleep_for(delay);
      std::lock_guard<std::mutex> g(mu_);
      Recorded r{req.path, req.body, {}};
      for (const auto& h : req.headers) r.headers.emplace(h.first, h.second);
      got_.push_back(std::move(r));
      res.status = status;
      res.set_content(status == 200 ? "ok" : "nope", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<Recorded> got() {
    std::lock_guard<std::mutex> g(mu_);
    return got_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_;
  std::mutex mu_;
  std::vector<Recorded> got_;
};

// Captures log lines (so the test output stays readable and the failure WARN can be checked).
struct LogCapture {
  std::mutex mu;
  std::vector<std::string> lines;
  LogCapture() {
    hs::log::Options o;
    o.format = hs::log::Format::json;
    o.writer = [this](std::string_view l) {
      std::lock_guard<std::mutex> g(mu);
      lines.emplace_back(l);
    };
    hs::log::configure(o);
  }
  ~LogCapture() { hs::log::configure({}); }
  std::vector<std::string> matching(const std::string& s) {
    std::lock_guard<std::mutex> g(mu);
    std::vector<std::string> out;
    for (auto& l : lines)
      if (l.find(s) != std::string::npos) out.push_back(l);
    return out;
  }
};

hs::config::Config config_for(const std::string& yaml) {
  return hs::config::parse(yaml);
}

// A clock the test moves by hand.
struct FakeClock {
  std::atomic<int64_t> ns{0};
  Alerter::Clock::time_point now() const { return Alerter::Clock::time_point(nanoseconds(ns.load())); }
  void advance(nanoseconds d) { ns += d.count(); }
};

}  // namespace

TEST_CASE("100 errors in a burst produce exactly rate * window alerts per sink; the next says how many were dropped") {
  LogCapture logs;
  Receiver rx;
  auto cfg = config_for(
      "alerts:\n  throttle: {rate: 2, interval: 1h, window: 3}\n  sinks:\n"
      "    - {type: webhook, url: \"" +
      rx.url("/hook/SECRET1") +
      "\"}\n"
      "    - {type: slack, url: \"" +
      rx.url("/services/T/B/SECRET2") + "\"}\n");
  auto alerter = Alerter::from_config(cfg);
  REQUIRE(alerter);
  // Replace the clock: rebuild with the same sinks' config but a fake clock.
  FakeClock clock;
  std::vector<std::unique_ptr<Sink>> sinks;
  for (size_t i = 0; i < cfg.alerts->sinks.size(); ++i) sinks.push_back(make_sink(cfg.alerts->sinks[i], "s"));
  Alerter::Settings s;
  s.rate = 2;
  s.interval = hours(1);
  s.window = 3;
  s.now = [&] { return clock.now(); };
  Alerter a(std::move(sinks), s);
  a.start();
  for (int i = 0; i < 100; ++i)
    hs::log::error("monitor error",
                   {{"db", "/data/app.db"}, {"replica", "s3"}, {"error", "boom " + std::to_string(i)}});
  hs::log::info("not an alert");
  REQUIRE(a.flush(seconds(10)));
  auto got = rx.got();
  REQUIRE(got.size() == 12);  // 6 alerts x 2 sinks
  CHECK(a.stats().accepted == 6);
  CHECK(a.stats().throttled == 94);

  clock.advance(hours(3));  // the whole window has rolled
  hs::log::warn("recovered after errors", {{"db", "/data/app.db"}});
  REQUIRE(a.flush(seconds(10)));
  got = rx.got();
  REQUIRE(got.size() == 14);
  const Recorded* hook = nullptr;
  const Recorded* slack = nullptr;
  for (size_t i = 12; i < 14; ++i) (got[i].path.find("/hook/") == 0 ? hook : slack) = &got[i];
  REQUIRE(hook);
  REQUIRE(slack);
  json j = json::parse(hook->body);
  CHECK(j["level"] == "WARN");
  CHECK(j["msg"] == "recovered after errors");
  CHECK(j["dropped"] == 94);
  CHECK(j["fields"]["db"] == "/data/app.db");
  CHECK(j["source"] == "homeserver-replicator");
  CHECK(j["text"].get<std::string>().find("+94 more WARN/ERROR events dropped") != std::string::npos);
  json sj = json::parse(slack->body);
  CHECK(sj["text"].get<std::string>().find("recovered after errors: db=/data/app.db\n(+94 more") != std::string::npos);
  a.stop();
  // Never in the logs: the secret parts of the webhook URLs.
  CHECK(logs.matching("SECRET").empty());
}

TEST_CASE("gotify and ntfy requests have the services' shapes") {
  LogCapture logs;
  Receiver rx;
  const std::string dir = "/tmp/hs-alert-test-" + std::to_string(::getpid());
  std::system(("mkdir -p " + dir).c_str());
  { std::ofstream(dir + "/token") << "gotify-app-token\n"; }
  { std::ofstream(dir + "/ntfy-url") << rx.url("/") << "\n"; }
  auto cfg = config_for(
      "alerts:\n  sinks:\n"
      "    - {type: gotify, url: \"" +
      rx.url("/gotify/") + "\", token-file: " + dir +
      "/token}\n"
      "    - {type: ntfy, url-file: " +
      dir + "/ntfy-url, topic: backups, token: tk}\n");
  auto a = Alerter::from_config(cfg);
  a->start();
  hs::log::error("sync error", {{"db", "/d.db"}, {"error", "disk I/O error"}});
  REQUIRE(a->flush(seconds(10)));
  a->stop();
  std::system(("rm -rf " + dir).c_str());
  auto got = rx.got();
  REQUIRE(got.size() == 2);
  const Recorded& g = got[0].path == "/gotify/message" ? got[0] : got[1];
  const Recorded& n = got[0].path == "/gotify/message" ? got[1] : got[0];
  CHECK(g.path == "/gotify/message");
  CHECK(g.headers.find("X-Gotify-Key")->second == "gotify-app-token");
  json gj = json::parse(g.body);
  CHECK(gj["priority"] == 8);
  CHECK(gj["title"].get<std::string>().rfind("homeserver-replicator ERROR on ", 0) == 0);
  CHECK(gj["message"] == "sync error: db=/d.db error=\"disk I/O error\"");
  CHECK(n.path == "/backups");
  CHECK(n.body == "sync error: db=/d.db error=\"disk I/O error\"");
  CHECK(n.headers.find("Priority")->second == "4");
  CHECK(n.headers.find("Authorization")->second == "Bearer tk");
  CHECK(n.headers.find("Title")->second.rfind("homeserver-replicator ERROR", 0) == 0);
}

TEST_CASE("a failing sink is logged once per throttle window, without its secret") {
  LogCapture logs;
  Receiver rx(500);
  FakeClock clock;
  std::vector<std::unique_ptr<Sink>> sinks;
  hs::config::AlertSinkConfig c;
  c.type = "slack";
  c.url = rx.url("/services/SECRETPATH");
  sinks.push_back(make_sink(c, "alerts.sinks[0]"));
  Alerter::Settings s;
  s.rate = 5;
  s.interval = minutes(1);
  s.window = 2;
  s.now = [&] { return clock.now(); };
  Alerter a(std::move(sinks), s);
  a.start();
  for (int i = 0; i < 4; ++i) hs::log::error("e", {{"i", i}});
  REQUIRE(a.flush(seconds(10)));
  CHECK(rx.got().size() == 4);
  CHECK(a.stats().failed == 4);
  auto warns = logs.matching("alert sink failed");
  REQUIRE(warns.size() == 1);
  CHECK(warns[0].find("HTTP 500") != std::string::npos);
  CHECK(warns[0].find("SECRETPATH") == std::string::npos);
  CHECK(warns[0].find("/REDACTED") != std::string::npos);
  clock.advance(minutes(2));
  hs::log::error("again");
  REQUIRE(a.flush(seconds(10)));
  warns = logs.matching("alert sink failed");
  REQUIRE(warns.size() == 2);
  CHECK(warns[1].find("\"failures\":4") != std::string::npos);  // 3 unlogged + this one
  // The sink-failure WARN lines themselves never became alerts.
  CHECK(rx.got().size() == 5);
  a.stop();
}

TEST_CASE("a slow sink never blocks the logging thread") {
  LogCapture logs;
  Receiver rx(200, milliseconds(1500));
  hs::config::AlertSinkConfig c;
  c.type = "webhook";
  c.url = rx.url("/slow");
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(make_sink(c, "s"));
  Alerter::Settings s;
  s.rate = 10;
  s.window = 1;
  Alerter a(std::move(sinks), s);
  a.start();
  auto t0 = steady_clock::now();
  for (int i = 0; i < 100; ++i) hs::log::error("burst", {{"i", i}});
  CHECK(steady_clock::now() - t0 < milliseconds(500));
  a.stop(milliseconds(100));  // bounded shutdown even with a hung receiver
  CHECK(steady_clock::now() - t0 < seconds(4));
}

TEST_CASE("from_config: no sinks means no alerter; bad url-file is a ConfigError naming the key") {
  CHECK_FALSE(Alerter::from_config(hs::config::Config{}));
  auto cfg = config_for("alerts:\n  sinks:\n    - {type: slack, url-file: /nonexistent/hs-url}\n");
  CHECK_THROWS_WITH(Alerter::from_config(cfg),
                    Catch::StartsWith("alerts.sinks[0].url-file: cannot read /nonexistent/hs-url"));
}

TEST_CASE("a server that echoes the request path cannot leak the secret into the log") {
  LogCapture logs;
  httplib::Server echo;
  echo.Post(".*", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 404;
    res.set_content("Cannot POST " + req.path + " (segment " + req.path.substr(req.path.rfind('/') + 1) + ")",
                    "text/plain");
  });
  int port = echo.bind_to_any_port("127.0.0.1");
  std::thread t([&] { echo.listen_after_bind(); });
  while (!echo.is_running()) std::this_thread::sleep_for(milliseconds(1));
  hs::config::AlertSinkConfig c;
  c.type = "slack";
  c.url = "http://127.0.0.1:" + std::to_string(port) + "/services/T0/B0/VERYSECRETTOKEN";
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(make_sink(c, "s"));
  Alerter a(std::move(sinks), Alerter::Settings{});
  a.start();
  hs::log::error("boom");
  REQUIRE(a.flush(seconds(10)));
  a.stop();
  echo.stop();
  t.join();
  auto warns = logs.matching("alert sink failed");
  REQUIRE(warns.size() == 1);
  CHECK(warns[0].find("HTTP 404") != std::string::npos);
  CHECK(warns[0].find("VERYSECRETTOKEN") == std::string::npos);
}
