#pragma once
// What `replicate` runs beside replication: the alerter (`alerts`: WARN/ERROR log events to
// Slack/Gotify/ntfy/webhooks) and hs_log set up like the command's own log lines. (The metrics
// server on `addr` is started by replicate_command.cpp itself.) Construct after the config is
// loaded, before replication starts; destroy after the final sync so its errors are still
// alerted (the destructor flushes queued alerts for up to 5 s).
#include <memory>

#include "alert/alerter.h"
#include "config/config.h"

namespace hs::cli {

class Observability {
 public:
  // `from_file`: false in URL mode (no config file): hs_log then writes Go's default format to
  // stderr, as litestream does without a config. Throws config::ConfigError for a sink whose
  // url-file/token-file cannot be read.
  Observability(const config::Config& cfg, bool from_file);
  ~Observability();

 private:
  std::unique_ptr<alert::Alerter> alerter_;
};

// For short-lived commands (restore): starts the alerter of `cfg`, if any, for the rest of the
// process; queued alerts are flushed (bounded wait) when the process exits, so the command's final
// "failed to run" line is alerted too. Calling it again does nothing.
void alert_until_exit(const config::Config& cfg);

}  // namespace hs::cli
