#pragma once
// Where S3 requests go: the request URL of an object for path-style or virtual-hosted addressing.
// (litestream's `s3://` URL and host rules live in config/replica_url.h.)
#include <map>
#include <string>
#include <string_view>

#include "storage/s3/s3_options.h"

namespace hs::storage {

// S3 URI encoding (RFC 3986 unreserved characters kept); '/' kept when keep_slash (object keys).
std::string uri_encode(std::string_view s, bool keep_slash);

// Builds request URLs for one bucket. The endpoint is resolved once at construction:
//   "" -> https://s3.<region>.amazonaws.com (us-east-1: https://s3.amazonaws.com)
//   "host:port" (no scheme) -> https://host:port, like the AWS SDK
class S3Addressing {
 public:
  explicit S3Addressing(const S3Options& opts);

  // URL of `key` ("" = the bucket itself) with the query parameters sorted and encoded, so the
  // URL's query is already in SigV4 canonical form (libcurl signs the query as it is sent).
  std::string url(std::string_view key, const std::map<std::string, std::string>& query = {}) const;

  const std::string& region() const { return region_; }
  // "http" or "https" (tests and logs)
  const std::string& scheme() const { return scheme_; }

 private:
  std::string bucket_;
  std::string region_;
  std::string scheme_;
  std::string authority_;  // host[:port] of the endpoint
  std::string base_path_;  // path part of the endpoint (rare; some gateways mount S3 under /s3)
  bool path_style_;
};

}  // namespace hs::storage
