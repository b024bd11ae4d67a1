#pragma once
// Positions in a replicated WAL stream, as Litestream v0.3 names them:
// generation (16 lowercase hex), WAL index (%08x) and byte offset inside that index's WAL file.
#include <chrono>
#include <compare>
#include <cstdint>
#include <string>

namespace hs::core {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

struct Pos {
  std::string generation;  // empty = zero position (nothing replicated yet)
  int64_t index = 0;
  int64_t offset = 0;

  bool is_zero() const { return generation.empty() && index == 0 && offset == 0; }
  Pos truncate() const { return Pos{generation, index, 0}; }
  // "<generation>/<index %08x>:<offset decimal>", e.g. "1d2cf359803de756/00000000:16512".
  std::string str() const;

  friend auto operator<=>(const Pos&, const Pos&) = default;
};

struct SnapshotInfo {
  std::string generation;
  int64_t index = 0;
  int64_t size = 0;      // compressed object size
  TimePoint created_at;  // file mtime / S3 LastModified: drives restore -timestamp and retention
  Pos pos() const { return Pos{generation, index, 0}; }
};

struct WalSegmentInfo {
  std::string generation;
  int64_t index = 0;
  int64_t offset = 0;
  int64_t size = 0;  // compressed object size
  TimePoint created_at;
  Pos pos() const { return Pos{generation, index, offset}; }
};

}  // namespace hs::core
