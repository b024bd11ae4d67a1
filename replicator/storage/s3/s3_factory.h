#pragma once
// Builds the S3 ReplicaClient from the replicator's config (cli/replicas.cpp calls this).
// Credentials come only from the config or the environment (config's resolve_replica:
// replica keys, top-level keys, LITESTREAM_ACCESS_KEY_ID/LITESTREAM_SECRET_ACCESS_KEY, then
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); nothing ever asks an instance-metadata address.
#include <memory>
#include <string>

#include "config/config.h"
#include "core/replica_client.h"
#include "storage/s3/s3_options.h"

namespace hs::storage {

// The client options of a resolved s3 replica; throws config::ConfigError naming the replica
// and the missing key (bucket, credentials). Callers may adjust retry/on_retry before use.
S3Options s3_options(const config::ResolvedReplica& r);

// With a db_path, every request is counted in /metrics: hs_replica_requests_total{db,name,kind}
// (the replica's name is r.name, as core::Replica labels it) and litestream's
// litestream_replica_operation_total/_bytes{replica_type="s3"} for the successful ones.
std::unique_ptr<core::ReplicaClient> make_s3_replica_client(const config::ResolvedReplica& r,
                                                            const std::string& db_path = "");
// A replica on its own (CLI URL form): credentials from the replica's keys or the environment.
std::unique_ptr<core::ReplicaClient> make_s3_replica_client(const config::ReplicaConfig& r);

}  // namespace hs::storage
