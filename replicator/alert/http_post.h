#pragma once
// One HTTP POST over libcurl with a short timeout; used by the alert sinks and verify's pings.
// Error messages never contain the URL (webhook URLs are secrets).
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace hs::alert {

struct HttpResponse {
  long status = 0;                             // 0 when no response arrived
  std::string error;                           // transport error ("Couldn't connect to server"), "" otherwise
  std::string body;                            // first bytes of the response (for error messages)
  std::map<std::string, std::string> headers;  // response headers, names lowercased
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  std::string describe() const;  // "HTTP 404: <body prefix>" or the transport error
};

HttpResponse http_post(const std::string& url, const std::vector<std::string>& headers, const std::string& body,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Removes the URL's path and query (and each longer segment of them) from `text`: servers may
// echo the request path in error pages, and for webhooks that path is the secret.
std::string scrub_url_secrets(std::string text, const std::string& url);

}  // namespace hs::alert
