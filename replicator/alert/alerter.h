#pragma once
// Alerter: every WARN/ERROR log event -> throttle -> queue -> sender thread -> every sink.
// Logging threads only take a mutex and push to a small queue, so replication never waits on a
// slow webhook. A failing sink is logged (WARN, not itself alerted) at most once per throttle
// window, with the number of failures in between.
//
//   auto alerter = hs::alert::Alerter::from_config(cfg);   // nullptr when no sinks are configured
//   if (alerter) alerter->start();                          // hooks into hs::log
//   ...
//   if (alerter) alerter->stop();                           // flushes what is queued (bounded wait)
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "alert/alert.h"
#include "alert/sink.h"
#include "alert/throttle.h"
#include "config/config.h"
#include "log/log.h"

namespace hs::alert {

class Alerter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Settings {
    int64_t rate = hs::config::kDefaultAlertRate;
    std::chrono::nanoseconds interval = hs::config::kDefaultAlertInterval;
    int64_t window = hs::config::kDefaultAlertWindow;
    size_t queue_limit = 64;  // alerts waiting to be sent (a hung sink cannot grow memory)
    std::function<Clock::time_point()> now = [] { return Clock::now(); };  // tests move time
  };
  struct Stats {
    uint64_t accepted = 0;        // kept by the throttle
    uint64_t throttled = 0;       // dropped by the throttle
    uint64_t sent = 0;            // successful sink deliveries
    uint64_t failed = 0;          // failed sink deliveries
    uint64_t queue_overflow = 0;  // dropped because the queue was full
  };

  Alerter(std::vector<std::unique_ptr<Sink>> sinks, Settings settings);
  ~Alerter();
  Alerter(const Alerter&) = delete;
  Alerter& operator=(const Alerter&) = delete;

  // Sinks and throttle from `alerts` (url-file/token-file read now). nullptr without sinks.
  // Throws hs::config::ConfigError.
  static std::unique_ptr<Alerter> from_config(const hs::config::Config& c);

  void start();                                   // starts the sender thread and registers the log hook
  void submit(const hs::log::Event& e);           // what the hook calls; public for tests
  bool flush(std::chrono::milliseconds timeout);  // true when everything queued was handled
  void stop(std::chrono::milliseconds flush_timeout = std::chrono::seconds(5));
  Stats stats() const;

 private:
  void run();
  void deliver(const Alert& a);

  std::vector<std::unique_ptr<Sink>> sinks_;
  Settings settings_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Throttle throttle_;
  std::deque<Alert> queue_;
  bool stopping_ = false;
  bool busy_ = false;
  uint64_t overflow_pending_ = 0;
  Stats stats_;
  struct SinkHealth {
    Clock::time_point last_logged{};
    bool logged_once = false;
    uint64_t failures_since_log = 0;
  };
  std::vector<SinkHealth> health_;
  std::thread thread_;
  hs::log::HookId hook_ = 0;
};

}  // namespace hs::alert
