#pragma once
// A streamed GET: the object's bytes are pulled by Reader::read as the consumer needs them, with
// at most ~256 KiB buffered (libcurl is paused while the consumer is behind), so restoring a
// large snapshot on a Pi never holds it in memory. A transfer that breaks mid-way resumes with a
// Range request pinned to the first response's ETag (If-Match), within the retry budget.
#include <curl/curl.h>

#include <memory>
#include <string>

#include "core/replica_client.h"
#include "storage/s3/s3_http.h"

namespace hs::storage {

class S3GetStream : public core::Reader {
 public:
  // Starts the request and waits for the response status: a missing object throws
  // core::NotFoundError here, not at the first read().
  S3GetStream(const S3Http& http, std::string key);
  ~S3GetStream() override;
  size_t read(void* buf, size_t n) override;

 private:
  void start();
  void stop_transfer();
  // Drives libcurl until data is buffered or the transfer is over; false at the end.
  bool fill();
  void on_done(CURLcode rc);

  static size_t on_write(char* p, size_t size, size_t n, void* self);
  static size_t on_header(char* p, size_t size, size_t n, void* self);

  const S3Http& http_;
  S3Request req_;
  CURLM* multi_ = nullptr;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  char errbuf_[CURL_ERROR_SIZE] = {0};

  std::string buf_;
  size_t pos_ = 0;
  std::string error_body_;
  std::map<std::string, std::string> resp_headers_;
  long status_ = 0;
  bool running_ = false;
  bool paused_ = false;
  bool eof_ = false;
  int attempt_ = 1;
  int64_t resume_from_ = 0;  // delivered_ when the current attempt started
  int64_t delivered_ = 0;    // bytes handed to on_write from good responses (all attempts)
  std::string etag_;
};

}  // namespace hs::storage
