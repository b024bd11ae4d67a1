#pragma once
// Application of one WAL index during restore: its segments are fetched in offset order,
// decompressed, checked frame by frame (header checksum, salts, cumulative checksums, contiguous
// offsets, a commit frame at the end) and each verified frame's page is written straight into the
// temp database file, which is what SQLite's checkpoint would do with the same frames, without
// writing the WAL to disk and reading it back.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/replica_client.h"
#include "core/restore.h"

namespace hs::core {

// The temp database being restored: an open read-write descriptor, its page size (from the
// snapshot's header) and its current size in bytes (kept up to date by apply_wal_index).
struct WalApplyTarget {
  int fd = -1;
  std::string path;
  uint32_t page_size = 0;
  int64_t size = 0;
  size_t cache_bytes = 32 << 20;  // pages held back to write each one once (bounded)
};

struct AppliedWal {
  int64_t frames = 0;  // frames verified and applied (all of them, the last one a commit)
  int64_t bytes = 0;   // header + frames
};

// Applies the WAL indexes of one restore in order. Their segments decode on `decoders` threads
// ahead of the frame checks and page writes (segment_decoder.h); one page cache serves all
// indexes, so the file is complete only after the last index has been applied.
class WalApplier {
 public:
  WalApplier(ReplicaClient& client, std::string generation, std::vector<WalIndexPlan> plan, WalApplyTarget& db,
             size_t decoders = 2);
  ~WalApplier();
  WalApplier(const WalApplier&) = delete;
  WalApplier& operator=(const WalApplier&) = delete;
  // Applies the plan's next index; throws as apply_wal_index does.
  AppliedWal apply_next(const std::atomic<bool>& cancel);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Applies index `plan.index` of `generation` to `db`. Throws CorruptError / NotFoundError / Error
// naming the object. A throw can leave `db` half-applied: the caller then discards the temp file
// (it never becomes the output). Frames after the index's last commit are an error, never applied
// silently: an index that does not end on a commit throws.
AppliedWal apply_wal_index(ReplicaClient& client, const std::string& generation, const WalIndexPlan& plan,
                           WalApplyTarget& db, const std::atomic<bool>& cancel);

}  // namespace hs::core
