#pragma once
// The bridge from the core's events (core/event_log.h) to hs_log: one place that maps a LogValue
// onto a log field (numbers stay numbers in JSON, durations print as Go does in text).
#include <vector>

#include "core/event_log.h"
#include "log/log.h"

namespace hs::cli {

// Logs one core event with `base` fields first.
void log_core_event(core::LogLevel level, const std::string& msg, const core::LogFields& fields,
                    const std::vector<hs::log::Field>& base = {});

// An EventLogFn for the core that logs with `base` fields; `info_as_debug`: INFO events are
// details of a larger step (verify's restore) and go out at DEBUG.
core::EventLogFn core_logger(std::vector<hs::log::Field> base, bool info_as_debug = false);

}  // namespace hs::cli
