#include "cli/core_log.h"

#include <chrono>

namespace hs::cli {

void log_core_event(core::LogLevel level, const std::string& msg, const core::LogFields& fields,
                    const std::vector<hs::log::Field>& base) {
  std::vector<hs::log::Field> f = base;
  f.reserve(base.size() + fields.size());
  for (const auto& [k, v] : fields) {
    switch (v.kind) {
      case core::LogValue::Kind::integer: f.push_back({k, v.number}); break;
      case core::LogValue::Kind::duration: f.push_back({k, std::chrono::nanoseconds(v.number)}); break;
      default: f.push_back({k, v.text}); break;
    }
  }
  switch (level) {
    case core::LogLevel::debug: hs::log::debug(msg, f); break;
    case core::LogLevel::info: hs::log::info(msg, f); break;
    case core::LogLevel::warn: hs::log::warn(msg, f); break;
    case core::LogLevel::error: hs::log::error(msg, f); break;
  }
}

core::EventLogFn core_logger(std::vector<hs::log::Field> base, bool info_as_debug) {
  return [base = std::move(base), info_as_debug](core::LogLevel level, const std::string& msg,
                                                 const core::LogFields& fields) {
    if (info_as_debug && level == core::LogLevel::info) level = core::LogLevel::debug;
    log_core_event(level, msg, fields, base);
  };
}

}  // namespace hs::cli
