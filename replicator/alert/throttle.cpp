#include "alert/throttle.h"

namespace hs::alert {

Throttle::Throttle(int64_t rate, std::chrono::nanoseconds interval, int64_t window, Clock::time_point start)
    : rate_(rate), interval_(interval), window_(window), start_(start) {}

void Throttle::advance(Clock::time_point now) {
  const int64_t pane = now < start_ ? 0 : (now - start_) / interval_;
  while (!panes_.empty() && panes_.front().first <= pane - window_) {
    total_ -= panes_.front().second;
    panes_.pop_front();
  }
  if (panes_.empty() || panes_.back().first != pane) panes_.emplace_back(pane, 0);
}

bool Throttle::allow(Clock::time_point now, uint64_t* dropped_before) {
  advance(now);
  if (double(total_) / double(window_) >= double(rate_)) {
    ++dropped_;
    return false;
  }
  ++total_;
  ++panes_.back().second;
  if (dropped_before) *dropped_before = dropped_;
  dropped_ = 0;
  return true;
}

}  // namespace hs::alert
