#pragma once
// Logging options from the `logging` section of the config (litestream's rules: level names in any
// case, "json" or text, stdout unless `stderr: true`). Without a config, hs::log::Options{} is
// litestream's default: slog's default handler on stderr.
#include "config/config.h"
#include "log/log.h"

namespace hs::cli {

inline hs::log::Options log_options(const config::Config& c) {
  hs::log::Options o;
  o.level = hs::log::parse_level(config::log_level(c));
  o.format = config::log_type(c) == "json" ? hs::log::Format::json : hs::log::Format::text;
  o.to_stderr = config::log_stderr(c);
  return o;
}

}  // namespace hs::cli
