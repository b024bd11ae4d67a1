#pragma once
// The S3 XML documents we read and write (pugixml). Parsers throw core::Error naming the document
// when the XML is not what S3 sends, so a broken gateway never looks like an empty bucket.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hs::storage {

struct S3Object {
  std::string key;
  int64_t size = 0;
  std::chrono::system_clock::time_point last_modified;
};

// One page of ListObjects (v1) / ListObjectsV2.
struct ListPage {
  std::vector<S3Object> contents;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_marker;              // v1: NextMarker (sent only with a delimiter), may be empty
  std::string next_continuation_token;  // v2
  // Where the next v1 request starts: NextMarker, else the last key or prefix of this page.
  std::string resume_marker() const;
};
ListPage parse_list_page(std::string_view xml);

// <Error><Code>..</Code><Message>..</Message></Error>; nullopt when the body is not an S3 error.
struct S3ErrorBody {
  std::string code;
  std::string message;
  std::string region;  // <Region>: AWS names the bucket's region on a wrong-region request
};
std::optional<S3ErrorBody> parse_error_body(std::string_view xml);

// InitiateMultipartUploadResult/UploadId.
std::string parse_upload_id(std::string_view xml);

// CompleteMultipartUpload request body; parts are 1-based and ETags quoted as S3 returned them.
std::string complete_multipart_xml(const std::vector<std::string>& etags);
// CompleteMultipartUpload can answer 200 with an <Error> body: nullopt when it succeeded.
std::optional<S3ErrorBody> parse_complete_multipart(std::string_view xml);

// DeleteObjects request body (Quiet: only failures are reported).
std::string delete_objects_xml(const std::vector<std::string>& keys);
struct DeleteFailure {
  std::string key;
  std::string code;
  std::string message;
};
std::vector<DeleteFailure> parse_delete_result(std::string_view xml);

// ISO 8601 as S3 sends it ("2026-11-25T08:23:30.000Z", fraction optional).
std::chrono::system_clock::time_point parse_s3_time(std::string_view s);

}  // namespace hs::storage
