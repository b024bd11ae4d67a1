// Every key of litestream.yml v0.3.13 and of our extensions, parsed into the model.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "config/config.h"

using namespace hs::config;
using namespace std::chrono;

TEST_CASE("every key is parsed") {
  ::setenv("HOME", "/home/pi", 1);
  const char* yaml = R"(
addr: ":9090"
exec: "myapp serve"
access-key-id: GLOBALKEY
secret-access-key: GLOBALSECRET
logging:
  level: debug
  type: json
  stderr: true
healthcheck-url: https://hc-ping.com/abc
max-age: 26h
shutdown-timeout: 25s
healthz-max-lag: 5m
alerts:
  throttle: {rate: 2, interval: 1h, window: 3}
  sinks:
    - type: slack
      url: https://hooks.slack.com/services/T/B/X
    - type: gotify
      url: https://gotify.lan
      token-file: /run/secrets/gotify
      priority: 8
    - type: ntfy
      name: phone
      url-file: /run/secrets/ntfy
      topic: homeserver
      priority: 4
    - type: webhook
      url: http://127.0.0.1:8080/hook
      token: abc
dbs:
  - path: ~/data/app.db
    meta-path: /var/lib/meta
    monitor-interval: 2s
    checkpoint-interval: 5m
    min-checkpoint-page-count: 500
    max-checkpoint-page-count: 0
    replicas:
      - name: nas
        type: s3
        bucket: backups
        path: app
        endpoint: http://nas.lan:9000
        region: eu-west-1
        force-path-style: false
        skip-verify: true
        access-key-id: K
        secret-access-key: S
        sync-interval: 10s
        snapshot-interval: 24h
        retention: 72h
        retention-check-interval: 30m
        validation-interval: 12h
        lease-ttl: 0s
      - url: file:///mnt/usb/app
  - path: /srv/other.db
)";
  Config c = parse(yaml);
  CHECK(c.addr == ":9090");
  CHECK(c.exec == "myapp serve");
  CHECK(c.access_key_id == "GLOBALKEY");
  CHECK(c.secret_access_key == "GLOBALSECRET");
  REQUIRE(c.logging);
  CHECK(c.logging->level == "debug");
  CHECK(log_level(c) == "DEBUG");
  CHECK(log_type(c) == "json");
  CHECK(log_stderr(c));
  CHECK(c.healthcheck_url == "https://hc-ping.com/abc");
  CHECK(c.max_age == hours(26));
  CHECK(c.shutdown_timeout == seconds(25));
  CHECK(c.healthz_max_lag == minutes(5));
  CHECK(alert_rate(c) == 2);
  CHECK(alert_interval(c) == hours(1));
  CHECK(alert_window(c) == 3);
  REQUIRE(c.alerts->sinks.size() == 4);
  CHECK(c.alerts->sinks[1].token_file == "/run/secrets/gotify");
  CHECK(c.alerts->sinks[1].priority == 8);
  CHECK(c.alerts->sinks[2].name == "phone");
  CHECK(c.alerts->sinks[2].url_file == "/run/secrets/ntfy");
  CHECK(c.alerts->sinks[2].topic == "homeserver");
  CHECK(c.alerts->sinks[3].token == "abc");

  REQUIRE(c.dbs.size() == 2);
  const DbConfig& db = c.dbs[0];
  CHECK(db.path == "/home/pi/data/app.db");
  CHECK(db.meta_path == "/var/lib/meta");
  CHECK(meta_path(db) == "/var/lib/meta");
  CHECK(monitor_interval(db) == seconds(2));
  CHECK(checkpoint_interval(db) == minutes(5));
  CHECK(min_checkpoint_page_count(db) == 500);
  CHECK(max_checkpoint_page_count(db) == 0);
  REQUIRE(db.replicas.size() == 2);
  const ReplicaConfig& r = db.replicas[0];
  CHECK(replica_name(r) == "nas");
  CHECK(replica_type(r) == "s3");
  CHECK(r.bucket == "backups");
  CHECK(r.force_path_style == false);
  CHECK(r.skip_verify == true);
  CHECK(r.sync_interval == seconds(10));
  CHECK(r.snapshot_interval == hours(24));
  CHECK(r.retention == hours(72));
  CHECK(r.retention_check_interval == minutes(30));
  CHECK(r.validation_interval == hours(12));
  CHECK(r.lease_ttl == Duration::zero());
  CHECK(resolve_replica(c, r).lease_ttl == Duration::zero());
  ResolvedReplica rr = resolve_replica(c, r);
  CHECK(rr.endpoint == "http://nas.lan:9000");
  CHECK_FALSE(rr.force_path_style);  // explicit false wins over the endpoint's implied true
  CHECK(rr.access_key_id == "K");
  CHECK(rr.region == "eu-west-1");
  CHECK(rr.path == "app");

  CHECK(replica_type(db.replicas[1]) == "file");
  CHECK(replica_name(db.replicas[1]) == "file");
  ResolvedReplica fr = resolve_replica(c, db.replicas[1]);
  CHECK(fr.path == "/mnt/usb/app");

  // Second db: nothing set, every default is litestream's.
  const DbConfig& d2 = c.dbs[1];
  CHECK(meta_path(d2) == "/srv/.other.db-litestream");
  CHECK(monitor_interval(d2) == seconds(1));
  CHECK(checkpoint_interval(d2) == minutes(1));
  CHECK(min_checkpoint_page_count(d2) == 1000);
  CHECK(max_checkpoint_page_count(d2) == 10000);
  CHECK(d2.replicas.empty());
}

