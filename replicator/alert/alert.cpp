#include "alert/alert.h"

#include <unistd.h>

namespace hs::alert {
namespace {
std::string hostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
}
}  // namespace

std::string Alert::title() const {
  return std::string("homeserver-replicator ") + hs::log::level_name(level) + " on " + host;
}

std::string Alert::text() const {
  std::string out = msg;
  std::string f = hs::log::format_fields_text(fields);
  if (!f.empty()) out += ": " + f;
  if (dropped_before)
    out += "\n(+" + std::to_string(dropped_before) +
           " more WARN/ERROR events dropped by the alert throttle since the last alert)";
  return out;
}

Alert from_event(const hs::log::Event& e, uint64_t dropped_before) {
  Alert a;
  a.time = e.time;
  a.level = e.level;
  a.msg = e.msg;
  a.fields = e.fields;
  a.event_json = e.json.empty() ? hs::log::format_json(e) : e.json;
  a.dropped_before = dropped_before;
  static const std::string host = hostname();
  a.host = host;
  return a;
}

}  // namespace hs::alert
