#include "cli/observability.h"

#include <cstdlib>

#include "cli/log_options.h"
#include "log/log.h"

namespace hs::cli {

Observability::Observability(const config::Config& cfg, bool from_file) {
  // hs_log (used by alerts and metrics) writes in the same shape as the command's own lines.
  hs::log::configure(from_file ? log_options(cfg) : hs::log::Options{});
  alerter_ = alert::Alerter::from_config(cfg);
  if (alerter_) alerter_->start();
  if (alerter_) {
    hs::log::info("alerts enabled", {{"sinks", int64_t(cfg.alerts->sinks.size())},
                                     {"rate", config::alert_rate(cfg)},
                                     {"interval", config::alert_interval(cfg)},
                                     {"window", config::alert_window(cfg)}});
  }
}

Observability::~Observability() {
  if (alerter_) alerter_->stop();
}

namespace {
alert::Alerter* process_alerter = nullptr;
void stop_process_alerter() {
  if (process_alerter) process_alerter->stop();
}
}  // namespace

void alert_until_exit(const config::Config& cfg) {
  if (process_alerter) return;
  hs::log::configure(log_options(cfg));
  auto a = alert::Alerter::from_config(cfg);
  if (!a) return;
  a->start();
  process_alerter = a.release();  // never destroyed: only stopped at exit
  std::atexit(stop_process_alerter);
}

}  // namespace hs::cli
