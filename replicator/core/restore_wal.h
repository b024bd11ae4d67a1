#pragma once
// Download of one WAL index for restore: its segments are fetched in offset order, decompressed,
// checked frame by frame (header checksum, salts, cumulative checksums, contiguous offsets, a
// commit frame at the end) and written to a local file that SQLite then checkpoints.
#include <atomic>
#include <cstdint>
#include <string>

#include "core/replica_client.h"
#include "core/restore.h"

namespace hs::core {

struct DownloadedWal {
  int64_t frames = 0;     // frames verified (all of them, the last one a commit)
  int64_t bytes = 0;      // header + frames
  uint32_t page_size = 0;
};

// Writes index `plan.index` of `generation` to `path` (created exclusively, mode 0600).
// Throws CorruptError / NotFoundError / Error naming the object; the caller removes `path`.
// Returns early with an Error if `cancel` becomes true.
DownloadedWal download_wal_index(ReplicaClient& client, const std::string& generation, const WalIndexPlan& plan,
                                 const std::string& path, const std::atomic<bool>& cancel);

}  // namespace hs::core
