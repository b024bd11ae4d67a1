// render(): only set keys, loads back to the same model, and the YAML is what litestream reads.
#include <catch2/catch.hpp>

#include "config/config.h"

using namespace hs::config;
using namespace std::chrono;

namespace {

Config full() {
  Config c;
  c.addr = ":9090";
  c.exec = "app --serve";
  c.access_key_id = "${AWS_KEY}";
  c.secret_access_key = "${AWS_SECRET}";
  c.logging = LoggingConfig{"INFO", "json", true};
  c.healthcheck_url = "https://hc-ping.com/uuid";
  c.max_age = hours(25);
  AlertsConfig a;
  a.throttle = ThrottleConfig{3, minutes(30), 4};
  AlertSinkConfig s1;
  s1.type = "slack";
  s1.url = "${SLACK_URL}";
  AlertSinkConfig s2;
  s2.type = "gotify";
  s2.name = "gotify-home";
  s2.url = "https://gotify.lan";
  s2.token_file = "/run/secrets/gotify-token";
  s2.priority = 7;
  AlertSinkConfig s3;
  s3.type = "ntfy";
  s3.url_file = "/run/secrets/ntfy-url";
  s3.topic = "backups";
  s3.priority = 5;
  a.sinks = {s1, s2, s3};
  c.alerts = a;

  DbConfig db;
  db.path = "/data/app.db";
  db.meta_path = "/data/.meta";
  db.monitor_interval = seconds(1);
  db.checkpoint_interval = minutes(1) + seconds(30);
  db.min_checkpoint_page_count = 1000;
  db.max_checkpoint_page_count = 0;
  ReplicaConfig r;
  r.name = "s3";
  r.type = "s3";
  r.bucket = "yes";  // must stay a string
  r.path = "0755";
  r.endpoint = "http://127.0.0.1:9000";
  r.region = "us-east-1";
  r.force_path_style = true;
  r.skip_verify = false;
  r.access_key_id = "AK";
  r.secret_access_key = "S: #x";
  r.sync_interval = milliseconds(1500);
  r.snapshot_interval = hours(24);
  r.retention = hours(72);
  r.retention_check_interval = hours(1);
  r.validation_interval = hours(6);
  ReplicaConfig f;
  f.url = "file:///mnt/usb/app";
  db.replicas = {r, f};
  DbConfig minimal;
  minimal.path = "/srv/x.db";
  c.dbs = {db, minimal};
  return c;
}

}  // namespace

TEST_CASE("parse(render(c)) == c") {
  Config c = full();
  std::string yaml = render(c);
  INFO(yaml);
  CHECK(parse(yaml, {.expand_env = false}) == c);
}

TEST_CASE("a minimal config renders only what is set") {
  Config c;
  DbConfig db;
  db.path = "/data/app.db";
  ReplicaConfig r;
  r.url = "s3://bkt/app";
  db.replicas = {r};
  c.dbs = {db};
  std::string yaml = render(c);
  CHECK(yaml == "dbs:\n  - path: \"/data/app.db\"\n    replicas:\n      - url: \"s3://bkt/app\"\n");
  CHECK(parse(yaml) == c);
}

TEST_CASE("durations render in Go's form") {
  Config c = full();
  std::string yaml = render(c);
  CHECK(yaml.find("retention: \"72h0m0s\"") != std::string::npos);
  CHECK(yaml.find("sync-interval: \"1.5s\"") != std::string::npos);
  CHECK(yaml.find("checkpoint-interval: \"1m30s\"") != std::string::npos);
}

TEST_CASE("parse then render then parse is stable for a hand-written file") {
  const char* yaml =
      "dbs:\n  - path: /a.db\n    replicas:\n      - type: s3\n        bucket: b\n        retention: 24h\n";
  Config c = parse(yaml);
  CHECK(parse(render(c)) == c);
  CHECK(render(parse(render(c))) == render(c));
}

