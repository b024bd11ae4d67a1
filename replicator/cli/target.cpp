#include "cli/target.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cerrno>
#include <filesystem>

#include "cli/log_options.h"

namespace hs::cli {

std::string expand_path(const std::string& path) {
  std::string p = path;
  if (p == "~" || p.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    std::string dir = home && *home ? home : "";
    if (dir.empty())
      if (passwd* pw = ::getpwuid(::getuid())) dir = pw->pw_dir ? pw->pw_dir : "";
    if (dir.empty()) throw CommandError("cannot expand path " + path + ", no home directory available");
    p = p == "~" ? dir : dir + "/" + p.substr(2);
  }
  // filepath.Abs also cleans the path ("a/../b", "//x").
  return std::filesystem::absolute(p).lexically_normal().string();
}

config::Config load_config(std::string path, bool expand_env) {
  if (path.empty()) path = config::default_config_path();
  path = expand_path(path);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) throw CommandError("config file not found: " + path);
  config::Config c = config::load_file(path, {.expand_env = expand_env});
  hs::log::configure(log_options(c));
  return c;
}

Target resolve_target(const std::string& arg, const TargetOptions& opt) {
  Target t;
  if (config::is_url(arg)) {
    if (!opt.config_path.empty()) throw CommandError("cannot specify a replica URL and the -config flag");
    t.url_mode = true;
    t.replicas.push_back(make_replica_from_url(arg));
    return t;
  }
  t.config = load_config(opt.config_path, opt.expand_env);
  t.db_path = expand_path(arg);
  for (const auto& db : t.config->dbs)
    if (db.path == t.db_path) t.db = &db;
  if (!t.db) throw CommandError("database not found in config: " + t.db_path);
  bool found = false;
  for (const auto& r : t.db->replicas) {
    if (!opt.replica.empty() && config::replica_name(r) != opt.replica) continue;
    found = true;
    t.replicas.push_back(make_replica(*t.config, r));
  }
  if (!opt.replica.empty() && !found && opt.unknown_replica_is_error)
    throw CommandError("replica \"" + opt.replica + "\" not found for database \"" + t.db_path + "\"");
  return t;
}

}  // namespace hs::cli
