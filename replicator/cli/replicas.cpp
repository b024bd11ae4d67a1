#include "cli/replicas.h"

#include "age/encrypted_client.h"
#include "storage/file/file_client.h"
#include "storage/s3/s3_factory.h"

namespace hs::cli {
namespace {

// db_path: the database the replica belongs to, for its request counters ("" = not counted).
NamedReplica from_resolved(const config::ResolvedReplica& r, const std::string& db_path = "") {
  NamedReplica out;
  out.name = r.name;
  if (r.type == "file") {
    if (r.path.empty()) throw config::ConfigError("replica \"" + r.name + "\": file replica path required");
    out.client = std::make_unique<storage::FileReplicaClient>(r.path);
  } else if (r.type == "s3") {
    out.client = storage::make_s3_replica_client(r, db_path);
  } else {
    throw config::ConfigError("replica \"" + r.name + "\": unknown replica type \"" + r.type + "\"");
  }
  return out;
}

// `dbs[i].replicas[j].age` of `r` inside `c` (errors name the key), else the replica's name.
std::string age_key(const config::Config& c, const config::ReplicaConfig& r) {
  for (size_t i = 0; i < c.dbs.size(); ++i)
    for (size_t j = 0; j < c.dbs[i].replicas.size(); ++j)
      if (&c.dbs[i].replicas[j] == &r) return "dbs[" + std::to_string(i) + "].replicas[" + std::to_string(j) + "].age";
  return "replica \"" + config::replica_name(r) + "\" age";
}

// Keys parsed again here: a value read with -no-expand-env was not checked at parse time.
template <typename Parse>
auto parse_keys(const std::vector<std::string>& entries, const std::string& key, Parse parse) {
  decltype(parse(std::string_view())) out;
  for (size_t i = 0; i < entries.size(); ++i) {
    try {
      auto keys = parse(entries[i]);
      out.insert(out.end(), keys.begin(), keys.end());
    } catch (const age::KeyError& e) {
      throw config::ConfigError(key + "[" + std::to_string(i) + "]: " + e.what());
    }
  }
  return out;
}

// A replica with `age` gets the encrypting decorator around its storage client.
void add_age(NamedReplica& out, const config::Config& c, const config::ReplicaConfig& r) {
  if (!r.age) return;
  const std::string key = age_key(c, r);
  auto recipients = parse_keys(r.age->recipients, key + ".recipients", age::parse_recipients_text);
  std::vector<age::Identity> identities;
  for (const auto& k : parse_keys(r.age->identities, key + ".identities", age::parse_identities_text))
    identities.push_back(age::Identity::from_secret(k));
  out.client = std::make_unique<age::EncryptedReplicaClient>(std::move(out.client), std::move(recipients),
                                                             std::move(identities), key);
}

// The path of the database entry of `c` that holds `r`; "" for a replica outside c.dbs.
std::string db_path_of(const config::Config& c, const config::ReplicaConfig& r) {
  for (const auto& db : c.dbs)
    for (const auto& x : db.replicas)
      if (&x == &r) return db.path;
  return "";
}

}  // namespace

NamedReplica make_replica(const config::Config& c, const config::ReplicaConfig& r) {
  NamedReplica out = from_resolved(config::resolve_replica(c, r), db_path_of(c, r));
  add_age(out, c, r);
  return out;
}

void check_age_for_replicate(const config::Config& c, const config::ReplicaConfig& r) {
  if (!r.age) return;
  const std::string key = age_key(c, r);
  if (r.age->recipients.empty())
    throw config::ConfigError(key + ".recipients: required to replicate (objects are encrypted to them)");
  if (r.age->identities.empty())
    throw config::ConfigError(key +
                              ".identities: required to replicate (the last WAL segment is read back on start, "
                              "as litestream does)");
}

std::vector<NamedReplica> make_replicas(const config::Config& c, const config::DbConfig& db) {
  std::vector<NamedReplica> out;
  for (const auto& r : db.replicas) out.push_back(make_replica(c, r));
  return out;
}

NamedReplica make_replica_from_url(const std::string& url) {
  config::Config none;
  return from_resolved(config::resolve_replica(none, config::parse_replica_url(url)));
}

}  // namespace hs::cli
