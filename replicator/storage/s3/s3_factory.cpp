#include "storage/s3/s3_factory.h"

#include <map>

#include "log/log.h"
#include "metrics/metrics.h"
#include "storage/s3/s3_client.h"

namespace hs::storage {

S3Options s3_options(const config::ResolvedReplica& r) {
  const std::string who = "replica \"" + r.name + "\"";
  if (r.type != "s3") throw config::ConfigError(who + ": type is \"" + r.type + "\", not s3");
  if (r.bucket.empty()) throw config::ConfigError(who + ": bucket required for s3 replica");
  if (r.access_key_id.empty() || r.secret_access_key.empty()) {
    throw config::ConfigError(
        who + ": no S3 credentials: set access-key-id and secret-access-key (replica or top level), or " +
        "LITESTREAM_ACCESS_KEY_ID/LITESTREAM_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) " +
        "in the environment");
  }
  S3Options o;
  o.bucket = r.bucket;
  o.path = r.path;
  o.region = r.region;
  o.endpoint = r.endpoint;
  // litestream: an endpoint implies path-style (resolve_replica applies that default).
  o.force_path_style = r.force_path_style;
  o.skip_verify = r.skip_verify;
  o.access_key_id = r.access_key_id;
  o.secret_access_key = r.secret_access_key;
  // A retry that then succeeds is no news for the user (WARN would raise an alert); when every
  // attempt fails the caller logs the error at ERROR.
  o.on_retry = [name = r.name](std::string_view why) {
    log::debug("s3 request retry", {{"replica", name}, {"reason", why}});
  };
  return o;
}

std::unique_ptr<core::ReplicaClient> make_s3_replica_client(const config::ResolvedReplica& r,
                                                            const std::string& db_path) {
  S3Options o = s3_options(r);
  if (!db_path.empty()) {
    // Registered once here; the callbacks only touch atomics.
    auto& rm = metrics::registry().replica(db_path, r.name);
    o.on_request = [&rm](std::string_view kind) {
      for (size_t k = 0; k < std::size(metrics::kRequestKindNames); ++k)
        if (kind == metrics::kRequestKindNames[k]) rm.requests(static_cast<metrics::RequestKind>(k)).inc();
    };
    std::map<std::string, metrics::OperationMetrics*, std::less<>> ops;
    for (const char* op : {"GET", "PUT", "LIST", "DELETE"}) ops[op] = &metrics::registry().operation("s3", op);
    o.on_operation = [ops = std::move(ops)](std::string_view op, int64_t bytes) {
      if (auto it = ops.find(op); it != ops.end()) it->second->record(double(bytes));
    };
  }
  return std::make_unique<S3ReplicaClient>(std::move(o));
}

std::unique_ptr<core::ReplicaClient> make_s3_replica_client(const config::ReplicaConfig& r) {
  return make_s3_replica_client(config::resolve_replica(config::Config{}, r));
}

}  // namespace hs::storage
