// Every rejected input: the message must start with the key path and say what is wrong.
#include <catch2/catch.hpp>

#include "config/config.h"

using namespace hs::config;

namespace {

struct Case {
  const char* yaml;
  const char* expected;  // the message must contain this (it starts with the key path)
};

const char* kDb = "dbs:\n  - path: /data/app.db\n    replicas:\n";

std::string with_replicas(const std::string& replicas) {
  return kDb + replicas;
}

}  // namespace

TEST_CASE("bad input gives a ConfigError naming the key") {
  const Case cases[] = {
      {"bogus: 1\n", "bogus: unknown key"},
      {"dbs:\n  - path: /a.db\n    monitor-intervall: 1s\n", "dbs[0].monitor-intervall: unknown key"},
      {"dbs:\n  - path: /a.db\n  - path: /b.db\n    replicas:\n      - {path: /x, sync-interval: 7d}\n",
       "dbs[1].replicas[0].sync-interval: unknown unit \"d\" in duration \"7d\""},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: /x}\n      - {name: two, path: /y, sync-interval: fast}\n",
       "dbs[0].replicas[1].sync-interval: invalid duration \"fast\""},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: /x, retention: 7d}\n",
       "dbs[0].replicas[0].retention: unknown unit"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: /x, lease-ttl: 500ms}\n",
       "dbs[0].replicas[0].lease-ttl: must be 0 (no lease) or at least 2s"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: /x, lease-ttl: -1s}\n",
       "dbs[0].replicas[0].lease-ttl: must not be negative"},
      {"logging: {type: xml}\n", "logging.type: invalid type \"xml\" (text or json)"},
      {"logging: {level: loud}\n", "logging.level: invalid level \"loud\""},
      {"logging: {stderr: maybe}\n", "logging.stderr: invalid boolean \"maybe\""},
      {"logging: {colour: red}\n", "logging.colour: unknown key"},
      {"addr: localhost\n", "addr: must specify port for bind address: \"localhost\""},
      {"addr: \":99999\"\n", "addr: invalid port \"99999\""},
      {"addr: \"::1:9090\"\n", "addr: IPv6 host must be in brackets"},
      {"dbs:\n  - path: /a.db\n    min-checkpoint-page-count: 0\n",
       "dbs[0].min-checkpoint-page-count: minimum checkpoint page count required"},
      {"dbs:\n  - path: /a.db\n    min-checkpoint-page-count: many\n",
       "dbs[0].min-checkpoint-page-count: invalid integer \"many\""},
      {"dbs:\n  - path: /a.db\n    max-checkpoint-page-count: -1\n",
       "dbs[0].max-checkpoint-page-count: must be 0 (off)"},
      {"dbs:\n  - path: /a.db\n    monitor-interval: -1s\n", "dbs[0].monitor-interval: must not be negative"},
      {"dbs:\n  - meta-path: /m\n", "dbs[0].path: required"},
      {"dbs:\n  - path: /a.db\n  - path: /a.db\n", "dbs[1].path: duplicate database path \"/a.db\""},
      {"dbs: {path: /a.db}\n", "dbs: must be a list"},
      {"dbs:\n  - path: [1, 2]\n", "dbs[0].path: must be a string"},
      {"dbs:\n  - path: /a.db\n    path: /b.db\n", "dbs[0].path: duplicate key"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: /x}\n      - {path: /y}\n",
       "dbs[0].replicas[1].name: duplicate replica name: \"file\""},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: s3://bkt/x}\n",
       "dbs[0].replicas[0].path: replica path cannot be a url, please use the 'url' field instead"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {url: s3://bkt/x, bucket: bkt}\n",
       "dbs[0].replicas[0].bucket: cannot specify url & bucket for s3 replica"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {type: s3, path: x}\n",
       "dbs[0].replicas[0].bucket: bucket required for s3 replica"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {url: file:///x, path: /y}\n",
       "dbs[0].replicas[0].path: cannot specify url & path for file replica"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {type: file}\n",
       "dbs[0].replicas[0].path: path or url required for file replica"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: /x, bucket: b}\n",
       "dbs[0].replicas[0].bucket: only valid for s3 replicas"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {type: gcs, bucket: b}\n",
       "dbs[0].replicas[0].type: \"gcs\" replicas are not supported"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {type: ftp}\n",
       "dbs[0].replicas[0].type: unknown replica type \"ftp\""},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {url: gs://b/x}\n",
       "dbs[0].replicas[0].url: unsupported replica url scheme \"gs\""},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {url: bkt/x}\n",
       "dbs[0].replicas[0].url: replica url scheme required"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {url: \"s3://k:s@bkt/x\"}\n",
       "dbs[0].replicas[0].url: replica url must not contain credentials"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - path: /x\n        age:\n          recipients: [age1xyz]\n",
       "dbs[0].replicas[0].age.recipients[0]: not an age X25519 recipient (age1...)"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - path: /x\n        age:\n          identities: [\"# no key\"]\n",
       "dbs[0].replicas[0].age.identities[0]: no secret keys found"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - path: /x\n        age:\n          identities: "
       "[AGE-SECRET-KEY-1X]\n",
       "dbs[0].replicas[0].age.identities[0]: not an age X25519 identity (AGE-SECRET-KEY-1...)"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - path: /x\n        age: {}\n",
       "dbs[0].replicas[0].age: needs recipients"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - path: /x\n        age: {recipient: [x]}\n",
       "dbs[0].replicas[0].age.recipient: unknown key"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - path: /x\n        age: {recipients: [[x]]}\n",
       "dbs[0].replicas[0].age.recipients[0]: must be a string"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {type: s3, bucket: b, account-key: k}\n",
       "dbs[0].replicas[0].account-key: abs replicas are not supported"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: /x, sync-interval: 0s}\n",
       "dbs[0].replicas[0].sync-interval: must be greater than 0"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: /x, snapshot-interval: -1h}\n",
       "dbs[0].replicas[0].snapshot-interval: must not be negative"},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {type: s3, bucket: b, force-path-style: sometimes}\n",
       "dbs[0].replicas[0].force-path-style: invalid boolean \"sometimes\""},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {name: \"\", path: /x}\n",
       "dbs[0].replicas[0].name: must not be empty"},
      {"healthcheck-url: ftp://x\n", "healthcheck-url: must start with http:// or https://"},
      {"max-age: 0s\n", "max-age: must be greater than 0"},
      {"shutdown-timeout: 0s\n", "shutdown-timeout: must be greater than 0"},
      {"healthz-max-lag: fast\n", "healthz-max-lag: "},
      {"max-age: 2d\n", "max-age: unknown unit \"d\""},
      {"alerts:\n  throttle: {rate: 0}\n", "alerts.throttle.rate: must be at least 1"},
      {"alerts:\n  throttle: {interval: soon}\n", "alerts.throttle.interval: invalid duration \"soon\""},
      {"alerts:\n  throttle: {window: 0}\n", "alerts.throttle.window: must be at least 1"},
      {"alerts:\n  throttle: {burst: 3}\n", "alerts.throttle.burst: unknown key"},
      {"alerts:\n  sinks:\n    - {type: email, url: http://x}\n", "alerts.sinks[0].type: unknown sink type \"email\""},
      {"alerts:\n  sinks:\n    - {url: http://x}\n", "alerts.sinks[0].type: required"},
      {"alerts:\n  sinks:\n    - {type: slack}\n", "alerts.sinks[0].url: url or url-file required"},
      {"alerts:\n  sinks:\n    - {type: slack, url: http://x, url-file: /f}\n",
       "alerts.sinks[0].url-file: cannot specify both url and url-file"},
      {"alerts:\n  sinks:\n    - {type: slack, url: \"\"}\n",
       "alerts.sinks[0].url: is empty (is the environment variable"},
      {"alerts:\n  sinks:\n    - {type: slack, url: hooks.slack.com/x}\n", "alerts.sinks[0].url: must start with http"},
      {"alerts:\n  sinks:\n    - {type: gotify, url: http://g}\n",
       "alerts.sinks[0].token: token or token-file required for gotify"},
      {"alerts:\n  sinks:\n    - {type: ntfy, url: http://n, priority: 9}\n",
       "alerts.sinks[0].priority: ntfy priority must be 1..5"},
      {"alerts:\n  sinks:\n    - {type: slack, url: http://n, topic: t}\n",
       "alerts.sinks[0].topic: only valid for ntfy sinks"},
      {"alerts:\n  sinks:\n    - {type: slack, url: http://a}\n    - {type: slack, url: http://b}\n",
       "alerts.sinks[1].name: duplicate sink name \"slack\""},
      {"dbs:\n  - path: /a.db\n    replicas:\n      - {path: /x\n", "config: invalid YAML at line"},
      {"- just\n- a list\n", "config: must be a mapping"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    CHECK_THROWS_AS(parse(c.yaml), ConfigError);
    CHECK_THROWS_WITH(parse(c.yaml), Catch::Contains(c.expected));
  }
}

TEST_CASE("error messages start with the key path") {
  try {
    parse(with_replicas("      - {path: /x}\n      - {name: b, path: /y, sync-interval: 7d}\n"));
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).rfind("dbs[0].replicas[1].sync-interval: ", 0) == 0);
  }
}

TEST_CASE("secret values never appear in error messages") {
  ::setenv("HS_T_SLACK", "hooks.slack.com/services/SECRETTOKEN", 1);
  try {
    parse("alerts:\n  sinks:\n    - {type: slack, url: \"${HS_T_SLACK}\"}\n");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("SECRETTOKEN") == std::string::npos);
  }
}

TEST_CASE("an empty document is an empty config") {
  CHECK(parse("").dbs.empty());
  CHECK(parse("# only a comment\n").dbs.empty());
}
