#include "cli/run_command.h"

#include <exception>

#include "log/log.h"

namespace hs::cli {

int run_command(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    hs::log::error("failed to run", {{"error", e.what()}});
    return 1;
  }
}

}  // namespace hs::cli
