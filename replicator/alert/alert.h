#pragma once
// One alert: a WARN/ERROR log event that passed the throttle, plus how many were dropped before it.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "log/log.h"

namespace hs::alert {

struct Alert {
  std::chrono::system_clock::time_point time;
  hs::log::Level level = hs::log::Level::error;
  std::string msg;
  std::vector<hs::log::Field> fields;
  std::string event_json;       // the log line as JSON (what Fluent Bit would have forwarded)
  uint64_t dropped_before = 0;  // events the throttle dropped since the previous alert
  std::string host;             // hostname (the pod name in Kubernetes)

  // "homeserver-replicator ERROR on app-7d9f"
  std::string title() const;
  // "monitor error: db=/data/app.db replica=s3 error=\"...\"" and, when events were dropped,
  // a second line "(+12 more WARN/ERROR events dropped by the alert throttle since the last alert)".
  std::string text() const;
};

Alert from_event(const hs::log::Event& e, uint64_t dropped_before);

}  // namespace hs::alert
