#pragma once
// Where S3 requests go: litestream's host rules for `s3://` replica URLs, and the request URL of
// an object for path-style or virtual-hosted addressing. Pure functions, unit-tested.
#include <map>
#include <string>
#include <string_view>

#include "storage/s3/s3_options.h"

namespace hs::storage {

// What the host of `s3://HOST/PATH` says, by litestream v0.3.13's s3.ParseHost rules:
//   BUCKET.localhost[:port]           -> endpoint http://localhost[:port], region us-east-1
//   BUCKET.s3.REGION.backblazeb2.com  -> endpoint https://s3.REGION.backblazeb2.com
//   BUCKET.s3.filebase.com, BUCKET.REGION.digitaloceanspaces.com, BUCKET.s3.REGION.scw.cloud,
//   BUCKET.REGION.linodeobjects.com   -> the provider's endpoint (path-style)
//   anything else                     -> AWS: the whole host is the bucket, virtual-hosted
struct S3Host {
  std::string bucket;
  std::string region;
  std::string endpoint;
  bool force_path_style = false;
};
S3Host parse_s3_host(std::string_view host);

// S3 URI encoding (RFC 3986 unreserved characters kept); '/' kept when keep_slash (object keys).
std::string uri_encode(std::string_view s, bool keep_slash);

// Go's path.Join(prefix, rest) for object keys: no leading '/', no doubled or trailing '/'.
std::string join_key(std::string_view prefix, std::string_view rest);

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
