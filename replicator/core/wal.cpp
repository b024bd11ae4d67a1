#include "core/wal.h"

#include <cstdio>

#include "core/error.h"

namespace hs::core::wal {
namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Returns an empty string when the header is valid, else what is wrong with it.
std::string header_problem(const uint8_t* p, Header& h) {
  h.magic = read_be32(p);
  h.version = read_be32(p + 4);
  h.page_size = read_be32(p + 8);
  h.checkpoint_seq = read_be32(p + 12);
  h.salt1 = read_be32(p + 16);
  h.salt2 = read_be32(p + 20);
  h.checksum = {read_be32(p + 24), read_be32(p + 28)};
  if (h.magic != kMagicLittleEndian && h.magic != kMagicBigEndian)
    return "bad magic " + hex32(h.magic) + " (want 0x377f0682 or 0x377f0683)";
  if (h.version != kFormatVersion) return "unsupported version " + std::to_string(h.version) + " (want 3007000)";
  bool power_of_two = h.page_size != 0 && (h.page_size & (h.page_size - 1)) == 0;
  if (!power_of_two || h.page_size < 512 || h.page_size > 65536)
    return "invalid page size " + std::to_string(h.page_size);
  Checksum want = checksum(h.big_endian_checksums(), {}, p, 24);
  if (want != h.checksum)
    return "header checksum mismatch: stored " + hex32(h.checksum.s0) + "/" + hex32(h.checksum.s1) + ", computed " +
           hex32(want.s0) + "/" + hex32(want.s1);
  return {};
}

}  // namespace

Header parse_header(const uint8_t* p, const std::string& what) {
  Header h;
  std::string problem = header_problem(p, h);
  if (!problem.empty()) throw CorruptError("wal header of " + what + ": " + problem);
  return h;
}

bool try_parse_header(const uint8_t* p, Header& out) {
  return header_problem(p, out).empty();
}

FrameHeader parse_frame_header(const uint8_t* p) {
  FrameHeader f;
  f.pgno = read_be32(p);
  f.commit_size = read_be32(p + 4);
  f.salt1 = read_be32(p + 8);
  f.salt2 = read_be32(p + 12);
  f.checksum = {read_be32(p + 16), read_be32(p + 20)};
  return f;
}

Checksum checksum(bool big_endian, Checksum seed, const uint8_t* data, size_t n) {
  uint32_t s0 = seed.s0, s1 = seed.s1;
  // Unsigned 32-bit wraparound is the algorithm, not an accident.
  if (big_endian) {
    for (size_t i = 0; i + 8 <= n; i += 8) {
      s0 += read_be32(data + i) + s1;
      s1 += read_be32(data + i + 4) + s0;
    }
  } else {
    auto le = [](const uint8_t* p) {
      return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
    };
    for (size_t i = 0; i + 8 <= n; i += 8) {
      s0 += le(data + i) + s1;
      s1 += le(data + i + 4) + s0;
    }
  }
  return {s0, s1};
}

FrameVerifier::FrameVerifier(const Header& header) : header_(header), running_(header.checksum) {}
FrameVerifier::FrameVerifier(const Header& header, Checksum last) : header_(header), running_(last) {}

FrameVerifier::Result FrameVerifier::check(const uint8_t* frame) {
  FrameHeader f = parse_frame_header(frame);
  if (f.salt1 != header_.salt1 || f.salt2 != header_.salt2) return Result::salt_mismatch;
  bool be = header_.big_endian_checksums();
  Checksum c = checksum(be, running_, frame, 8);
  c = checksum(be, c, frame + kFrameHeaderSize, header_.page_size);
  if (c != f.checksum) return Result::checksum_mismatch;
  running_ = c;
  return Result::ok;
}

}  // namespace hs::core::wal
