#pragma once
// Go's text forms of times, in the local time zone as Go prints them ("Z" when the offset is 0), so
// listing columns and log timestamps read exactly like litestream's.
#include <chrono>
#include <string>

namespace hs::gotext {

using TimePoint = std::chrono::system_clock::time_point;

// time.RFC3339: "2026-11-24T21:03:52Z" or "2026-11-24T22:03:52+01:00" (listings).
std::string rfc3339(TimePoint t);
// slog's TextHandler: milliseconds always present, "2026-11-24T21:03:52.123Z".
std::string rfc3339_millis(TimePoint t);
// time.RFC3339Nano (slog's JSONHandler): trailing zeros of the fraction trimmed, no '.' if none left.
std::string rfc3339_nano(TimePoint t);
// Go's log package default prefix (slog's default handler): "2026/11/24 21:03:52".
std::string log_default(TimePoint t);

// Parses time.RFC3339 (fractional seconds allowed, "Z" or ±hh:mm); false if malformed.
bool parse_rfc3339(const std::string& s, TimePoint& out);

}  // namespace hs::gotext
