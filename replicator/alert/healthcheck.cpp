#include "alert/healthcheck.h"

#include <random>
#include <thread>

#include "alert/http_post.h"
#include "log/log.h"

namespace hs::alert {
namespace {

std::string random_uuid() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  const char* digits = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) s += '-';
    int v = hex(rd);
    if (i == 12) v = 4;            // version 4
    if (i == 16) v = 8 + (v & 3);  // RFC 4122 variant
    s += digits[v];
  }
  return s;
}

}  // namespace

HealthcheckPinger::HealthcheckPinger(std::string url) : HealthcheckPinger(std::move(url), Options{}) {}

HealthcheckPinger::HealthcheckPinger(std::string url, Options opts) : opts_(opts) {
  // Keep a query string the user put on the URL (e.g. ?create=1) after the path suffix.
  auto q = url.find('?');
  if (q != std::string::npos) {
    query_ = url.substr(q + 1);
    url.resize(q);
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  base_ = std::move(url);
  rid_ = random_uuid();
}

std::string HealthcheckPinger::trim_body(const std::string& log, size_t limit) {
  if (log.size() <= limit) return log;
  const std::string marker_fmt = "[... first %zu bytes of the log cut to fit the ping body limit]\n";
  char marker[160];
  // Two passes: the marker's own length depends on the number it prints.
  size_t keep = limit > 120 ? limit - 120 : 0;
  size_t start = log.size() - keep;
  auto nl = log.find('\n', start);
  if (nl != std::string::npos && nl + 1 < log.size() && nl - start < 4096) start = nl + 1;
  std::snprintf(marker, sizeof marker, marker_fmt.c_str(), start);
  std::string out = std::string(marker) + log.substr(start);
  if (out.size() > limit) out = out.substr(out.size() - limit);
  return out;
}

bool HealthcheckPinger::ping(const std::string& suffix, const std::string& body) {
  std::string url = base_ + suffix + "?rid=" + rid_ + (query_.empty() ? "" : "&" + query_);
  auto backoff = opts_.first_backoff;
  std::string last_error;
  for (int attempt = 1; attempt <= opts_.attempts; ++attempt) {
    HttpResponse r = http_post(url, {"Content-Type: text/plain; charset=utf-8"}, body, opts_.timeout);
    if (r.ok()) {
      auto limit = r.headers.find("ping-body-limit");
      if (limit != r.headers.end()) {
        try {
          size_t v = std::stoul(limit->second);
          if (v > 0) opts_.body_limit = v;
        } catch (const std::exception&) {
          // a malformed header keeps the default
        }
      }
      return true;
    }
    last_error = scrub_url_secrets(r.describe(), url);
    // 4xx other than 429 will not get better by retrying (e.g. 404 for an unknown check).
    if (r.error.empty() && r.status >= 400 && r.status < 500 && r.status != 429) break;
    if (attempt < opts_.attempts) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
  hs::log::warn("healthcheck ping failed",
                {{"url", hs::log::redact_url(base_)}, {"ping", suffix}, {"error", last_error}});
  return false;
}

bool HealthcheckPinger::start() {
  return ping("/start", "");
}

bool HealthcheckPinger::finish(int exit_status, const std::string& log) {
  return ping("/" + std::to_string(exit_status), trim_body(log, opts_.body_limit));
}

}  // namespace hs::alert
