#include "alert/http_post.h"

#include <curl/curl.h>

#include <cctype>
#include <mutex>

namespace hs::alert {
namespace {

size_t keep_prefix(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t len = size * n;
  if (out->size() < 512) out->append(data, std::min(len, 512 - out->size()));
  return len;
}

size_t keep_header(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos && out->size() < 64) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    (*out)[name] = value;
  }
  return size * n;
}

}  // namespace

std::string HttpResponse::describe() const {
  if (!error.empty()) return error;
  std::string b = body.substr(0, 200);
  for (auto& c : b)
    if (c == '\n' || c == '\r') c = ' ';
  return "HTTP " + std::to_string(status) + (b.empty() ? "" : ": " + b);
}

// Some servers echo the request path in error pages ("Cannot POST /hooks/T0/B0/XXXX"): the
// error text must not carry the secret path or query of the URL into the log.
std::string scrub_url_secrets(std::string text, const std::string& url) {
  auto scheme = url.find("://");
  auto path_at = scheme == std::string::npos ? std::string::npos : url.find_first_of("/?", scheme + 3);
  if (path_at == std::string::npos) return text;
  const std::string secret = url.substr(path_at);
  std::vector<std::string> parts = {secret};
  // Also each long path segment or query value on its own (a 404 page may show just one).
  size_t start = 0;
  for (size_t i = 0; i <= secret.size(); ++i)
    if (i == secret.size() || secret[i] == '/' || secret[i] == '?' || secret[i] == '&' || secret[i] == '=') {
      if (i - start >= 6) parts.push_back(secret.substr(start, i - start));
      start = i + 1;
    }
  for (const auto& p : parts) {
    // Resume after each replacement: the marker itself may contain a (short) secret segment.
    for (size_t at = text.find(p); !p.empty() && at != std::string::npos; at = text.find(p, at + 8))
      text.replace(at, p.size(), "REDACTED");
  }
  return text;
}

HttpResponse http_post(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                       std::chrono::milliseconds timeout) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpResponse r;
  CURL* c = curl_easy_init();
  if (!c) {
    r.error = "cannot create a curl handle";
    return r;
  }
  curl_slist* hdrs = nullptr;
  for (const auto& h : headers) hdrs = curl_slist_append(hdrs, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(std::min<int64_t>(timeout.count(), 5000)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_prefix);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "homeserver-replicator");
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    r.error = curl_easy_strerror(rc);  // generic text, never the URL
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  }
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  return r;
}

}  // namespace hs::alert
