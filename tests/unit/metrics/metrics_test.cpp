// Registry rendering in Prometheus text format, and the HTTP server scraped over loopback.
#include "metrics/metrics.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <sstream>

#include "metrics/http/server.h"

using namespace hs::metrics;
using namespace std::chrono;

namespace {

// Parses the exposition format: "name{labels}" -> value; checks every family has HELP and TYPE.
std::map<std::string, double> parse_exposition(const std::string& text) {
  std::map<std::string, double> out;
  std::set<std::string> typed;
  std::istringstream in(text);
  std::string line;
  static const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)");
  static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, type)) {
      REQUIRE(typed.insert(m[1]).second);  // one TYPE per family
    } else if (line.rfind("# HELP ", 0) == 0) {
    } else {
      INFO(line);
      REQUIRE(std::regex_match(line, m, sample));
      REQUIRE(typed.count(m[1]));
      out[std::string(m[1]) + std::string(m[2])] = std::stod(m[3]);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("registry renders litestream's names and ours") {
  registry().clear();
  auto& db = registry().db("/data/app.db");
  db.db_size.set(8192);
  db.sync_count.inc();
  db.sync_count.inc();
  db.sync_seconds.inc(0.25);
  db.checkpoint("PASSIVE").count.inc();
  db.generation_changes.inc();
  auto& r = registry().replica("/data/app.db", "s3");
  auto t0 = system_clock::time_point(seconds(1700000000));
  r.mark_pending(t0);
  r.mark_pending(t0 + seconds(5));  // keeps the oldest
  r.wal_bytes.inc(4152);
  r.frames.inc(1);
  registry().operation("s3", "PUT").record(4152);
  auto m = parse_exposition(registry().render(t0 + seconds(3)));
  CHECK(m["litestream_db_size{db=\"/data/app.db\"}"] == 8192);
  CHECK(m["litestream_sync_count{db=\"/data/app.db\"}"] == 2);
  CHECK(m["litestream_sync_seconds{db=\"/data/app.db\"}"] == 0.25);
  CHECK(m["litestream_checkpoint_count{db=\"/data/app.db\",mode=\"PASSIVE\"}"] == 1);
  CHECK(m["hs_generation_changes_total{db=\"/data/app.db\"}"] == 1);
  CHECK(m["litestream_replica_wal_bytes{db=\"/data/app.db\",name=\"s3\"}"] == 4152);
  CHECK(m["hs_replica_frames_total{db=\"/data/app.db\",name=\"s3\"}"] == 1);
  CHECK(m["hs_replica_lag_seconds{db=\"/data/app.db\",name=\"s3\"}"] == 3);
  CHECK(m["hs_replica_last_sync_timestamp_seconds{db=\"/data/app.db\",name=\"s3\"}"] == 0);
  CHECK(m.count("litestream_replica_validation_total{db=\"/data/app.db\",name=\"s3\",status=\"ok\"}"));
  CHECK(m["litestream_replica_operation_total{replica_type=\"s3\",operation=\"PUT\"}"] == 1);
  CHECK(m["litestream_replica_operation_bytes{replica_type=\"s3\",operation=\"PUT\"}"] == 4152);
  CHECK(m["process_resident_memory_bytes"] > 0);
  CHECK(m["process_start_time_seconds"] > 1.6e9);

  r.mark_synced(t0 + seconds(4));
  auto after = parse_exposition(registry().render(t0 + seconds(10)));
  CHECK(after["hs_replica_lag_seconds{db=\"/data/app.db\",name=\"s3\"}"] == 0);
  CHECK(after["hs_replica_last_sync_timestamp_seconds{db=\"/data/app.db\",name=\"s3\"}"] == 1700000004);
}

TEST_CASE("label values are escaped") {
  registry().clear();
  registry().db("/odd \"dir\"\\x.db").db_size.set(1);
  std::string text = registry().render();
  CHECK(text.find("litestream_db_size{db=\"/odd \\\"dir\\\"\\\\x.db\"} 1\n") != std::string::npos);
}

TEST_CASE("process stats move with CPU use and memory") {
  ProcessStats a = read_process_stats();
  volatile double x = 0;
  auto until = steady_clock::now() + milliseconds(300);
  while (steady_clock::now() < until) x = x + 1;
  ProcessStats b = read_process_stats();
  CHECK(b.cpu_seconds > a.cpu_seconds);
  CHECK(a.resident_bytes > 1e6);
  CHECK(a.open_fds >= 3);
}

TEST_CASE("server serves /metrics and /healthz on loopback") {
  registry().clear();
  registry().db("/srv/x.db").sync_count.inc(7);
  Server server;
  server.start("127.0.0.1:0");
  REQUIRE(server.port() > 0);
  httplib::Client cli("127.0.0.1", server.port());
  auto res = cli.Get("/metrics");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type").find("text/plain; version=0.0.4") == 0);
  CHECK(parse_exposition(res->body)["litestream_sync_count{db=\"/srv/x.db\"}"] == 7);
  registry().db("/srv/x.db").sync_count.inc();
  CHECK(parse_exposition(cli.Get("/metrics")->body)["litestream_sync_count{db=\"/srv/x.db\"}"] == 8);

  auto h = cli.Get("/healthz");
  REQUIRE(h);
  CHECK(h->status == 200);
  server.set_health_check([](std::string& why) {
    why = "replica s3 has not synced for 10m0s";
    return false;
  });
  h = cli.Get("/healthz");
  CHECK(h->status == 503);
  CHECK(h->body.find("not synced") != std::string::npos);
  CHECK(cli.Get("/nope")->status == 404);
  server.stop();
  CHECK_FALSE(cli.Get("/metrics"));
}

TEST_CASE("server start errors name the address") {
  Server a;
  a.start("127.0.0.1:0");
  Server b;
  CHECK_THROWS_WITH(b.start("127.0.0.1:" + std::to_string(a.port())),
                    Catch::StartsWith("cannot start metrics server: cannot listen on 127.0.0.1:"));
  CHECK_THROWS_WITH(b.start("127.0.0.1:http"), Catch::Contains("invalid port \"http\""));
  CHECK_THROWS_WITH(b.start("9090"), Catch::Contains("missing port"));
}

TEST_CASE("lagging names the replicas whose oldest unreplicated change is older than the bound") {
  registry().clear();
  auto t0 = system_clock::time_point(seconds(1700000000));
  auto& slow = registry().replica("/data/app.db", "s3");
  auto& fine = registry().replica("/data/app.db", "file");
  slow.mark_pending(t0);
  fine.mark_pending(t0 + seconds(100));
  CHECK(registry().lagging(seconds(60), t0 + seconds(30)).empty());
  CHECK(registry().lagging(seconds(60), t0 + seconds(120)) == "db=/data/app.db replica=s3 lag=120s");
  slow.mark_synced(t0 + seconds(121));
  CHECK(registry().lagging(seconds(60), t0 + seconds(150)).empty());
}
