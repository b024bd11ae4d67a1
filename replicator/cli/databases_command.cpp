// `databases`: litestream v0.3.13's databases command: path, replicas (names joined by commas).
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/run_command.h"
#include "cli/table.h"
#include "cli/target.h"

namespace hs::cli {
namespace {

void usage() {
  std::printf(R"(The databases command lists all databases in the configuration file.

Usage:

	homeserver-replicator databases [arguments]

Arguments:

	-config PATH
	    Specifies the configuration file.
	    Defaults to %s

	-no-expand-env
	    Disables environment variable expansion in configuration file.

)",
              config::default_config_path().c_str());
}

int run(const std::vector<std::string>& args) {
  std::string config_path;
  bool no_expand_env = false;
  FlagSet fs(usage);
  fs.string_flag("config", &config_path);
  fs.bool_flag("no-expand-env", &no_expand_env);
  if (!fs.parse(args)) return 1;
  if (!fs.args().empty()) throw CommandError("too many arguments");

  config::Config c = load_config(config_path, !no_expand_env);
  Table table;
  table.row({"path", "replicas"});
  for (const auto& db : c.dbs) {
    std::string names;
    for (const auto& r : db.replicas) names += (names.empty() ? "" : ",") + config::replica_name(r);
    table.row({db.path, names});
  }
  table.print(stdout);
  return 0;
}

Registration reg({"databases", "List databases specified in config file",
                  [](const std::vector<std::string>& args) { return run_command([&] { return run(args); }); }});

}  // namespace
}  // namespace hs::cli
