#pragma once
// Go's time.Duration text form, both ways: litestream.yml durations are parsed with
// time.ParseDuration, and every duration we print (config we render, log fields, listings) must
// read like Duration.String().
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hs::gotext {

// Parses like Go's time.ParseDuration: "[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+" or "0".
// Returns std::nullopt and sets `why` (e.g. `unknown unit "d"`) when the text is not a duration.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text, std::string* why = nullptr);

// Formats like Go's Duration.String(): "0s", "950ns", "1.5µs", "8.90813ms", "1.5s", "1m30s", "24h0m0s".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace hs::gotext
