#pragma once
// Go's text forms of times and durations, so our log fields and listing columns read exactly like
// litestream's (time.Duration.String, time.RFC3339 in the local zone, Go's truncateDuration).
#include <chrono>
#include <string>

#include "core/pos.h"

namespace hs::core {

// time.Duration.String(): "0s", "950ns", "1.5µs", "8.90813ms", "1.5s", "2m3s", "1h0m0s".
std::string go_duration(std::chrono::nanoseconds d);
// time.Time.Format(time.RFC3339) in the local time zone: "2026-11-24T21:03:52Z" or "...+01:00".
std::string rfc3339(TimePoint t);
// Parses time.RFC3339 (fractional seconds allowed, "Z" or ±hh:mm); false if malformed.
bool parse_rfc3339(const std::string& s, TimePoint& out);

}  // namespace hs::core
