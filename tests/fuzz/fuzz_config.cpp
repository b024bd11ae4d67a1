// The replicator config: YAML text after `$VAR` expansion through parse(), render() and
// resolve_replica(); every line also through the duration and replica URL parsers.
// Properties: bad input only ever throws ConfigError (never a crash or another exception, which
// the CLI would print without the key path); parse(render(c)) == c, the invariant config.h
// promises and the provider's rendered ConfigMaps rely on; durations survive format/parse.
#include <cstdint>
#include <map>
#include <string>

#include "config/config.h"
#include "config/duration.h"
#include "config/expand.h"
#include "config/replica_url.h"
#include "fuzz_check.h"

using namespace hs::config;

namespace {

std::string fake_env(const std::string& name) {
  static const std::map<std::string, std::string> env = {{"BUCKET", "backups"},
                                                         {"DB", "/data/app.db"},
                                                         {"KEY", "AKIA0000"},
                                                         {"INTERVAL", "10s"},
                                                         {"URL", "s3://b.localhost:9000/p"},
                                                         {"EMPTY", ""},
                                                         {"NL", "a\nb: c"}};
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

void durations_and_urls(std::string_view line) {
  std::string why;
  if (auto d = parse_duration(line, &why)) {
    std::string text = format_duration(*d);
    auto again = parse_duration(text, &why);
    FUZZ_CHECK(again && *again == *d, "duration " + text + " does not parse back: " + why);
  } else {
    FUZZ_CHECK(!why.empty(), "parse_duration failed without saying why");
  }
  try {
    split_replica_url(line, "url");
  } catch (const ConfigError&) {
  }
  parse_s3_host(line);
  try {
    parse_replica_url(line);
  } catch (const ConfigError&) {
  }
  is_url(line);
  clean_path(line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = hs::fuzz::as_text(data, size);
  std::string text = expand_vars(in, fake_env);
  try {
    Config c = parse(text, {.expand_env = false});
    std::string yaml = render(c);
    Config again;
    try {
      again = parse(yaml, {.expand_env = false});
    } catch (const ConfigError& e) {
      FUZZ_CHECK(false, std::string("rendered config does not parse: ") + e.what() + "\n" + yaml);
    }
    FUZZ_CHECK(again == c, "parse(render(c)) != c; rendered:\n" + yaml);
    for (const auto& db : c.dbs)
      for (const auto& r : db.replicas) try {
          resolve_replica(c, r);
        } catch (const ConfigError&) {
        }
  } catch (const ConfigError&) {
  }
  for (std::string_view line : hs::fuzz::lines(in, 16)) durations_and_urls(line);
  return 0;
}
