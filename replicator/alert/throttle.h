#pragma once
// Fluent Bit's throttle filter, exactly: time is cut into panes of `interval`; the window is the
// current pane and the `window - 1` before it; an event is kept when (events kept in the window)
// / window < rate, else dropped. So a burst passes rate * window events, and afterwards about
// `rate` per `interval` on average. Defaults (1 per 2h, window 6) = at most 6 alerts per 12h.
// Not thread-safe by itself (the Alerter holds a mutex around it).
#include <chrono>
#include <cstdint>
#include <deque>

namespace hs::alert {

class Throttle {
 public:
  using Clock = std::chrono::steady_clock;
  Throttle(int64_t rate, std::chrono::nanoseconds interval, int64_t window, Clock::time_point start);

  // Decides for one event at `now`. Returns true to keep it. When kept, `dropped_before` (if
  // given) gets the number of events dropped since the previous kept one.
  bool allow(Clock::time_point now, uint64_t* dropped_before = nullptr);

  uint64_t dropped_pending() const { return dropped_; }
  std::chrono::nanoseconds window_duration() const { return interval_ * window_; }

 private:
  void advance(Clock::time_point now);
  int64_t rate_;
  std::chrono::nanoseconds interval_;
  int64_t window_;
  Clock::time_point start_;
  std::deque<std::pair<int64_t, int64_t>> panes_;  // (pane number, kept events)
  int64_t total_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace hs::alert
