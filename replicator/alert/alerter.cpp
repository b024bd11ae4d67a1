#include "alert/alerter.h"

namespace hs::alert {

Alerter::Alerter(std::vector<std::unique_ptr<Sink>> sinks, Settings settings)
    : sinks_(std::move(sinks)),
      settings_(std::move(settings)),
      throttle_(settings_.rate, settings_.interval, settings_.window, settings_.now()),
      health_(sinks_.size()) {}

Alerter::~Alerter() {
  stop(std::chrono::milliseconds(0));
}

std::unique_ptr<Alerter> Alerter::from_config(const hs::config::Config& c) {
  if (!c.alerts || c.alerts->sinks.empty()) return nullptr;
  std::vector<std::unique_ptr<Sink>> sinks;
  for (size_t i = 0; i < c.alerts->sinks.size(); ++i)
    sinks.push_back(make_sink(c.alerts->sinks[i], "alerts.sinks[" + std::to_string(i) + "]"));
  Settings s;
  s.rate = hs::config::alert_rate(c);
  s.interval = hs::config::alert_interval(c);
  s.window = hs::config::alert_window(c);
  return std::make_unique<Alerter>(std::move(sinks), std::move(s));
}

void Alerter::start() {
  thread_ = std::thread([this] { run(); });
  hook_ = hs::log::add_hook([this](const hs::log::Event& e) { submit(e); });
}

void Alerter::submit(const hs::log::Event& e) {
  std::lock_guard<std::mutex> g(mu_);
  if (stopping_) return;
  uint64_t dropped = 0;
  if (!throttle_.allow(settings_.now(), &dropped)) {
    ++stats_.throttled;
    return;
  }
  ++stats_.accepted;
  if (queue_.size() >= settings_.queue_limit) {
    // Sinks are hung: forget the oldest, but count it so the next alert still says so.
    overflow_pending_ += 1 + queue_.front().dropped_before;
    queue_.pop_front();
    ++stats_.queue_overflow;
  }
  queue_.push_back(from_event(e, dropped + overflow_pending_));
  overflow_pending_ = 0;
  cv_.notify_all();
}

void Alerter::run() {
  hs::log::HookSuppressor no_feedback;  // our own WARN lines must not become alerts
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    Alert a = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lk.unlock();
    deliver(a);
    lk.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void Alerter::deliver(const Alert& a) {
  for (size_t i = 0; i < sinks_.size(); ++i) {
    std::string error;
    try {
      sinks_[i]->send(a);
    } catch (const std::exception& e) {
      error = e.what();
    }
    uint64_t failures = 0;
    {
      std::lock_guard<std::mutex> g(mu_);
      if (error.empty()) {
        ++stats_.sent;
        continue;
      }
      ++stats_.failed;
      SinkHealth& h = health_[i];
      ++h.failures_since_log;
      const auto now = settings_.now();
      if (h.logged_once && now - h.last_logged < throttle_.window_duration()) continue;
      h.logged_once = true;
      h.last_logged = now;
      failures = h.failures_since_log;
      h.failures_since_log = 0;
    }
    // Logged without holding mu_, so logging threads never wait on this line's write.
    hs::log::warn(
        "alert sink failed",
        {{"sink", sinks_[i]->name()}, {"target", sinks_[i]->target()}, {"error", error}, {"failures", failures}});
  }
}

bool Alerter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return queue_.empty() && !busy_; });
}

void Alerter::stop(std::chrono::milliseconds flush_timeout) {
  if (hook_) {
    hs::log::remove_hook(hook_);
    hook_ = 0;
  }
  if (!thread_.joinable()) return;
  flush(flush_timeout);
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
    queue_.clear();  // what did not go out within the flush timeout is abandoned
  }
  cv_.notify_all();
  thread_.join();
}

Alerter::Stats Alerter::stats() const {
  std::lock_guard<std::mutex> g(mu_);
  return stats_;
}

}  // namespace hs::alert
