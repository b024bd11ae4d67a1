#pragma once
// The WAL-index header that SQLite keeps at the start of the "-shm" file (fileformat2, "The
// WAL-Index Format"). It changes on every commit (iChange counts transactions) and on every WAL
// restart (new salts, mxFrame back to 0), whatever the file timestamps say: it is how SQLite's own
// readers notice a change, and how we notice one without trusting mtime, whose granularity on
// common kernels (ext4/xfs before 6.13, ramfs) can hide a commit that keeps the WAL's size.
#include <cstdint>
#include <optional>
#include <string>

namespace hs::core::wal {

struct IndexHeader {
  uint32_t change = 0;            // iChange: incremented by every commit, kept across WAL restarts
  uint32_t max_frame = 0;         // mxFrame: frames of the current WAL that belong to committed transactions
  uint32_t page_count = 0;        // nPage: database size in pages after the last commit
  uint32_t salt1 = 0, salt2 = 0;  // the current WAL's salts, as its header reads them (big-endian)
  friend bool operator==(const IndexHeader&, const IndexHeader&) = default;
};

// Reads the header from `shm_path` (counters in native byte order, as SQLite writes them). SQLite writes the
// header twice and readers accept it only when both copies agree; so do we, retrying a few times
// while a writer is between the two copies. nullopt: no -shm file, too short, not initialised, or
// never consistent (callers then assume "changed").
std::optional<IndexHeader> read_index_header(const std::string& shm_path);

// WalCkptInfo, after the header's two copies: how far checkpoints have copied the WAL into the
// database file. SQLite raises nBackfillAttempted before a checkpoint writes pages and nBackfill
// once they are written (both drop to 0 when the WAL restarts): while the two are equal and stay
// unchanged, nobody has written to the database file.
struct CheckpointInfo {
  uint32_t backfill = 0;            // nBackfill
  uint32_t backfill_attempted = 0;  // nBackfillAttempted
  uint32_t salt1 = 0, salt2 = 0;    // of the WAL these count frames of
  bool settled() const { return backfill == backfill_attempted; }
  friend bool operator==(const CheckpointInfo&, const CheckpointInfo&) = default;
};

// nullopt as for read_index_header.
std::optional<CheckpointInfo> read_checkpoint_info(const std::string& shm_path);

}  // namespace hs::core::wal
