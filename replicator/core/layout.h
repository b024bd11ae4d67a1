#pragma once
// Object names and paths of a Litestream v0.3 replica (litestream.go FormatSnapshotPath and
// friends). Writers format exactly like Go's "%08x" (a minimum width: an offset past 4 GiB gets
// nine digits); readers accept 8 to 16 lowercase hex digits, so such segments are never silently
// skipped the way v0.3.13's fixed {8} regex skips them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hs::core::layout {

// Litestream's MaxIndex: reaching it starts a new generation; also the default -index of restore.
inline constexpr int64_t kMaxIndex = 0x7FFFFFFF;

// True for exactly 16 lowercase hex digits (IsGenerationName).
bool is_generation_name(std::string_view name);

// "%08x" of a non-negative number, as Go prints it.
std::string hex08(int64_t n);

// "<index %08x>.snapshot.lz4"
std::string snapshot_name(int64_t index);
// "<index %08x>_<offset %08x>.wal.lz4"
std::string wal_segment_name(int64_t index, int64_t offset);

// Parses a snapshot object name; nullopt if the name is not one (such objects are ignored).
std::optional<int64_t> parse_snapshot_name(std::string_view name);

struct IndexOffset {
  int64_t index = 0;
  int64_t offset = 0;
};
// Parses a WAL segment object name; nullopt if the name is not one.
std::optional<IndexOffset> parse_wal_segment_name(std::string_view name);

// Joins path parts with '/', like Go's path.Join for our purposes: empty parts are dropped and
// no doubled slashes appear, so an empty replica root gives keys starting "generations/".
std::string join(std::string_view a, std::string_view b);

// <root>/generations
std::string generations_path(std::string_view root);
// <root>/generations/<gen>
std::string generation_path(std::string_view root, std::string_view generation);
// <root>/generations/<gen>/snapshots
std::string snapshots_path(std::string_view root, std::string_view generation);
// <root>/generations/<gen>/snapshots/<index>.snapshot.lz4
std::string snapshot_path(std::string_view root, std::string_view generation, int64_t index);
// <root>/generations/<gen>/wal
std::string wal_path(std::string_view root, std::string_view generation);
// <root>/generations/<gen>/wal/<index>_<offset>.wal.lz4
std::string wal_segment_path(std::string_view root, std::string_view generation, int64_t index, int64_t offset);

// <root>/replica-lease.json: the one-writer lease (core/replica_lease.h). Beside generations/, so
// litestream (which lists only generations/) and our listings never see it.
std::string lease_path(std::string_view root);

}  // namespace hs::core::layout