TEST_CASE("unset keys stay unset and defaults come from accessors") {
  Config c = parse("dbs:\n  - path: /data/app.db\n    replicas:\n      - url: s3://bkt/app\n");
  const ReplicaConfig& r = c.dbs[0].replicas[0];
  CHECK_FALSE(r.sync_interval);
  CHECK_FALSE(r.retention);
  CHECK_FALSE(c.logging);
  CHECK(log_level(c) == "INFO");
  CHECK(log_type(c) == "text");
  CHECK_FALSE(log_stderr(c));
  CHECK(alert_rate(c) == 1);
  CHECK(alert_interval(c) == hours(2));
  CHECK(alert_window(c) == 6);
  ::setenv("LITESTREAM_ACCESS_KEY_ID", "envkey", 1);
  ::setenv("LITESTREAM_SECRET_ACCESS_KEY", "envsecret", 1);
  ResolvedReplica rr = resolve_replica(c, r);
  CHECK(rr.sync_interval == seconds(1));
  CHECK(rr.retention == hours(24));
  CHECK(rr.retention_check_interval == hours(1));
  CHECK(rr.snapshot_interval == Duration::zero());
  CHECK(rr.validation_interval == Duration::zero());
  CHECK(rr.lease_ttl == seconds(30));  // one writer per replica unless lease-ttl: 0
  CHECK(rr.bucket == "bkt");
  CHECK(rr.path == "app");
  CHECK(rr.endpoint.empty());
  CHECK_FALSE(rr.force_path_style);
  CHECK(rr.access_key_id == "envkey");
  CHECK(rr.secret_access_key == "envsecret");
  ::unsetenv("LITESTREAM_ACCESS_KEY_ID");
  ::unsetenv("LITESTREAM_SECRET_ACCESS_KEY");
}

TEST_CASE("global credentials propagate to replicas without their own") {
  Config c = parse(
      "access-key-id: G\nsecret-access-key: GS\ndbs:\n  - path: /a.db\n    replicas:\n"
      "      - {name: one, type: s3, bucket: b}\n      - {name: two, type: s3, bucket: b, access-key-id: own}\n");
  CHECK(resolve_replica(c, c.dbs[0].replicas[0]).access_key_id == "G");
  CHECK(resolve_replica(c, c.dbs[0].replicas[1]).access_key_id == "own");
  CHECK(resolve_replica(c, c.dbs[0].replicas[1]).secret_access_key == "GS");
}

TEST_CASE("retention-check-interval is capped at retention") {
  Config c = parse("dbs:\n  - path: /a.db\n    replicas:\n      - {path: /b, retention: 10m}\n");
  CHECK(resolve_replica(c, c.dbs[0].replicas[0]).retention_check_interval == minutes(10));
}

TEST_CASE("environment expansion over the whole text, and -no-expand-env") {
  ::setenv("HS_T_BUCKET", "envbucket", 1);
  ::setenv("HS_T_LEVEL", "warn", 1);
  ::unsetenv("HS_T_UNSET");
  const char* yaml =
      "logging: {level: $HS_T_LEVEL}\nexec: \"x${HS_T_UNSET}y\"\n"
      "dbs:\n  - path: /a.db\n    replicas:\n      - url: s3://${HS_T_BUCKET}/p\n";
  Config c = parse(yaml);
  CHECK(log_level(c) == "WARN");
  CHECK(c.exec == "xy");
  CHECK(c.dbs[0].replicas[0].url == "s3://envbucket/p");

  Config raw = parse(yaml, {.expand_env = false});
  CHECK(raw.dbs[0].replicas[0].url == "s3://${HS_T_BUCKET}/p");
  CHECK(raw.exec == "x${HS_T_UNSET}y");
  CHECK(raw.logging->level == "$HS_T_LEVEL");  // checked once expanded, not before

  Config paths = parse("dbs:\n  - path: ${DATA}/app.db\n    replicas: [{path: $BACKUP}]\n", {.expand_env = false});
  CHECK(paths.dbs[0].path == "${DATA}/app.db");
  CHECK(paths.dbs[0].replicas[0].path == "$BACKUP");
}

TEST_CASE("load_file reads a file and names it in errors") {
  std::string dir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  std::string path = dir + "/hs-config-test-" + std::to_string(::getpid()) + ".yml";
  { std::ofstream(path) << "dbs:\n  - path: /x.db\n    replicas: [{path: /r}]\n"; }
  CHECK(load_file(path).dbs[0].replicas[0].path == "/r");
  { std::ofstream(path) << "dbs:\n  - path: /x.db\n    bogus: 1\n"; }
  CHECK_THROWS_WITH(load_file(path), Catch::Contains(path) && Catch::Contains("dbs[0].bogus: unknown key"));
  std::remove(path.c_str());
  CHECK_THROWS_WITH(load_file(path), Catch::Contains("cannot open"));
}

TEST_CASE("LITESTREAM_CONFIG sets the default config path") {
  ::unsetenv("LITESTREAM_CONFIG");
  CHECK(default_config_path() == "/etc/litestream.yml");
  ::setenv("LITESTREAM_CONFIG", "/etc/hs.yml", 1);
  CHECK(default_config_path() == "/etc/hs.yml");
  ::unsetenv("LITESTREAM_CONFIG");
}

TEST_CASE("read_secret reads url-file and token-file") {
  std::string path = "/tmp/hs-secret-" + std::to_string(::getpid());
  { std::ofstream(path) << "https://hooks.example/abc\n"; }
  CHECK(read_secret(std::nullopt, path, "alerts.sinks[0].url") == "https://hooks.example/abc");
  CHECK(read_secret(std::string("inline"), std::nullopt, "k") == "inline");
  std::remove(path.c_str());
  CHECK_THROWS_WITH(read_secret(std::nullopt, path, "alerts.sinks[0].url"),
                    Catch::StartsWith("alerts.sinks[0].url-file: cannot read"));
}