TEST_CASE("render validates the model built in code") {
  Config c;
  DbConfig db;
  db.path = "relative/app.db";
  c.dbs = {db};
  CHECK_THROWS_WITH(render(c), Catch::Contains("dbs[0].path: must be an absolute, clean path"));
  c.dbs[0].path = "/a.db";
  ReplicaConfig r;
  r.type = "s3";
  c.dbs[0].replicas = {r};
  CHECK_THROWS_WITH(render(c), Catch::Contains("dbs[0].replicas[0].bucket: bucket required for s3 replica"));
}

#include <random>

TEST_CASE("randomised models survive render -> parse unchanged") {
  std::mt19937_64 rng(20261125);
  auto coin = [&] { return rng() % 2 == 0; };
  auto dur = [&] { return Duration(int64_t(rng() % 100000000000000ULL) + 1); };
  auto text = [&](const char* base) {
    // Strings YAML would otherwise re-type or that need quoting.
    static const char* tricky[] = {"yes",   "no",    "0755",   "1e3",       "null",    "~",   "a: b",
                                   "#x",    "'q'",   "\"dq\"", "tab\there", "ünïcödé", "[x]", "{y}",
                                   "-dash", "*star", "&amp",   "!bang",     "%pct",    "@at", "`tick`"};
    return coin() ? std::string(base) + std::to_string(rng() % 1000) : std::string(tricky[rng() % 21]);
  };
  for (int round = 0; round < 300; ++round) {
    Config c;
    if (coin()) c.addr = "127.0.0.1:" + std::to_string(1 + rng() % 65535);
    if (coin()) c.exec = text("cmd ");
    if (coin()) c.access_key_id = text("key");
    if (coin()) c.secret_access_key = text("secret");
    if (coin())
      c.logging = LoggingConfig{coin() ? std::optional<std::string>("debug") : std::nullopt,
                                coin() ? std::optional<std::string>("json") : std::nullopt,
                                coin() ? std::optional<bool>(coin()) : std::nullopt};
    if (coin()) c.max_age = dur();
    if (coin()) c.shutdown_timeout = dur();
    if (coin()) c.healthz_max_lag = dur();
    if (coin()) c.healthcheck_url = "https://hc-ping.com/" + std::to_string(rng());
    const int ndb = int(rng() % 3);
    for (int d = 0; d < ndb; ++d) {
      DbConfig db;
      db.path = "/data/db" + std::to_string(d) + ".db";
      if (coin()) db.monitor_interval = dur();
      if (coin()) db.checkpoint_interval = dur();
      if (coin()) db.min_checkpoint_page_count = int64_t(1 + rng() % 100000);
      if (coin()) db.max_checkpoint_page_count = int64_t(rng() % 100000);
      if (coin()) db.max_shadow_wal_bytes = int64_t(rng() % (int64_t(1) << 40));
      const int nr = int(rng() % 3);
      for (int i = 0; i < nr; ++i) {
        ReplicaConfig r;
        r.name = "r" + std::to_string(i);
        if (coin()) {
          r.type = "s3";
          r.bucket = "bucket" + std::to_string(rng() % 100);
          if (coin()) r.path = text("prefix");
          if (coin()) r.endpoint = "http://127.0.0.1:9000";
          if (coin()) r.region = text("region");
          if (coin()) r.force_path_style = coin();
          if (coin()) r.skip_verify = coin();
          if (coin()) r.secret_access_key = text("s");
        } else {
          r.path = "/backup/" + std::to_string(i);
        }
        if (coin()) r.sync_interval = dur();
        if (coin()) r.snapshot_interval = dur();
        if (coin()) r.retention = coin() ? dur() : -dur();
        if (coin()) r.retention_check_interval = dur();
        if (coin()) r.validation_interval = dur();
        if (coin()) r.lease_ttl = coin() ? Duration::zero() : std::chrono::seconds(2 + rng() % 600);
        db.replicas.push_back(r);
      }
      c.dbs.push_back(db);
    }
    std::string yaml = render(c);
    INFO(yaml);
    REQUIRE(parse(yaml, {.expand_env = false}) == c);
  }
}
