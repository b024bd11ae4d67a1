#pragma once
// ReplicaClients for the commands: from a config file's database entry, or from a replica URL
// (CLI form). file replicas are storage/file's client, s3 replicas come from storage/s3's factory;
// a replica with `age` gets age::EncryptedReplicaClient around either;
// credentials only from the config or the environment (resolve_replica), never a metadata address.
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/replica_client.h"

namespace hs::cli {

struct NamedReplica {
  std::string name;  // config `name`, else the type (litestream's Replica.Name())
  std::unique_ptr<core::ReplicaClient> client;
};

// The client of one configured replica. Throws config::ConfigError naming the replica.
NamedReplica make_replica(const config::Config& c, const config::ReplicaConfig& r);
// replicate both writes and reads (it resumes from the last WAL segment): a replica with `age` needs
// recipients and identities. Throws config::ConfigError naming the missing key.
void check_age_for_replicate(const config::Config& c, const config::ReplicaConfig& r);
// Clients of every replica of `db`, in config order.
std::vector<NamedReplica> make_replicas(const config::Config& c, const config::DbConfig& db);
// The client of a replica URL (`file:///dir`, `s3://bucket/prefix`).
NamedReplica make_replica_from_url(const std::string& url);

}  // namespace hs::cli
