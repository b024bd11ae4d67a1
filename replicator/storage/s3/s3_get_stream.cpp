#include "storage/s3/s3_get_stream.h"

#include <algorithm>
#include <cstring>

namespace hs::storage {
namespace {
constexpr size_t kMaxBuffered = 256 * 1024;
constexpr size_t kMaxErrorBody = 64 * 1024;
}  // namespace

S3GetStream::S3GetStream(const S3Http& http, std::string key) : http_(http) {
  req_.op = "GET";
  req_.method = "GET";
  req_.key = std::move(key);
  multi_ = curl_multi_init();
  easy_ = curl_easy_init();
  if (!multi_ || !easy_) {
    stop_transfer();
    throw core::Error("S3 GET: curl init failed");
  }
  try {
    start();
    fill();  // surfaces 404/403 now, while the caller still expects errors
  } catch (...) {
    stop_transfer();
    throw;
  }
}

S3GetStream::~S3GetStream() {
  stop_transfer();
}

void S3GetStream::stop_transfer() {
  if (multi_ && easy_ && running_) curl_multi_remove_handle(multi_, easy_);
  running_ = false;
  if (easy_) curl_easy_cleanup(easy_);
  if (multi_) curl_multi_cleanup(multi_);
  if (headers_) curl_slist_free_all(headers_);
  easy_ = nullptr;
  multi_ = nullptr;
  headers_ = nullptr;
}

void S3GetStream::start() {
  if (headers_) curl_slist_free_all(headers_);
  headers_ = nullptr;
  curl_easy_reset(easy_);
  S3Request r = req_;
  if (delivered_ > 0) {
    // Resume where the broken transfer stopped, and only if the object is still the same one.
    r.headers.push_back("Range: bytes=" + std::to_string(delivered_) + "-");
    r.headers.push_back("If-Match: " + etag_);
  }
  resume_from_ = delivered_;
  headers_ = http_.configure(easy_, r, kEmptySha256);
  errbuf_[0] = 0;
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, errbuf_);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  status_ = 0;
  error_body_.clear();
  resp_headers_.clear();
  paused_ = false;
  http_.note_request(r);
  if (curl_multi_add_handle(multi_, easy_) != CURLM_OK) throw core::Error("S3 GET: curl_multi_add_handle failed");
  running_ = true;
}

size_t S3GetStream::on_header(char* p, size_t size, size_t n, void* self_ptr) {
  auto* self = static_cast<S3GetStream*>(self_ptr);
  std::string_view line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    auto v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
    self->resp_headers_[name] = std::string(v);
  }
  return size * n;
}

size_t S3GetStream::on_write(char* p, size_t size, size_t n, void* self_ptr) {
  auto* self = static_cast<S3GetStream*>(self_ptr);
  size_t len = size * n;
  if (self->status_ == 0) curl_easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &self->status_);
  long want = self->resume_from_ > 0 ? 206 : 200;
  if (self->status_ != want) {
    if (self->error_body_.size() < kMaxErrorBody) self->error_body_.append(p, std::min(len, kMaxErrorBody));
    return len;
  }
  if (self->etag_.empty()) self->etag_ = self->resp_headers_["etag"];
  if (self->buf_.size() - self->pos_ >= kMaxBuffered) {
    self->paused_ = true;  // the consumer is behind: libcurl delivers this chunk again later
    return CURL_WRITEFUNC_PAUSE;
  }
  if (self->pos_ == self->buf_.size()) {
    self->buf_.clear();
    self->pos_ = 0;
  } else if (self->pos_ > kMaxBuffered) {
    self->buf_.erase(0, self->pos_);
    self->pos_ = 0;
  }
  self->buf_.append(p, len);
  self->delivered_ += static_cast<int64_t>(len);
  return len;
}

void S3GetStream::on_done(CURLcode rc) {
  curl_multi_remove_handle(multi_, easy_);
  running_ = false;
  if (status_ == 0) curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status_);
  long want = resume_from_ > 0 ? 206 : 200;
  std::string why;
  if (rc == CURLE_ABORTED_BY_CALLBACK) http_.throw_if_cancelled("S3 GET " + http_.object_name(req_.key));
  if (rc != CURLE_OK) {
    why = "S3 GET " + http_.object_name(req_.key) + ": " + (errbuf_[0] ? errbuf_ : curl_easy_strerror(rc)) + " after " +
          std::to_string(delivered_) + " bytes";
    if (!S3Http::retryable_curl(rc) || attempt_ >= http_.options().retry.max_attempts) throw core::Error(why);
  } else if (status_ == want) {
    eof_ = true;
    http_.count("GET", delivered_);
    return;
  } else if (status_ == 200 && resume_from_ > 0) {
    throw core::Error("S3 GET " + http_.object_name(req_.key) + ": server ignored the Range of a resumed download");
  } else if (status_ == 412) {
    throw core::Error("S3 GET " + http_.object_name(req_.key) + ": object changed during the download");
  } else if (!S3Http::retryable_status(status_, error_body_) || attempt_ >= http_.options().retry.max_attempts) {
    http_.throw_status(req_, status_, error_body_);
  } else {
    why = "S3 GET " + http_.object_name(req_.key) + ": " + std::to_string(status_);
  }
  if (delivered_ > 0 && etag_.empty()) throw core::Error(why + " (cannot resume: the response had no ETag)");
  ++attempt_;
  http_.backoff(attempt_, why);
  start();
}

bool S3GetStream::fill() {
  while (true) {
    if (pos_ < buf_.size()) return true;
    if (eof_) return false;
    if (paused_) {
      paused_ = false;
      curl_easy_pause(easy_, CURLPAUSE_CONT);  // may deliver the held chunk right here
      continue;
    }
    int still = 0;
    if (curl_multi_perform(multi_, &still) != CURLM_OK) throw core::Error("S3 GET: curl_multi_perform failed");
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &queued)) {
      if (m->msg == CURLMSG_DONE) {
        on_done(m->data.result);
        break;  // on_done may have restarted the transfer: read messages afresh
      }
    }
    if (pos_ < buf_.size() || eof_ || paused_) continue;
    if (running_) curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
}

size_t S3GetStream::read(void* out, size_t n) {
  if (n == 0) return 0;
  if (!fill()) return 0;
  size_t k = std::min(n, buf_.size() - pos_);
  std::memcpy(out, buf_.data() + pos_, k);
  pos_ += k;
  return k;
}

}  // namespace hs::storage
