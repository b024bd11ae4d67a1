// homeserver-replicator: dispatches to the command named by the first argument
// (litestream v0.3.13's CLI: no command, `help` or a leading flag prints usage and exits 1).
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"

namespace {

int usage() {
  std::printf(
      "homeserver-replicator: continuous SQLite replication, format-compatible with Litestream v0.3.\n\n"
      "Usage:\n\n\thomeserver-replicator <command> [arguments]\n\nThe commands are:\n\n");
  for (const auto& [name, cmd] : hs::cli::commands()) std::printf("\t%-12s %s\n", name.c_str(), cmd.summary.c_str());
  std::printf("\nUse \"homeserver-replicator <command> -h\" for more information about a command.\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string name = argv[1];
  if (name == "help" || name.starts_with("-")) return usage();
  auto& table = hs::cli::commands();
  auto it = table.find(name);
  if (it == table.end()) {
    std::fprintf(stderr, "homeserver-replicator %s: unknown command\n", name.c_str());
    return 1;
  }
  return it->second.run(std::vector<std::string>(argv + 2, argv + argc));
}
