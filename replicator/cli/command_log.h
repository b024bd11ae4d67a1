#pragma once
// Log output of the non-replicate commands, shaped like litestream v0.3.13's slog setup:
// without a config file (URL mode) Go's default logger on stderr ("2026/11/24 21:08:44 INFO msg
// k=v"); once a config file is loaded, its `logging` section: text or JSON, level, stdout unless
// `stderr: true`. One line per event; values are quoted like slog's text handler.
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace hs::cli::log {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Switches to the config's logging settings (called right after a config file is loaded).
void configure(const config::Config& c);

void debug(const std::string& msg, const Fields& fields = {});
void info(const std::string& msg, const Fields& fields = {});
void warn(const std::string& msg, const Fields& fields = {});
void error(const std::string& msg, const Fields& fields = {});

}  // namespace hs::cli::log
