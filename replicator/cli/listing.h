#pragma once
// Shared parts of the listing commands (generations, snapshots, wal): flags common to them and
// the per-replica error handling litestream uses there (log the error, keep going, exit 0).
#include <string>
#include <vector>

#include "cli/target.h"
#include "log/log.h"

namespace hs::cli {

// Log fields identifying a replica, as litestream's Replica.Logger(): db (config mode) + replica.
std::vector<hs::log::Field> replica_fields(const Target& t, const NamedReplica& r);

}  // namespace hs::cli
