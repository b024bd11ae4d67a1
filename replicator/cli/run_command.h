#pragma once
// The end of every command, as litestream's main(): an error is logged as `failed to run` with
// the error text and the exit code is 1; help (-h) exits 1 without a log line.
#include <functional>

namespace hs::cli {

// Runs `body` (which returns the exit code) and turns any exception into litestream's
// "failed to run" log line and exit code 1.
int run_command(const std::function<int()>& body);

}  // namespace hs::cli
