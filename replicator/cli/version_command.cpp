// `version`: prints "v<project version>" (litestream prints its own version the same way).
#include <homeserver/version.h>

#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/run_command.h"

namespace hs::cli {
namespace {

void usage() {
  std::printf("Prints the version.\n\nUsage:\n\n\thomeserver-replicator version\n\n");
}

int run(const std::vector<std::string>& args) {
  FlagSet fs(usage);
  if (!fs.parse(args)) return 1;
  std::printf("v%s\n", HOMESERVER_VERSION);
  return 0;
}

Registration reg({"version", "Prints the binary version",
                  [](const std::vector<std::string>& args) { return run_command([&] { return run(args); }); }});

}  // namespace
}  // namespace hs::cli
