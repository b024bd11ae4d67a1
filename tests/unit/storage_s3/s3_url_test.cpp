#include <catch2/catch.hpp>

#include "core/error.h"
#include "storage/s3/s3_url.h"

using namespace hs::storage;

TEST_CASE("uri_encode keeps unreserved characters (and '/' in keys)") {
  CHECK(uri_encode("a-b_c.d~e/f g", true) == "a-b_c.d~e/f%20g");
  CHECK(uri_encode("a/b", false) == "a%2Fb");
  CHECK(uri_encode("test$file.text", true) == "test%24file.text");
  CHECK(uri_encode("ü", true) == "%C3%BC");
}

TEST_CASE("S3Addressing builds path-style and virtual-hosted URLs") {
  S3Options o;
  o.bucket = "bkt";
  SECTION("AWS default: virtual-hosted https, region in host") {
    CHECK(S3Addressing(o).url("k") == "https://bkt.s3.amazonaws.com/k");
    o.region = "eu-west-1";
    CHECK(S3Addressing(o).url("a b/c") == "https://bkt.s3.eu-west-1.amazonaws.com/a%20b/c");
    CHECK(S3Addressing(o).region() == "eu-west-1");
  }
  SECTION("custom endpoint, path-style, region defaults to us-east-1") {
    o.endpoint = "http://127.0.0.1:9000";
    o.force_path_style = true;
    S3Addressing a(o);
    CHECK(a.region() == "us-east-1");
    CHECK(a.url("p/generations/x") == "http://127.0.0.1:9000/bkt/p/generations/x");
    CHECK(a.url("", {{"prefix", "p/generations/"}, {"delimiter", "/"}, {"max-keys", "1000"}}) ==
          "http://127.0.0.1:9000/bkt?delimiter=%2F&max-keys=1000&prefix=p%2Fgenerations%2F");
    CHECK(a.url("", {{"delete", ""}}) == "http://127.0.0.1:9000/bkt?delete=");
  }
  SECTION("endpoint without a scheme is https; virtual-hosted on a custom endpoint") {
    o.endpoint = "minio.lan:9000";
    CHECK(S3Addressing(o).url("k") == "https://bkt.minio.lan:9000/k");
    CHECK(S3Addressing(o).scheme() == "https");
  }
  SECTION("bad input is named") {
    o.endpoint = "ftp://x";
    CHECK_THROWS_WITH(S3Addressing(o), Catch::Contains("endpoint \"ftp://x\": scheme must be http or https"));
    o.endpoint = "";
    o.bucket = "";
    CHECK_THROWS_WITH(S3Addressing(o), Catch::Contains("bucket required"));
  }
}
