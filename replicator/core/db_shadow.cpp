// Db: the shadow WAL. Verifying that the shadow still continues the real WAL (DB.verify), starting
// shadow files, and copying verified whole transactions into them (DB.copyToShadowWAL).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "core/db.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/layout.h"
#include "core/wal.h"

namespace hs::core {

namespace {

// Reads 32 header bytes; returns false when the file is missing or shorter than a header.
bool read_header_bytes(const std::string& path, uint8_t out[wal::kHeaderSize]) {
  fileio::Fd fd = fileio::open_file(path, O_RDONLY, 0, true);
  if (!fd) return false;
  return fileio::pread_full(fd.get(), out, wal::kHeaderSize, 0, path) == size_t(wal::kHeaderSize);
}

std::string hex_bytes(const uint8_t* p, size_t n) {
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}

}  // namespace

std::string Db::verify_headers_match() {
  std::string gen = current_generation();
  if (gen.empty()) return {};
  std::string shadow = shadow_wal_path(gen, current_shadow_index(gen).first);
  uint8_t real[wal::kHeaderSize], copy[wal::kHeaderSize];
  if (fileio::file_size(wal_path()) < 0) return "no primary wal";
  if (!read_header_bytes(wal_path(), real)) return "primary wal header: EOF";
  if (fileio::file_size(shadow) < 0) return "no shadow wal";
  if (!read_header_bytes(shadow, copy)) return "shadow wal header: EOF";
  if (std::memcmp(real, copy, sizeof real) != 0)
    return "wal header mismatch " + hex_bytes(real, sizeof real) + " <> " + hex_bytes(copy, sizeof copy) + " on " +
           shadow;
  return {};
}

Db::WalState Db::verify() {
  WalState info;
  info.generation = current_generation();
  if (info.generation.empty()) {
    info.reason = "no generation exists";
    return info;
  }
  if (!lost_frames_reason_.empty()) {
    info.reason = lost_frames_reason_;
    lost_frames_reason_.clear();
    return info;
  }
  int64_t real_size = fileio::file_size(wal_path());
  if (real_size < 0) throw Error("cannot verify wal state: stat " + wal_path() + ": no such file");
  info.wal_size = wal::frame_align(real_size, page_size_);

  int64_t index = current_shadow_index(info.generation).first;
  if (index >= layout::kMaxIndex) {
    info.reason = "max index exceeded";
    return info;
  }
  info.shadow_path = shadow_wal_path(info.generation, index);
  int64_t shadow_size = fileio::file_size(info.shadow_path);
  if (shadow_size < 0) {
    info.reason = "no shadow wal";
    return info;
  }
  info.shadow_size = wal::frame_align(shadow_size, page_size_);
  if (info.shadow_size < wal::kHeaderSize) {
    info.reason = "short shadow wal";
    return info;
  }
  // A restart after our last checkpoint (the app's write, or its TRUNCATE inside our checkpoint's
  // gap) is no loss of continuity when the commit counter proves nothing fell between.
  if (restart_base_ && restart_base_shadow_ == info.shadow_path) {
    uint8_t real[wal::kHeaderSize], copy[wal::kHeaderSize];
    bool has_header = read_header_bytes(wal_path(), real);
    if (read_header_bytes(info.shadow_path, copy) && (!has_header || std::memcmp(real, copy, sizeof real) != 0) &&
        restart_is_lossless(*restart_base_, info.shadow_path)) {
      if (has_header) {
        info.restart = true;
      } else {
        info.wal_size = info.shadow_size;  // truncated and not written since: nothing new yet
      }
      return info;
    }
  }
  if (info.shadow_size > info.wal_size) {
    info.reason = "wal truncated by another process";
    return info;
  }

  uint8_t real[wal::kHeaderSize], copy[wal::kHeaderSize];
  if (!read_header_bytes(wal_path(), real)) throw Error("cannot verify wal state: cannot read wal header: EOF");
  if (!read_header_bytes(info.shadow_path, copy))
    throw Error("cannot verify wal state: cannot read shadow wal header: EOF");
  info.restart = std::memcmp(real, copy, sizeof real) != 0;
  if (info.shadow_size == wal::kHeaderSize && info.restart) {
    info.reason = "wal header only, mismatched";
    return info;
  }

  // The last frame we copied must still be in the real WAL, byte for byte; otherwise someone
  // rewrote the WAL behind our back and we cannot know what we missed.
  if (info.shadow_size > wal::kHeaderSize) {
    int64_t fs = wal::frame_size(page_size_);
    int64_t off = info.shadow_size - fs;
    std::vector<uint8_t> a(static_cast<size_t>(fs)), b(static_cast<size_t>(fs));
    fileio::Fd rf = fileio::open_file(wal_path(), O_RDONLY);
    fileio::Fd sf = fileio::open_file(info.shadow_path, O_RDONLY);
    size_t na = fileio::pread_full(rf.get(), a.data(), a.size(), off, wal_path());
    size_t nb = fileio::pread_full(sf.get(), b.data(), b.size(), off, info.shadow_path);
    if (na != a.size() || nb != b.size() || a != b) {
      info.reason = "wal overwritten by another process";
      return info;
    }
  }
  return info;
}

int64_t Db::init_shadow_wal_file(const std::string& shadow_path) {
  uint8_t hdr[wal::kHeaderSize];
  if (!read_header_bytes(wal_path(), hdr)) {
    // Truncated by the app's TRUNCATE checkpoint and not written since: our write starts the new WAL.
    bump_seq();
    if (!read_header_bytes(wal_path(), hdr)) throw Error("read header: " + wal_path() + ": EOF");
  }
  wal::parse_header(hdr, wal_path());  // validates magic, version, page size and checksum

  fileio::mkdir_all(fileio::dirname(shadow_path), dir_mode_);
  {
    fileio::Fd fd = fileio::open_file(shadow_path, O_WRONLY | O_CREAT | O_TRUNC, file_mode_);
    fileio::pwrite_full(fd.get(), hdr, sizeof hdr, 0, shadow_path);
    if (::fchown(fd.get(), uid_, gid_) != 0) { /* best effort, as litestream */
    }
    fileio::fsync_fd(fd.get(), shadow_path);
  }
  fileio::fsync_dir(fileio::dirname(shadow_path));
  restart_base_.reset();  // it proved restarts of the previous shadow file only
  try {
    return copy_to_shadow_wal(shadow_path).new_size;
  } catch (const std::exception& e) {
    throw Error(std::string("cannot copy to new shadow wal: ") + e.what());
  }
}

wal::Header Db::read_shadow_header(int fd, const std::string& shadow_path) const {
  uint8_t hdr_bytes[wal::kHeaderSize];
  if (fileio::pread_full(fd, hdr_bytes, sizeof hdr_bytes, 0, shadow_path) != sizeof hdr_bytes)
    throw Error("read header: " + shadow_path + ": EOF");
  wal::Header hdr = wal::parse_header(hdr_bytes, shadow_path);
  if (int64_t(hdr.page_size) != page_size_)
    throw CorruptError("shadow wal " + shadow_path + ": page size " + std::to_string(hdr.page_size) +
                       " differs from the database's " + std::to_string(page_size_));
  return hdr;
}

Db::CopyResult Db::copy_to_shadow_wal(const std::string& shadow_path) {
  CopyResult result;
  fileio::Fd rf = fileio::open_file(wal_path(), O_RDONLY);
  result.orig_wal_size = wal::frame_align(fileio::file_size(rf.get(), wal_path()), page_size_);

  fileio::Fd wf = fileio::open_file(shadow_path, O_RDWR);
  int64_t orig_size = wal::frame_align(fileio::file_size(wf.get(), shadow_path), page_size_);
  wal::Header hdr = read_shadow_header(wf.get(), shadow_path);

  // Seed the running checksum from the last frame already in the shadow (or its header).
  int64_t fs = wal::frame_size(page_size_);
  wal::Checksum last = hdr.checksum;
  if (orig_size > wal::kHeaderSize) {
    uint8_t fh[wal::kFrameHeaderSize];
    if (fileio::pread_full(wf.get(), fh, sizeof fh, orig_size - fs, shadow_path) != sizeof fh)
      throw Error("last checksum: " + shadow_path + ": EOF");
    last = wal::parse_frame_header(fh).checksum;
  }
  wal::FrameVerifier verifier(hdr, last);

  // Frames are verified in batches and written straight after the shadow's end; at the end the
  // shadow is cut back to the last commit frame, so it only ever grows by whole transactions.
  // A crash in between leaves trailing uncommitted frames, which open() trims again.
  const int64_t batch_frames = std::max<int64_t>(1, (256 * 1024) / fs);
  std::vector<uint8_t> buf(size_t(batch_frames * fs));
  int64_t offset = orig_size, last_commit = orig_size;
  bool stop = false;
  while (!stop) {
    size_t n = fileio::pread_full(rf.get(), buf.data(), buf.size(), offset, wal_path());
    int64_t frames = int64_t(n) / fs;
    if (frames == 0) break;
    int64_t good = 0;
    for (; good < frames; ++good) {
      const uint8_t* frame = buf.data() + good * fs;
      auto r = verifier.check(frame);
      if (r != wal::FrameVerifier::Result::ok) {
        log_.debug(r == wal::FrameVerifier::Result::salt_mismatch ? "copy-shadow: break: salt mismatch"
                                                                  : "copy shadow: checksum mismatch, skipping",
                   {{"offset", offset + good * fs}});
        stop = true;
        break;
      }
      if (wal::parse_frame_header(frame).is_commit()) last_commit = offset + (good + 1) * fs;
    }
    if (good > 0) fileio::pwrite_full(wf.get(), buf.data(), size_t(good * fs), offset, shadow_path);
    offset += good * fs;
    if (frames < batch_frames) break;  // short read: end of the real WAL
  }

  if (offset != last_commit) {
    if (::ftruncate(wf.get(), last_commit) != 0)
      throw Error("truncate " + shadow_path + ": " + fileio::errno_text(errno));
  }
  if (last_commit != orig_size) {
    fileio::fsync_fd(wf.get(), shadow_path);
    metrics_.total_wal_bytes.inc(double(last_commit - orig_size));
  }
  result.new_size = last_commit;
  return result;
}

void Db::truncate_to_last_commit(const std::string& shadow_path) {
  fileio::Fd fd = fileio::open_file(shadow_path, O_RDWR, 0, true);
  if (!fd) return;
  int64_t size = wal::frame_align(fileio::file_size(fd.get(), shadow_path), page_size_);
  int64_t fs = wal::frame_size(page_size_);
  int64_t last_commit = wal::kHeaderSize;
  uint8_t fh[wal::kFrameHeaderSize];
  for (int64_t off = wal::kHeaderSize; off + fs <= size; off += fs) {
    if (fileio::pread_full(fd.get(), fh, sizeof fh, off, shadow_path) != sizeof fh) break;
    if (wal::parse_frame_header(fh).is_commit()) last_commit = off + fs;
  }
  if (size > wal::kHeaderSize && last_commit < fileio::file_size(fd.get(), shadow_path)) {
    if (::ftruncate(fd.get(), last_commit) != 0)
      throw Error("truncate " + shadow_path + ": " + fileio::errno_text(errno));
    fileio::fsync_fd(fd.get(), shadow_path);
  }
}

}  // namespace hs::core
