#pragma once
// The SQLite WAL file format (https://www.sqlite.org/fileformat2.html#walformat), as far as the
// replicator needs it: header and frame-header parsing, the WAL checksum, and the offset arithmetic
// Litestream v0.3 uses to name positions. Both replication (copying the live WAL into the shadow
// WAL) and restore (verifying downloaded segments) check frames with these functions, so a torn or
// foreign frame is never mistaken for data.
//
// All multi-byte header fields are big-endian on disk. The checksum words are read in the byte
// order chosen by the magic: 0x377f0682 = little-endian, 0x377f0683 = big-endian.
#include <cstddef>
#include <cstdint>
#include <string>

namespace hs::core::wal {

inline constexpr uint32_t kMagicLittleEndian = 0x377f0682;
inline constexpr uint32_t kMagicBigEndian = 0x377f0683;
inline constexpr uint32_t kFormatVersion = 3007000;
inline constexpr int64_t kHeaderSize = 32;
inline constexpr int64_t kFrameHeaderSize = 24;

// A running WAL checksum (the pair s0, s1 of the SQLite docs).
struct Checksum {
  uint32_t s0 = 0;
  uint32_t s1 = 0;
  friend bool operator==(const Checksum&, const Checksum&) = default;
};

struct Header {
  uint32_t magic = 0;
  uint32_t version = 0;
  uint32_t page_size = 0;
  uint32_t checkpoint_seq = 0;
  uint32_t salt1 = 0;
  uint32_t salt2 = 0;
  Checksum checksum;  // stored checksum of bytes 0..23

  bool big_endian_checksums() const { return magic == kMagicBigEndian; }
};

struct FrameHeader {
  uint32_t pgno = 0;
  uint32_t commit_size = 0;  // database size in pages after a commit frame; 0 for other frames
  uint32_t salt1 = 0;
  uint32_t salt2 = 0;
  Checksum checksum;  // cumulative checksum up to and including this frame

  bool is_commit() const { return commit_size != 0; }
};

// Parses and validates a 32-byte WAL header: magic, version, power-of-two page size in
// [512, 65536], and the header checksum. Throws CorruptError naming `what` (a path or object
// key) and the field that is wrong.
Header parse_header(const uint8_t* p, const std::string& what);
// The same checks, but returns false instead of throwing (for probing a live WAL).
bool try_parse_header(const uint8_t* p, Header& out);

// Parses a 24-byte frame header (no validation: that needs the header and the running checksum).
FrameHeader parse_frame_header(const uint8_t* p);

// Extends `seed` over `n` bytes (n a multiple of 8), reading 32-bit words in the given byte order.
Checksum checksum(bool big_endian, Checksum seed, const uint8_t* data, size_t n);

// Verifies the frames of one WAL file in order. Seeded from the header, each check() compares the
// frame's salts with the header's and its stored checksum with the running checksum over the
// frame header's first 8 bytes plus the page; only a frame that passes advances the state.
class FrameVerifier {
 public:
  explicit FrameVerifier(const Header& header);
  // Resumes after frames already verified: `last` is the checksum stored in the last good frame.
  FrameVerifier(const Header& header, Checksum last);

  enum class Result { ok, salt_mismatch, checksum_mismatch };
  // `frame` points at frame_size(page_size) bytes.
  Result check(const uint8_t* frame);
  Checksum running() const { return running_; }

 private:
  Header header_;
  Checksum running_;
};

inline int64_t frame_size(int64_t page_size) {
  return kFrameHeaderSize + page_size;
}
// Size in bytes of a WAL holding n frames (litestream's calcWALSize).
inline int64_t wal_size(int64_t page_size, int64_t n) {
  return kHeaderSize + frame_size(page_size) * n;
}
// Largest frame boundary <= offset; 0 when not even a header fits (litestream's frameAlign).
inline int64_t frame_align(int64_t offset, int64_t page_size) {
  if (offset < kHeaderSize) return 0;
  return kHeaderSize + (offset - kHeaderSize) / frame_size(page_size) * frame_size(page_size);
}
// True if `offset` is a frame boundary of a WAL with this page size.
inline bool is_frame_aligned(int64_t offset, int64_t page_size) {
  return offset == 0 || (offset >= kHeaderSize && (offset - kHeaderSize) % frame_size(page_size) == 0);
}

// Big-endian helpers shared with the shadow WAL code.
inline uint32_t read_be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
inline void write_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

}  // namespace hs::core::wal
