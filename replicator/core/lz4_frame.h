#pragma once
// LZ4 frames as Litestream v0.3 stores every replica object (pierrec/lz4 v4 defaults):
// FLG 0x64 (version 1, independent blocks, content checksum, no content size), BD 0x70 (4 MiB max
// block). Both directions stream through liblz4's frame API with bounded memory: the compressor
// emits one block per input chunk (smaller than the 4 MiB maximum, which the format allows and
// every decoder accepts), the decompressor needs at most one 4 MiB block of buffering.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/replica_client.h"

namespace hs::core {

// Reads `source` to its end and yields it as one LZ4 frame with Litestream's settings.
class Lz4CompressReader : public Reader {
 public:
  // `chunk_size` bytes of input become one block; memory use is about twice that.
  explicit Lz4CompressReader(Reader& source, size_t chunk_size = 256 * 1024);
  explicit Lz4CompressReader(std::unique_ptr<Reader> source, size_t chunk_size = 256 * 1024);
  ~Lz4CompressReader() override;
  size_t read(void* buf, size_t n) override;
  // Uncompressed bytes consumed from the source so far.
  uint64_t bytes_in() const { return bytes_in_; }

 private:
  void refill();

  std::unique_ptr<Reader> owned_;
  Reader* source_;
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  std::vector<char> in_;
  std::vector<char> out_;
  size_t out_pos_ = 0, out_len_ = 0;
  bool header_done_ = false, finished_ = false;
  uint64_t bytes_in_ = 0;
};

// Decompresses any standard LZ4 frame (or several concatenated frames) read from `source`,
// verifying header, block and content checksums. A bad or truncated frame throws CorruptError
// naming `what` (usually the object key), so a damaged object can never pass as shorter data.
class Lz4DecompressReader : public Reader {
 public:
  Lz4DecompressReader(Reader& source, std::string what);
  Lz4DecompressReader(std::unique_ptr<Reader> source, std::string what);
  ~Lz4DecompressReader() override;
  // Decodes straight into `buf` when `n` is at least the frame's block size (4 MiB for
  // Litestream's objects); a smaller `buf` costs a copy out of liblz4's own block buffer.
  size_t read(void* buf, size_t n) override;
  // Starts over on another object, keeping the decompression context and its buffers (one reader
  // decoding many objects allocates, and faults in, its memory once).
  void reset(Reader& source, std::string what);

 private:
  std::unique_ptr<Reader> owned_;
  Reader* source_;
  std::string what_;
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  std::vector<char> in_;
  size_t in_pos_ = 0, in_len_ = 0;
  bool source_eof_ = false;
  bool in_frame_ = false;   // inside a frame that has not ended yet
  bool saw_frame_ = false;  // at least one frame started
  uint64_t compressed_read_ = 0;
};

// A Reader over a byte buffer (tests, small objects).
class MemoryReader : public Reader {
 public:
  explicit MemoryReader(std::string data) : data_(std::move(data)) {}
  size_t read(void* buf, size_t n) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Reads `r` to its end into a string (tests and small objects only).
std::string read_all(Reader& r);

// One-shot helpers for tests and small objects.
std::string lz4_compress(const std::string& data);
std::string lz4_decompress(const std::string& frame, const std::string& what);

}  // namespace hs::core
