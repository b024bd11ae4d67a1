#include "core/wal_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "core/file_io.h"

namespace hs::core::wal {

namespace {

constexpr size_t kHeaderCopySize = 48;  // sizeof(WalIndexHdr); the second copy follows at 48
// WalCkptInfo follows the two copies: nBackfill first.
constexpr size_t kBackfillOffset = 2 * kHeaderCopySize;

uint32_t native32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The salts are kept as the bytes of the WAL header (SQLite memcpy()s them there): big-endian.
uint32_t salt32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

std::optional<IndexHeader> read_index_header(int fd, const std::string& what) {
  if (fd < 0) return std::nullopt;
  uint8_t buf[2 * kHeaderCopySize];
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (fileio::pread_full(fd, buf, sizeof buf, 0, what) != sizeof buf) return std::nullopt;
    if (std::memcmp(buf, buf + kHeaderCopySize, kHeaderCopySize) != 0) {
      std::this_thread::yield();  // a writer is between the two copies
      continue;
    }
    if (buf[12] == 0) return std::nullopt;  // isInit: nobody has built the index yet
    IndexHeader h;
    h.change = native32(buf + 8);
    h.max_frame = native32(buf + 16);
    h.page_count = native32(buf + 20);
    h.salt1 = salt32(buf + 32);
    h.salt2 = salt32(buf + 36);
    return h;
  }
  return std::nullopt;
}

std::optional<CheckpointInfo> read_checkpoint_info(int fd, const std::string& what) {
  if (fd < 0) return std::nullopt;
  uint8_t buf[kBackfillOffset + 4];
  if (fileio::pread_full(fd, buf, sizeof buf, 0, what) != sizeof buf) return std::nullopt;
  if (buf[12] == 0) return std::nullopt;
  CheckpointInfo c;
  c.backfill = native32(buf + kBackfillOffset);
  c.salt1 = salt32(buf + 32);
  c.salt2 = salt32(buf + 36);
  return c;
}

}  // namespace hs::core::wal
