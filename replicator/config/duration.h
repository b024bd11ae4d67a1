#pragma once
// Go's time.Duration text form, both ways, because litestream.yml durations are parsed with
// time.ParseDuration and a config we render must load unchanged in litestream v0.3.13.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hs::config {

using Duration = std::chrono::nanoseconds;

// Parses like Go's time.ParseDuration: "[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+" or "0".
// Returns std::nullopt and sets `why` (e.g. `unknown unit "d"`) when the text is not a duration.
std::optional<Duration> parse_duration(std::string_view text, std::string* why = nullptr);

// Formats like Go's Duration.String(): "0s", "1.5s", "1m30s", "24h0m0s", "500ms", "1µs".
std::string format_duration(Duration d);

}  // namespace hs::config
