// Replica URLs of the CLI form and the `url` key, by litestream's rules.
#include "config/replica_url.h"

#include <catch2/catch.hpp>

#include "config/config.h"

using namespace hs::config;

namespace {
ResolvedReplica resolve_url(const std::string& url) {
  return resolve_replica(Config{}, parse_replica_url(url));
}
}  // namespace

TEST_CASE("s3 URLs") {
  auto r = resolve_url("s3://mybucket/backups/app.db");
  CHECK(r.type == "s3");
  CHECK(r.name == "s3");
  CHECK(r.bucket == "mybucket");
  CHECK(r.path == "backups/app.db");
  CHECK(r.endpoint.empty());
  CHECK(r.region.empty());
  CHECK_FALSE(r.force_path_style);
  CHECK(r.sync_interval == std::chrono::seconds(1));

  CHECK(resolve_url("s3://mybucket").path.empty());
  CHECK(resolve_url("s3://mybucket/").path.empty());
  CHECK(resolve_url("s3://mybucket//a//b/").path == "a/b");
}

TEST_CASE("special hosts") {
  auto r = resolve_url("s3://bkt.localhost:9000/db");
  CHECK(r.bucket == "bkt");
  CHECK(r.endpoint == "http://localhost:9000");
  CHECK(r.region == "us-east-1");
  CHECK(r.force_path_style);

  auto b = resolve_url("s3://bkt.s3.us-west-002.backblazeb2.com/db");
  CHECK(b.bucket == "bkt");
  CHECK(b.region == "us-west-002");
  CHECK(b.endpoint == "https://s3.us-west-002.backblazeb2.com");
  CHECK(b.force_path_style);

  auto f = resolve_url("s3://bkt.s3.filebase.com/db");
  CHECK(f.bucket == "bkt");
  CHECK(f.endpoint == "https://s3.filebase.com");

  auto d = resolve_url("s3://bkt.nyc3.digitaloceanspaces.com/db");
  CHECK(d.bucket == "bkt");
  CHECK(d.region == "nyc3");
  CHECK(d.endpoint == "https://nyc3.digitaloceanspaces.com");

  auto s = resolve_url("s3://bkt.s3.fr-par.scw.cloud/db");
  CHECK(s.region == "fr-par");
  CHECK(s.endpoint == "https://s3.fr-par.scw.cloud");

  auto l = resolve_url("s3://bkt.us-east-1.linodeobjects.com/db");
  CHECK(l.region == "us-east-1");
  CHECK(l.endpoint == "https://us-east-1.linodeobjects.com");

  CHECK(parse_s3_host("my.bucket.example").bucket == "my.bucket.example");
}

TEST_CASE("explicit fields win over URL parts") {
  Config c;
  ReplicaConfig r;
  r.url = "s3://bkt.localhost:9000/fromurl";
  r.path = "explicit";
  r.region = "eu-central-1";
  r.endpoint = "http://127.0.0.1:7000";
  auto rr = resolve_replica(c, r);
  CHECK(rr.path == "explicit");
  CHECK(rr.region == "eu-central-1");
  CHECK(rr.endpoint == "http://127.0.0.1:7000");
  CHECK(rr.bucket == "bkt");
  CHECK(rr.force_path_style);
}

TEST_CASE("file URLs") {
  auto r = resolve_url("file:///mnt/backup/app");
  CHECK(r.type == "file");
  CHECK(r.path == "/mnt/backup/app");
  CHECK(resolve_url("file:///mnt//backup/../b/").path == "/mnt/b");
}

TEST_CASE("bad URLs name the URL and the problem") {
  CHECK_THROWS_WITH(parse_replica_url("gs://bkt/db"), Catch::Contains("unsupported replica url scheme \"gs\""));
  CHECK_THROWS_WITH(parse_replica_url("s3://"), Catch::Contains("has no host"));
  CHECK_THROWS_WITH(parse_replica_url("/just/a/path"), Catch::Contains("replica url scheme required"));
  CHECK_THROWS_WITH(parse_replica_url("s3://bkt/db?x=1"), Catch::Contains("query"));
  CHECK_THROWS_WITH(parse_replica_url("s3://"), Catch::StartsWith("replica url s3://: ") && !Catch::Contains("dbs[0]"));
  CHECK_THROWS_AS(parse_replica_url("s3://.localhost:9000/db"), ConfigError);  // no bucket before .localhost
}

TEST_CASE("is_url is litestream's ^\\w+://") {
  CHECK(is_url("s3://b/p"));
  CHECK(is_url("file:///x"));
  CHECK_FALSE(is_url("/data/app.db"));
  CHECK_FALSE(is_url("bkt.localhost:9000/x"));
}
