#include "storage/s3/s3_http.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <random>

#include "storage/s3/s3_xml.h"

namespace hs::storage {

const char* const kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

namespace {

std::once_flag curl_init_once;

// One handle per thread: curl_easy_reset keeps its connection cache, so consecutive requests
// on a thread (the replication loop's LIST, PUT, LIST...) reuse one kept-alive connection.
struct ThreadHandle {
  CURL* h = nullptr;
  ~ThreadHandle() {
    if (h) curl_easy_cleanup(h);
  }
  CURL* get() {
    if (!h) h = curl_easy_init();
    if (!h) throw core::Error("S3: curl_easy_init failed");
    curl_easy_reset(h);
    return h;
  }
};
thread_local ThreadHandle thread_handle;

void digest(const EVP_MD* md, std::string_view data, unsigned char* out, unsigned* len) {
  if (!EVP_Digest(data.data(), data.size(), out, len, md, nullptr)) throw core::Error("S3: OpenSSL digest failed");
}

size_t append_body(char* p, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, size * n);
  return size * n;
}

size_t collect_header(char* p, size_t size, size_t n, void* user) {
  std::string_view line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = std::string(value);
  }
  return size * n;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  digest(EVP_sha256(), data, md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string md5_base64(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  digest(EVP_md5(), data, md, &len);
  unsigned char b64[64];
  int n = EVP_EncodeBlock(b64, md, static_cast<int>(len));
  return std::string(reinterpret_cast<char*>(b64), n);
}

S3Http::S3Http(S3Options opts) : opts_(std::move(opts)), addr_(opts_) {
  std::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (opts_.access_key_id.empty() || opts_.secret_access_key.empty())
    throw core::Error("s3 replica: access-key-id and secret-access-key are required");
  if (opts_.retry.max_attempts < 1) throw core::Error("s3 replica: retry attempts must be at least 1");
  sigv4_ = "aws:amz:" + addr_.region() + ":s3";
}

std::string S3Http::object_name(std::string_view key) const {
  return key.empty() ? opts_.bucket : opts_.bucket + "/" + std::string(key);
}

curl_slist* S3Http::configure(CURL* h, const S3Request& req, std::string_view payload_sha256) const {
  std::string sigv4;
  std::string url;
  {
    std::lock_guard<std::mutex> lock(mu_);
    url = addr_.url(req.key, req.query);
    sigv4 = sigv4_;
  }
  // libcurl copies string options, so these locals may go away after setopt.
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  // Only http(s), and never follow redirects: a redirect would carry our signed request elsewhere.
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
  // Separate user and password: access keys may contain ':' (Swift's "account:user").
  curl_easy_setopt(h, CURLOPT_USERNAME, opts_.access_key_id.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, opts_.secret_access_key.c_str());
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, opts_.skip_verify ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, opts_.skip_verify ? 0L : 2L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(opts_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(opts_.stall_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  // Polled by libcurl at least once a second, even on a silent connection: cancellation and progress.
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &S3Http::on_transfer_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<S3Http*>(this));

  curl_slist* headers = nullptr;
  // S3 (and Swift's s3api) require the payload hash header; libcurl signs the value given here.
  headers = curl_slist_append(headers, ("x-amz-content-sha256: " + std::string(payload_sha256)).c_str());
  for (const auto& hdr : req.headers) headers = curl_slist_append(headers, hdr.c_str());
  if (req.method == "PUT" || req.method == "POST") {
    headers = curl_slist_append(headers, ("Content-Type: " + req.content_type).c_str());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    if (req.method == "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  return headers;
}

void S3Http::throw_status(const S3Request& req, long status, std::string_view body) const {
  std::string msg = std::string("S3 ") + req.op + " " + object_name(req.key) + ": " + std::to_string(status);
  std::string code;
  if (auto err = parse_error_body(body)) {
    code = err->code;
    msg += " " + err->code;
    if (!err->message.empty()) msg += ": " + err->message;
    // The two errors a person fixes outside the replicator: say where to look.
    if (code == "RequestTimeTooSkewed")
      msg +=
          " (clock skew: this machine's clock and the S3 server's differ by more than S3 allows, 15 minutes on "
          "AWS; check NTP on both)";
    else if (code == "SignatureDoesNotMatch")
      msg +=
          " (signature mismatch: check secret-access-key and region, and that nothing between here and S3 "
          "rewrites requests)";
  } else if (status == 404) {
    msg += " NotFound";
  }
  if (status == 404) throw core::NotFoundError(msg);
  throw S3Error(msg, status, code);
}

bool S3Http::retryable_status(long status, std::string_view body) {
  if (status >= 500 || status == 429) return true;
  // S3 answers 400 RequestTimeout when the body arrived too slowly: the request itself was fine.
  if (status == 400) {
    auto err = parse_error_body(body);
    return err && (err->code == "RequestTimeout" || err->code == "RequestTimeTooSkewed");
  }
  return false;
}

bool S3Http::retryable_curl(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

const char* S3Http::request_kind(const S3Request& req) {
  if (req.method == "HEAD") return "HEAD";
  if (req.method == "GET") return req.key.empty() && !req.query.count("location") ? "LIST" : "GET";
  if (req.method == "DELETE") return "DELETE";  // an aborted multipart upload too
  if (req.method == "POST") return req.query.count("delete") ? "DELETE" : "PUT";
  return "PUT";
}

long S3Http::request_timeout_ms(size_t body_bytes) const {
  int64_t rate = std::max<int64_t>(1, opts_.min_transfer_rate);
  return static_cast<long>(opts_.request_timeout.count() * 1000 + int64_t(body_bytes) * 1000 / rate);
}

void S3Http::backoff(int next_attempt, const std::string& why) const {
  auto delay = opts_.retry.initial_backoff;
  for (int i = 2; i < next_attempt && delay < opts_.retry.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, opts_.retry.max_backoff);
  // Jitter (half to all of the delay), so the replicas of a node that lost S3 together do not retry
  // in lockstep when it comes back.
  {
    thread_local std::minstd_rand rng{std::random_device{}()};
    auto half = delay / 2;
    delay = half + std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, half.count())(rng));
  }
  if (opts_.on_retry) {
    opts_.on_retry(why + " (attempt " + std::to_string(next_attempt) + "/" + std::to_string(opts_.retry.max_attempts) +
                   " in " + std::to_string(delay.count()) + "ms)");
  }
  std::unique_lock lk(cancel_mu_);
  cancel_cv_.wait_for(lk, delay, [&] { return cancelled_.load(); });
  lk.unlock();
  throw_if_cancelled(why);
}

void S3Http::cancel() const {
  {
    std::lock_guard lk(cancel_mu_);
    cancelled_.store(true);
  }
  cancel_cv_.notify_all();
}

void S3Http::throw_if_cancelled(std::string_view what) const {
  if (cancelled_.load()) throw core::Error(std::string(what) + ": cancelled (shutdown timeout)");
}

int S3Http::on_transfer_progress(void* self, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* http = static_cast<S3Http*>(self);
  // Per thread, not per transfer: two transfers interleaved on one thread (restore's streams) can
  // only count as more progress, never hide a stall of the replication thread's single transfer.
  thread_local curl_off_t last = -1;
  if (dlnow + ulnow != last) {
    last = dlnow + ulnow;
    http->progress_.fetch_add(1, std::memory_order_relaxed);
  }
  return http->cancelled_.load() ? 1 : 0;  // non-zero: CURLE_ABORTED_BY_CALLBACK
}

std::string S3Http::region() const {
  std::lock_guard<std::mutex> lock(mu_);
  return addr_.region();
}

std::string S3Http::url(std::string_view key, const std::map<std::string, std::string>& query) const {
  std::lock_guard<std::mutex> lock(mu_);
  return addr_.url(key, query);
}

bool S3Http::adopt_region(const S3Response& resp) const {
  if (!opts_.region.empty() || (resp.status != 301 && resp.status != 400)) return false;
  std::string region;
  if (auto it = resp.headers.find("x-amz-bucket-region"); it != resp.headers.end()) region = it->second;
  if (region.empty()) {
    if (auto err = parse_error_body(resp.body)) region = err->region;
  }
  // Only a plausible region name (it goes into the host name and the signature scope).
  if (region.empty() || region.size() > 32 ||
      !std::all_of(region.begin(), region.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; }))
    return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (region == addr_.region()) return false;  // already switched (by another thread): nothing new
  S3Options o = opts_;
  o.region = region;
  addr_ = S3Addressing(o);
  sigv4_ = "aws:amz:" + region + ":s3";
  return true;
}

S3Response S3Http::perform(const S3Request& req) const {
  std::string payload_sha = req.body.empty() ? kEmptySha256 : sha256_hex(req.body);
  bool region_switched = false;
  for (int attempt = 1;; ++attempt) {
    throw_if_cancelled(std::string("S3 ") + req.op + " " + object_name(req.key));
    CURL* h = thread_handle.get();
    S3Response resp;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = configure(h, req, payload_sha);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, request_timeout_ms(req.body.size()));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp.headers);
    note_request(req);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
    // The handle keeps pointers to these; clear them before they go out of scope.
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(headers);

    std::string why;
    if (rc == CURLE_ABORTED_BY_CALLBACK) throw_if_cancelled(std::string("S3 ") + req.op + " " + object_name(req.key));
    if (rc != CURLE_OK) {
      why = std::string("S3 ") + req.op + " " + object_name(req.key) + ": " +
            (errbuf[0] ? errbuf : curl_easy_strerror(rc)) + " (" + url(req.key, req.query) + ")";
      if (!retryable_curl(rc) || attempt >= opts_.retry.max_attempts) {
        throw core::Error(attempt > 1 ? why + " after " + std::to_string(attempt) + " attempts" : why);
      }
    } else if (resp.status >= 200 && resp.status < 300) {
      const char* label = req.metric_op ? req.metric_op : req.op;
      if (*label) {
        size_t bytes = req.method == "PUT" ? req.body.size() : req.method == "GET" ? resp.body.size() : 0;
        count(label, static_cast<int64_t>(bytes));
      }
      return resp;
    } else if (!region_switched && adopt_region(resp)) {
      // Not a failure: the bucket told us its region; resend at once, same attempt budget.
      region_switched = true;
      --attempt;
      continue;
    } else if (!retryable_status(resp.status, resp.body) || attempt >= opts_.retry.max_attempts) {
      throw_status(req, resp.status, resp.body);
    } else {
      auto err = parse_error_body(resp.body);
      why = std::string("S3 ") + req.op + " " + object_name(req.key) + ": " + std::to_string(resp.status) +
            (err ? " " + err->code : std::string());
    }
    backoff(attempt + 1, why);
  }
}

}  // namespace hs::storage
