#include "core/layout.h"

#include <cstdio>

#include "core/error.h"
#include "core/pos.h"

namespace hs::core {

std::string Pos::str() const {
  return generation + "/" + layout::hex08(index) + ":" + std::to_string(offset);
}

namespace layout {
namespace {

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// Parses 8..16 lowercase hex digits into a non-negative int64; nullopt otherwise (including values
// that do not fit, which no writer can produce from a valid position).
std::optional<int64_t> parse_hex_field(std::string_view s) {
  if (s.size() < 8 || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!is_lower_hex(c)) return std::nullopt;
    v = v * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

bool strip_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

}  // namespace

bool is_generation_name(std::string_view name) {
  if (name.size() != 16) return false;
  for (char c : name)
    if (!is_lower_hex(c)) return false;
  return true;
}

std::string hex08(int64_t n) {
  if (n < 0) throw Error("internal error: negative index/offset " + std::to_string(n) + " cannot be named");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(n));
  return buf;
}

std::string snapshot_name(int64_t index) {
  return hex08(index) + ".snapshot.lz4";
}

std::string wal_segment_name(int64_t index, int64_t offset) {
  return hex08(index) + "_" + hex08(offset) + ".wal.lz4";
}

std::optional<int64_t> parse_snapshot_name(std::string_view name) {
  if (!strip_suffix(name, ".snapshot.lz4")) return std::nullopt;
  return parse_hex_field(name);
}

std::optional<IndexOffset> parse_wal_segment_name(std::string_view name) {
  if (!strip_suffix(name, ".wal.lz4")) return std::nullopt;
  auto underscore = name.find('_');
  if (underscore == std::string_view::npos) return std::nullopt;
  auto index = parse_hex_field(name.substr(0, underscore));
  auto offset = parse_hex_field(name.substr(underscore + 1));
  if (!index || !offset) return std::nullopt;
  return IndexOffset{*index, *offset};
}

std::string join(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.ends_with('/')) a.remove_suffix(1);
  while (b.starts_with('/')) b.remove_prefix(1);
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  if (!out.ends_with('/')) out += '/';
  out += b;
  return out;
}

std::string generations_path(std::string_view root) {
  return join(root, "generations");
}

std::string generation_path(std::string_view root, std::string_view generation) {
  if (!is_generation_name(generation))
    throw Error("invalid generation name \"" + std::string(generation) + "\": want 16 lowercase hex digits");
  return join(generations_path(root), generation);
}

std::string snapshots_path(std::string_view root, std::string_view generation) {
  return join(generation_path(root, generation), "snapshots");
}

std::string snapshot_path(std::string_view root, std::string_view generation, int64_t index) {
  return join(snapshots_path(root, generation), snapshot_name(index));
}

std::string wal_path(std::string_view root, std::string_view generation) {
  return join(generation_path(root, generation), "wal");
}

std::string wal_segment_path(std::string_view root, std::string_view generation, int64_t index, int64_t offset) {
  return join(wal_path(root, generation), wal_segment_name(index, offset));
}

std::string lease_path(std::string_view root) {
  return join(root, "replica-lease.json");
}

}  // namespace layout
}  // namespace hs::core
