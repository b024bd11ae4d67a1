#pragma once
// Alert sinks: where alerts go. Each sink formats the Alert for its service and POSTs it.
//   slack:   incoming webhook, JSON {"text": ...}
//   gotify:  POST <url>/message, header X-Gotify-Key, JSON {title, message, priority}
//   ntfy:    POST <url>[/<topic>], body = text, headers Title/Priority/Tags (+ Bearer token)
//   webhook: POST <url>, JSON {source, host, time, level, msg, text, dropped, fields, event}
#include <memory>
#include <optional>
#include <string>

#include "alert/alert.h"
#include "config/config.h"

namespace hs::alert {

class Sink {
 public:
  virtual ~Sink() = default;
  // Throws std::runtime_error with a message that contains no secret (no URL, no token).
  virtual void send(const Alert& a) = 0;
  // "slack" or the configured name; and a loggable target ("https://hooks.slack.com/REDACTED").
  virtual std::string name() const = 0;
  virtual std::string target() const = 0;
};

// Builds a sink from its config; url-file / token-file are read here. Throws ConfigError.
std::unique_ptr<Sink> make_sink(const hs::config::AlertSinkConfig& c, const std::string& key_path);

}  // namespace hs::alert
