#pragma once
// Command registry of homeserver-replicator. Each command lives in its own cli/<name>_command.cpp
// and registers itself with a file-scope `Registration`, so adding a command edits no shared file.
// Exit codes follow litestream v0.3.13: 0 success, 1 any error (and for -h / usage).
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace hs::cli {

struct Command {
  std::string name;
  std::string summary;  // one line for the top-level usage
  // Gets the arguments after the command name; returns the process exit code.
  std::function<int(const std::vector<std::string>& args)> run;
};

// All registered commands, by name.
std::map<std::string, Command>& commands();

struct Registration {
  explicit Registration(Command c) { commands().emplace(c.name, std::move(c)); }
};

}  // namespace hs::cli
