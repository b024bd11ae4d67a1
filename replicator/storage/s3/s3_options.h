#pragma once
// Everything the S3 client needs to know, already resolved (no URL parsing, no env lookups here:
// see s3_url.h for litestream's host rules and s3_factory.h for config + environment).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace hs::storage {

struct RetryPolicy {
  // Attempts per request (1 = no retry). Retried: connection errors, timeouts, HTTP 5xx, 429.
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{200};  // doubled after each failure...
  std::chrono::milliseconds max_backoff{5000};     // ...up to this
};

struct S3Options {
  std::string bucket;
  std::string path;               // key prefix ("" = bucket root); joined like Go's path.Join
  std::string region;             // "" = us-east-1, then the region S3 names on a wrong-region answer
                                  // (no GetBucketLocation, which needs its own permission)
  std::string endpoint;           // "" = AWS (https://s3.<region>.amazonaws.com); else e.g. http://127.0.0.1:9000
  bool force_path_style = false;  // true: <endpoint>/<bucket>/<key>; false: <bucket>.<host>/<key>
  bool skip_verify = false;       // TLS certificate checks off (self-signed MinIO); never the default
  std::string access_key_id;
  std::string secret_access_key;

  RetryPolicy retry;
  int max_keys = 1000;                 // ListObjects page size (tests use small pages)
  size_t part_size = 5 * 1024 * 1024;  // bytes buffered per PUT; larger objects go multipart
  std::chrono::seconds connect_timeout{10};
  // A transfer slower than 1 byte/s for this long is a timeout (no total limit: big snapshots on
  // slow uplinks must be able to finish).
  std::chrono::seconds stall_timeout{60};
  // A buffered request (LIST, DELETE, a PUT or a multipart part) must finish within this plus the
  // time its body takes at min_transfer_rate, per attempt: an endpoint that accepts the connection
  // and never answers costs a bounded time, not the stall timeout again and again.
  std::chrono::seconds request_timeout{30};
  int64_t min_transfer_rate = 64 * 1024;  // bytes per second

  // Called before each retry with a one-line reason (no secrets), e.g. for a WARN log line.
  std::function<void(std::string_view)> on_retry;
  // Called after each successful request, for litestream's replica_operation_total/_bytes
  // metrics: op is "GET", "PUT", "LIST" or "DELETE"; bytes is the object bytes moved (PUT, GET).
  // A multipart upload counts one PUT per part (one per billed request).
  std::function<void(std::string_view op, int64_t bytes)> on_operation;
  // Called when each request is sent, every attempt (retries and failures included: providers bill
  // them), with what S3 bills it as: "GET", "PUT" (multipart create/complete too), "LIST",
  // "DELETE" (DeleteObjects too) or "HEAD". hs_replica_requests_total counts these.
  std::function<void(std::string_view kind)> on_request;
};

}  // namespace hs::storage
