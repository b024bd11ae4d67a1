#pragma once
// Runtime facts of a running `replicate` for the `status` command, served as JSON on GET /status
// of the `addr` server (beside /metrics and /healthz): per database its generation and shadow
// position, per replica its position, last successful sync, lag, last ERROR event and last
// validation. Only the running replicator knows these; `status` merges them with what it reads
// from the config and the meta directory itself.
#include <memory>
#include <string>
#include <vector>

#include "core/db_replicator.h"
#include "core/event_log.h"

namespace hs::cli {

// Remembers the last ERROR event per (db, replica) (fields "db" and "replica"; an event without
// "replica" is the database's). Called for every replication event; cheap for the others.
void record_status_event(core::LogLevel level, const std::string& msg, const core::LogFields& fields);

// The JSON document of GET /status for these replicators (thread-safe while they run).
std::string runtime_status_json(std::vector<std::unique_ptr<core::DbReplicator>>& replicators);

}  // namespace hs::cli
