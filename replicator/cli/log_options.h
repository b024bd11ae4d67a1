#pragma once
// Logging options from the `logging` section of the config (litestream's rules: level names in any
// case, "json" or text, stdout unless `stderr: true`).
#include "config/config.h"
#include "log/log.h"

namespace hs::log {

inline Options options_from(const hs::config::Config& c) {
  Options o;
  o.level = parse_level(hs::config::log_level(c));
  o.format = hs::config::log_type(c) == "json" ? Format::json : Format::text;
  o.to_stderr = hs::config::log_stderr(c);
  return o;
}

}  // namespace hs::log
