#pragma once
// One S3 request over libcurl: SigV4 by libcurl (CURLOPT_AWS_SIGV4), retries with exponential
// backoff, and errors that name the operation, the object and S3's own error code and message:
//   S3 PUT bucket/key: 403 SignatureDoesNotMatch: The request signature we calculated...
// Each thread reuses one CURL handle, so requests on a thread reuse its kept-alive connection.
#include <curl/curl.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "storage/s3/s3_options.h"
#include "storage/s3/s3_url.h"

namespace hs::storage {

// A request S3 answered with an error status (after retries). 404s throw core::NotFoundError.
class S3Error : public core::Error {
 public:
  S3Error(const std::string& msg, long status, std::string code)
      : core::Error(msg), status(status), code(std::move(code)) {}
  long status;
  std::string code;  // S3 error code ("SignatureDoesNotMatch"), "" if the body had none
};

struct S3Request {
  const char* op = "GET";           // what error messages call it: GET, PUT, LIST, DELETE...
  const char* metric_op = nullptr;  // on_operation label; default: op; "" = not counted
  std::string method = "GET";
  std::string key;  // "" = the bucket
  std::map<std::string, std::string> query;
  std::vector<std::string> headers;  // extra "Name: value" headers (signed by libcurl)
  std::string_view body;             // sent with a Content-Length (PUT/POST)
  std::string content_type = "application/octet-stream";
};

struct S3Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

// Hex SHA-256 / base64 MD5 of a body, for x-amz-content-sha256 and Content-MD5.
std::string sha256_hex(std::string_view data);
std::string md5_base64(std::string_view data);
extern const char* const kEmptySha256;

class S3Http {
 public:
  explicit S3Http(S3Options opts);

  // Performs req, retrying per opts.retry; returns only 2xx responses.
  S3Response perform(const S3Request& req) const;

  // Sets everything but the body on a reset handle: URL, method, signing, credentials, TLS,
  // timeouts and the headers (returned list must outlive the transfer; caller frees it).
  curl_slist* configure(CURL* h, const S3Request& req, std::string_view payload_sha256) const;

  // "bucket/key" for messages.
  std::string object_name(std::string_view key) const;
  // An exception for a finished request: NotFoundError for 404, S3Error otherwise.
  [[noreturn]] void throw_status(const S3Request& req, long status, std::string_view body) const;
  // Transport failures and 5xx/429 are worth another attempt.
  static bool retryable_status(long status, std::string_view body);
  static bool retryable_curl(CURLcode rc);
  // Sleeps before attempt `next_attempt` (2, 3, ...) and reports why through opts.on_retry.
  // Returns at once, throwing, when cancel() is called meanwhile.
  void backoff(int next_attempt, const std::string& why) const;

  // Aborts every transfer in flight (libcurl's progress callback polls it at least once a second)
  // and makes later requests and backoffs throw at once. One-way: used when shutdown runs out of time.
  void cancel() const;
  bool cancelled() const { return cancelled_.load(); }
  // Throws the "cancelled" error for `what` if cancel() was called.
  void throw_if_cancelled(std::string_view what) const;
  // Moves whenever a transfer sends or receives bytes (see ReplicaClient::progress).
  int64_t progress() const { return progress_.load(std::memory_order_relaxed); }
  // Per-attempt deadline of a buffered request with a body of `body_bytes` (see S3Options).
  long request_timeout_ms(size_t body_bytes) const;

  // What S3 bills `req` as (see S3Options::on_request).
  static const char* request_kind(const S3Request& req);
  // Reports a request about to be sent through opts.on_request (if set).
  void note_request(const S3Request& req) const {
    if (opts_.on_request) opts_.on_request(request_kind(req));
  }
  // Reports a successful operation through opts.on_operation (if set).
  void count(std::string_view op, int64_t bytes) const {
    if (opts_.on_operation) opts_.on_operation(op, bytes);
  }

  const S3Options& options() const { return opts_; }
  // The region requests are signed for (changes once if the bucket says it lives elsewhere).
  std::string region() const;
  std::string url(std::string_view key, const std::map<std::string, std::string>& query = {}) const;

 private:
  // With no region configured we start with us-east-1 (no GetBucketLocation call, which needs an
  // extra permission: litestream issue #574). If S3 answers that the bucket lives in another
  // region (301/400 with x-amz-bucket-region or <Region>), switch to it once and resend.
  bool adopt_region(const S3Response& resp) const;

  S3Options opts_;
  mutable std::mutex mu_;  // guards the two below (requests run on several threads)
  mutable S3Addressing addr_;
  mutable std::string sigv4_;  // "aws:amz:<region>:s3"

  static int on_transfer_progress(void* self, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                                  curl_off_t ulnow);
  mutable std::atomic<bool> cancelled_{false};
  mutable std::atomic<int64_t> progress_{0};
  mutable std::mutex cancel_mu_;  // with cancel_cv_: wakes a backoff sleep on cancel()
  mutable std::condition_variable cancel_cv_;
};

}  // namespace hs::storage
