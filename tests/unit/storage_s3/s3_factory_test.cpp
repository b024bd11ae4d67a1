#include <catch2/catch.hpp>

#include <cstdlib>

#include "storage/s3/s3_client.h"
#include "storage/s3/s3_factory.h"

using namespace hs;

namespace {
// Credentials only from what each test sets: clear the environment's.
struct CleanEnv {
  static void clear() {
    for (const char* v :
         {"LITESTREAM_ACCESS_KEY_ID", "LITESTREAM_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"})
      unsetenv(v);
  }
  CleanEnv() { clear(); }
  ~CleanEnv() { clear(); }
};

const storage::S3ReplicaClient& as_s3(const std::unique_ptr<core::ReplicaClient>& c) {
  auto* s3 = dynamic_cast<const storage::S3ReplicaClient*>(c.get());
  REQUIRE(s3 != nullptr);
  return *s3;
}
}  // namespace

TEST_CASE("a resolved s3 replica becomes client options unchanged") {
  config::ResolvedReplica r;
  r.name = "offsite";
  r.type = "s3";
  r.bucket = "bkt";
  r.path = "apps/db";
  r.region = "eu-west-1";
  r.endpoint = "https://minio.lan:9000";
  r.force_path_style = true;
  r.skip_verify = true;
  r.access_key_id = "AKID";
  r.secret_access_key = "SECRET";
  auto o = storage::s3_options(r);
  CHECK(o.bucket == "bkt");
  CHECK(o.path == "apps/db");
  CHECK(o.region == "eu-west-1");
  CHECK(o.endpoint == "https://minio.lan:9000");
  CHECK(o.force_path_style);
  CHECK(o.skip_verify);
  CHECK(o.access_key_id == "AKID");
  CHECK(o.secret_access_key == "SECRET");
  CHECK(o.on_retry);  // retries are logged (DEBUG)
  auto client = storage::make_s3_replica_client(r);
  CHECK(client->type() == "s3");
}

TEST_CASE("missing bucket or credentials are errors naming the replica and what to set") {
  CleanEnv clean;
  config::ResolvedReplica r;
  r.name = "s3";
  r.type = "s3";
  r.bucket = "bkt";
  CHECK_THROWS_WITH(storage::s3_options(r),
                    Catch::StartsWith("replica \"s3\": no S3 credentials: set access-key-id and secret-access-key") &&
                        Catch::Contains("LITESTREAM_ACCESS_KEY_ID/LITESTREAM_SECRET_ACCESS_KEY"));
  r.access_key_id = "AKID";  // a key without its secret is no better
  CHECK_THROWS_AS(storage::s3_options(r), config::ConfigError);
  r.secret_access_key = "S";
  r.bucket = "";
  CHECK_THROWS_WITH(storage::s3_options(r), "replica \"s3\": bucket required for s3 replica");
  r.type = "file";
  CHECK_THROWS_WITH(storage::s3_options(r), Catch::Contains("not s3"));
}

TEST_CASE("CLI URL form with credentials from the environment (litestream's names first)") {
  CleanEnv clean;
  setenv("AWS_ACCESS_KEY_ID", "aws-id", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "aws-secret", 1);
  setenv("LITESTREAM_ACCESS_KEY_ID", "ls-id", 1);
  setenv("LITESTREAM_SECRET_ACCESS_KEY", "ls-secret", 1);
  auto client = storage::make_s3_replica_client(config::parse_replica_url("s3://bkt.localhost:9000/app/db"));
  const auto& o = as_s3(client).options();
  CHECK(o.bucket == "bkt");
  CHECK(o.endpoint == "http://localhost:9000");
  CHECK(o.force_path_style);
  CHECK(o.region == "us-east-1");
  CHECK(o.path == "app/db");
  CHECK(o.access_key_id == "ls-id");
  CHECK(o.secret_access_key == "ls-secret");

  unsetenv("LITESTREAM_ACCESS_KEY_ID");
  unsetenv("LITESTREAM_SECRET_ACCESS_KEY");
  auto aws = storage::make_s3_replica_client(config::parse_replica_url("s3://my-bucket/db"));
  const auto& a = as_s3(aws).options();
  CHECK(a.access_key_id == "aws-id");
  CHECK(a.endpoint.empty());
  CHECK_FALSE(a.force_path_style);  // AWS: virtual-hosted
}
