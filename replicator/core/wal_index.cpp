#include "core/wal_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "core/file_io.h"

namespace hs::core::wal {

namespace {

constexpr size_t kHeaderCopySize = 48;  // sizeof(WalIndexHdr); the second copy follows at 48
// WalCkptInfo follows the two copies: nBackfill at 96, aReadMark[5], aLock[8], nBackfillAttempted.
constexpr size_t kBackfillOffset = 2 * kHeaderCopySize;
constexpr size_t kBackfillAttemptedOffset = kBackfillOffset + 4 + 5 * 4 + 8;

uint32_t native32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

std::optional<IndexHeader> read_index_header(const std::string& shm_path) {
  fileio::Fd fd = fileio::open_file(shm_path, O_RDONLY, 0, true);
  if (!fd) return std::nullopt;
  uint8_t buf[2 * kHeaderCopySize];
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (fileio::pread_full(fd.get(), buf, sizeof buf, 0, shm_path) != sizeof buf) return std::nullopt;
    if (std::memcmp(buf, buf + kHeaderCopySize, kHeaderCopySize) != 0) {
      std::this_thread::yield();  // a writer is between the two copies
      continue;
    }
    if (buf[12] == 0) return std::nullopt;  // isInit: nobody has built the index yet
    IndexHeader h;
    h.change = native32(buf + 8);
    h.max_frame = native32(buf + 16);
    h.page_count = native32(buf + 20);
    // The salts are kept as the bytes of the WAL header (SQLite memcpy()s them there): big-endian.
    h.salt1 = (uint32_t(buf[32]) << 24) | (uint32_t(buf[33]) << 16) | (uint32_t(buf[34]) << 8) | buf[35];
    h.salt2 = (uint32_t(buf[36]) << 24) | (uint32_t(buf[37]) << 16) | (uint32_t(buf[38]) << 8) | buf[39];
    return h;
  }
  return std::nullopt;
}

std::optional<CheckpointInfo> read_checkpoint_info(const std::string& shm_path) {
  fileio::Fd fd = fileio::open_file(shm_path, O_RDONLY, 0, true);
  if (!fd) return std::nullopt;
  uint8_t buf[kBackfillAttemptedOffset + 4];
  if (fileio::pread_full(fd.get(), buf, sizeof buf, 0, shm_path) != sizeof buf) return std::nullopt;
  if (buf[12] == 0) return std::nullopt;
  CheckpointInfo c;
  c.backfill = native32(buf + kBackfillOffset);
  c.backfill_attempted = native32(buf + kBackfillAttemptedOffset);
  std::memcpy(&c.salt1, buf + 32, 4);  // compared only: byte order does not matter
  std::memcpy(&c.salt2, buf + 36, 4);
  return c;
}

}  // namespace hs::core::wal
