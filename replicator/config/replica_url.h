#pragma once
// Replica URL pieces by litestream v0.3.13's rules (ParseReplicaURL, s3.ParseHost). Used by
// config.cpp's resolve_replica; exposed for the tests and for components that need the host rules.
#include <string>
#include <string_view>

namespace hs::config {

struct ReplicaUrl {
  std::string scheme;  // "file", "s3", ...
  std::string host;    // "" for file
  std::string path;    // file: the cleaned path; others: cleaned, without leading '/' ("" for none)
};
// Throws ConfigError("<what>: ...") when the URL has no scheme or is malformed.
ReplicaUrl split_replica_url(std::string_view url, const std::string& what);

struct S3HostParts {
  std::string bucket, region, endpoint;
  bool force_path_style = false;
};
// BUCKET.localhost[:port] -> http://localhost[:port] path-style, us-east-1; backblaze, filebase,
// digitalocean, scaleway, linode hosts -> their https endpoint; anything else is the bucket.
S3HostParts parse_s3_host(std::string_view host);

}  // namespace hs::config
