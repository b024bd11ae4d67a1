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

// Reads the header from the -shm through `fd` (counters in native byte order, as SQLite writes
// them). SQLite writes the header twice and readers accept it only when both copies agree; so do we,
// retrying a few times while a writer is between the two copies. nullopt: too short, not
// initialised, or never consistent (callers then assume "changed"). `what` names the file in errors.
//
// A descriptor, never a path: closing any descriptor of a file drops every POSIX lock this process
// holds on it, and SQLite's read marks are such locks on the -shm. A process that has the database
// open must read its -shm through one descriptor kept open as long as its connections (Db does).
std::optional<IndexHeader> read_index_header(int fd, const std::string& what);

// WalCkptInfo, after the header's two copies: how far checkpoints have copied the current WAL into
// the database file (nBackfill, in frames; 0 again when the WAL restarts).
struct CheckpointInfo {
  uint32_t backfill = 0;          // nBackfill
  uint32_t salt1 = 0, salt2 = 0;  // of the WAL these count frames of, as in IndexHeader
  friend bool operator==(const CheckpointInfo&, const CheckpointInfo&) = default;
};

// nullopt as for read_index_header; the same rule for `fd`.
std::optional<CheckpointInfo> read_checkpoint_info(int fd, const std::string& what);

}  // namespace hs::core::wal
