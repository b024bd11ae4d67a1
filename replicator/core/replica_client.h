#pragma once
// ReplicaClient: the only thing the replicator core knows about storage (as in Litestream's
// ReplicaClient). Implementations: storage/file, storage/s3. All data passed through it is
// already LZ4-framed; clients store and return bytes unchanged under Litestream v0.3 keys:
//   <root>/generations/<gen>/snapshots/<index %08x>.snapshot.lz4
//   <root>/generations/<gen>/wal/<index %08x>_<offset %08x>.wal.lz4
// Errors are exceptions from core/error.h; a missing object throws NotFoundError.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/pos.h"

namespace hs::core {

// A pull-based byte stream, so large snapshots never have to sit in memory.
class Reader {
 public:
  virtual ~Reader() = default;
  // Reads up to n bytes into buf; returns 0 only at end of stream. Throws on error.
  virtual size_t read(void* buf, size_t n) = 0;
};

class ReplicaClient {
 public:
  virtual ~ReplicaClient() = default;

  // "file" or "s3": used in logs and metrics labels.
  virtual std::string type() const = 0;

  // Names of all generations (valid 16-hex names only), sorted ascending.
  virtual std::vector<std::string> generations() = 0;
  // Removes every object of a generation.
  virtual void delete_generation(const std::string& generation) = 0;

  // Snapshots of a generation sorted by index; empty if the generation does not exist.
  virtual std::vector<SnapshotInfo> snapshots(const std::string& generation) = 0;
  // Stores an LZ4-framed snapshot read to its end from `data`; overwrites the same index.
  virtual SnapshotInfo write_snapshot(const std::string& generation, int64_t index, Reader& data) = 0;
  virtual std::unique_ptr<Reader> open_snapshot(const std::string& generation, int64_t index) = 0;
  virtual void delete_snapshot(const std::string& generation, int64_t index) = 0;

  // WAL segments of a generation sorted by (index, offset); empty if none.
  virtual std::vector<WalSegmentInfo> wal_segments(const std::string& generation) = 0;
  virtual WalSegmentInfo write_wal_segment(const Pos& pos, Reader& data) = 0;
  virtual std::unique_ptr<Reader> open_wal_segment(const Pos& pos) = 0;
  virtual void delete_wal_segments(const std::vector<Pos>& positions) = 0;
  // The WAL segments of a generation whose index is below `index`, sorted: what retention deletes.
  // A client whose listing comes in pages in key order (S3) overrides this to stop at the first
  // segment at or above `index`, so a retention check pays LIST pages for what it deletes, not for
  // the whole generation (a day of 1 s syncs is ~87 pages of 1000).
  virtual std::vector<WalSegmentInfo> wal_segments_below(const std::string& generation, int64_t index) {
    std::vector<WalSegmentInfo> out;
    for (auto& s : wal_segments(generation))
      if (s.index < index) out.push_back(std::move(s));
    return out;
  }

  // Shutdown budget exceeded: makes every in-flight and later request fail fast with an Error
  // (an S3 request stuck on a silent endpoint would otherwise run to its own deadline). One-way.
  // Clients whose calls are bounded local I/O need not do anything.
  // The replica's lease object (core/replica_lease.h: one writer per replica), stored beside
  // generations/ (layout::lease_path), never under it, so litestream's listings never see it.
  // Bytes are stored as given (never encrypted: they name a host and process, nothing secret).
  // read_lease: nullopt when there is none. write_lease: replaces it whole (readers see the old or
  // the new body, never a mix). delete_lease: a missing lease is not an error. The default throws:
  // a client without these cannot be written with a lease (lease-ttl: 0 turns it off).
  virtual std::optional<std::string> read_lease() { throw Error(type() + " replica: lease not supported"); }
  virtual void write_lease(const std::string& /*body*/) { throw Error(type() + " replica: lease not supported"); }
  virtual void delete_lease() { throw Error(type() + " replica: lease not supported"); }

  virtual void cancel() {}
  // A counter that moves whenever bytes move to or from storage (monotonic; 0 if not tracked), so
  // a watchdog can tell a slow transfer from a stalled one.
  virtual int64_t progress() const { return 0; }
  // True when reads cross a network, so restore downloads WAL segments ahead in parallel; a client
  // whose reads are local files returns false and is read in place (copying ahead is pure cost).
  virtual bool remote() const { return true; }
};

}  // namespace hs::core
