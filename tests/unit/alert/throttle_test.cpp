// The throttle against Fluent Bit's filter_throttle rule: keep while kept/window < rate.
#include "alert/throttle.h"

#include <catch2/catch.hpp>

using hs::alert::Throttle;
using namespace std::chrono;

TEST_CASE("a burst passes rate * window events") {
  auto t0 = Throttle::Clock::time_point{};
  Throttle t(1, hours(2), 6, t0);
  int kept = 0;
  for (int i = 0; i < 100; ++i) kept += t.allow(t0 + seconds(i));
  CHECK(kept == 6);
  CHECK(t.dropped_pending() == 94);

  Throttle t2(3, minutes(1), 2, t0);
  kept = 0;
  for (int i = 0; i < 100; ++i) kept += t2.allow(t0);
  CHECK(kept == 6);
}

TEST_CASE("panes roll off after window intervals; the next kept event reports the drops") {
  auto t0 = Throttle::Clock::time_point{};
  Throttle t(1, hours(2), 6, t0);
  for (int i = 0; i < 100; ++i) t.allow(t0);
  // Still inside the window: pane 0 holds 6 kept events until pane 6 begins.
  CHECK_FALSE(t.allow(t0 + hours(11) + minutes(59)));
  uint64_t dropped = 0;
  REQUIRE(t.allow(t0 + hours(12), &dropped));
  CHECK(dropped == 95);
  CHECK(t.dropped_pending() == 0);
}

TEST_CASE("steady trickle: about rate per interval on average") {
  auto t0 = Throttle::Clock::time_point{};
  Throttle t(1, minutes(10), 3, t0);
  int kept = 0;
  // One event per minute for 10 hours = 600 events; 60 intervals.
  for (int m = 0; m < 600; ++m) kept += t.allow(t0 + minutes(m));
  // First window allows a burst of 3, then one per interval as panes roll.
  CHECK(kept >= 60);
  CHECK(kept <= 63);
}
