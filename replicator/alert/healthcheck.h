#pragma once
// healthchecks.io pings for `verify` (Pinging API): POST <url>/start before the work, then
// POST <url>/<exit status> with the captured log as the body. Both carry ?rid=<uuid> so the
// service pairs them and measures the run time. The body is trimmed to the service's limit
// (100,000 bytes on hc-ping.com, or the Ping-Body-Limit header a server sent on /start),
// keeping the end of the log where the verdict is. Each ping is retried with backoff and a short
// timeout; a failed ping is logged at WARN and never changes the verify result.
#include <chrono>
#include <string>

namespace hs::alert {

class HealthcheckPinger {
 public:
  struct Options {
    int attempts = 4;
    std::chrono::milliseconds timeout{10000};
    std::chrono::milliseconds first_backoff{500};  // doubled after each failed attempt
    size_t body_limit = 100000;
  };
  explicit HealthcheckPinger(std::string url);
  HealthcheckPinger(std::string url, Options opts);

  bool start();                                          // POST /start; false if it never got through
  bool finish(int exit_status, const std::string& log);  // POST /<exit status> with the log tail

  // The last `limit` bytes of `log`, starting at a line boundary when possible, with a marker
  // line saying how much was cut. Never longer than `limit`.
  static std::string trim_body(const std::string& log, size_t limit);

 private:
  bool ping(const std::string& suffix, const std::string& body);
  std::string base_, query_, rid_;
  Options opts_;
};

}  // namespace hs::alert
