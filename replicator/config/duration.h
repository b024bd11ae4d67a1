#pragma once
// The config's duration type: Go's time.Duration, parsed and printed by hs_gotext (litestream.yml
// durations go through time.ParseDuration, and a config we render must load unchanged in litestream).
#include <chrono>

#include "gotext/duration.h"

namespace hs::config {

using Duration = std::chrono::nanoseconds;
using gotext::format_duration;
using gotext::parse_duration;

}  // namespace hs::config
