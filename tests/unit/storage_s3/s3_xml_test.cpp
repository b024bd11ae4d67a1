#include <catch2/catch.hpp>

#include "core/error.h"
#include "storage/s3/s3_xml.h"

using namespace hs::storage;
using namespace std::chrono;

TEST_CASE("ListObjects page with Contents, CommonPrefixes and NextMarker") {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bkt</Name><Prefix>db/generations/</Prefix><Marker></Marker><MaxKeys>2</MaxKeys>
  <Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
  <NextMarker>db/generations/1d2cf359803de756/</NextMarker>
  <Contents><Key>db/generations/stray.txt</Key><LastModified>2026-11-25T08:23:30.123Z</LastModified>
    <ETag>"abc"</ETag><Size>42</Size><StorageClass>STANDARD</StorageClass></Contents>
  <CommonPrefixes><Prefix>db/generations/0a2cf359803de756/</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix>db/generations/1d2cf359803de756/</Prefix></CommonPrefixes>
</ListBucketResult>)";
  auto p = parse_list_page(xml);
  CHECK(p.is_truncated);
  REQUIRE(p.contents.size() == 1);
  CHECK(p.contents[0].key == "db/generations/stray.txt");
  CHECK(p.contents[0].size == 42);
  auto expect = sys_days(year(2026) / 11 / 25) + hours(8) + minutes(23) + seconds(30) + milliseconds(123);
  CHECK(p.contents[0].last_modified == expect);
  CHECK(p.common_prefixes ==
        std::vector<std::string>{"db/generations/0a2cf359803de756/", "db/generations/1d2cf359803de756/"});
  CHECK(p.resume_marker() == "db/generations/1d2cf359803de756/");
}

TEST_CASE("v1 page without NextMarker resumes after its greatest name") {
  const char* xml = R"(<ListBucketResult><IsTruncated>true</IsTruncated>
  <Contents><Key>a/1</Key><LastModified>2026-01-01T00:00:00Z</LastModified><Size>1</Size></Contents>
  <Contents><Key>a/2</Key><LastModified>2026-01-01T00:00:00Z</LastModified><Size>1</Size></Contents>
  <CommonPrefixes><Prefix>a/3/</Prefix></CommonPrefixes></ListBucketResult>)";
  auto p = parse_list_page(xml);
  CHECK(p.resume_marker() == "a/3/");
  CHECK(p.contents[1].last_modified == sys_days(year(2026) / 1 / 1));
}

TEST_CASE("last page and empty listing") {
  auto p = parse_list_page("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  CHECK_FALSE(p.is_truncated);
  CHECK(p.contents.empty());
  CHECK(p.common_prefixes.empty());
}

TEST_CASE("listing responses that are not what S3 sends are errors, not empty buckets") {
  CHECK_THROWS_WITH(parse_list_page("<html>proxy error"), Catch::Contains("S3 ListObjects: response is not XML"));
  CHECK_THROWS_WITH(parse_list_page("<Other/>"), Catch::Contains("no ListBucketResult"));
  CHECK_THROWS_WITH(parse_list_page("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
                    Catch::Contains("truncated page with nothing to continue from"));
  CHECK_THROWS_WITH(parse_list_page("<ListBucketResult><Contents><Key>k</Key><LastModified>yesterday</LastModified>"
                                    "<Size>1</Size></Contents></ListBucketResult>"),
                    Catch::Contains("bad LastModified \"yesterday\""));
  CHECK_THROWS_WITH(
      parse_list_page("<ListBucketResult><Contents><Key>k</Key><LastModified>2026-01-01T00:00:00Z</LastModified>"
                      "</Contents></ListBucketResult>"),
      Catch::Contains("bad Size for key k"));
}

TEST_CASE("S3 error bodies") {
  auto e = parse_error_body(
      "<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>SignatureDoesNotMatch</Code>"
      "<Message>The request signature we calculated does not match</Message><RequestId>tx1</RequestId></Error>");
  REQUIRE(e);
  CHECK(e->code == "SignatureDoesNotMatch");
  CHECK(e->message == "The request signature we calculated does not match");
  CHECK_FALSE(parse_error_body(""));
  CHECK_FALSE(parse_error_body("Service Unavailable"));
  CHECK_FALSE(parse_error_body("<ListBucketResult/>"));
}

TEST_CASE("multipart and delete documents") {
  CHECK(parse_upload_id("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                        "<UploadId>abc-123</UploadId></InitiateMultipartUploadResult>") == "abc-123");
  CHECK_THROWS_WITH(parse_upload_id("<InitiateMultipartUploadResult/>"), Catch::Contains("no UploadId"));
  CHECK(complete_multipart_xml({"\"e1\"", "\"e2\""}) ==
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
        "<Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part></CompleteMultipartUpload>");
  CHECK_FALSE(
      parse_complete_multipart("<CompleteMultipartUploadResult><ETag>x</ETag></CompleteMultipartUploadResult>"));
  auto failed = parse_complete_multipart("<Error><Code>InternalError</Code><Message>retry</Message></Error>");
  REQUIRE(failed);
  CHECK(failed->code == "InternalError");

  CHECK(delete_objects_xml({"a&b", "c"}) ==
        "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key>c</Key></Object></Delete>");
  auto errs = parse_delete_result(
      "<DeleteResult><Deleted><Key>x</Key></Deleted><Error><Key>k1</Key><Code>AccessDenied</Code>"
      "<Message>Access Denied</Message></Error></DeleteResult>");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].key == "k1");
  CHECK(errs[0].code == "AccessDenied");
  CHECK(parse_delete_result("<DeleteResult/>").empty());
}
