#include "cli/replicas.h"

#include "storage/file/file_client.h"
#include "storage/s3/s3_factory.h"

namespace hs::cli {
namespace {

NamedReplica from_resolved(const config::ResolvedReplica& r) {
  NamedReplica out;
  out.name = r.name;
  if (r.type == "file") {
    if (r.path.empty()) throw config::ConfigError("replica \"" + r.name + "\": file replica path required");
    out.client = std::make_unique<storage::FileReplicaClient>(r.path);
  } else if (r.type == "s3") {
    out.client = storage::make_s3_replica_client(r);
  } else {
    throw config::ConfigError("replica \"" + r.name + "\": unknown replica type \"" + r.type + "\"");
  }
  return out;
}

}  // namespace

NamedReplica make_replica(const config::Config& c, const config::ReplicaConfig& r) {
  return from_resolved(config::resolve_replica(c, r));
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
