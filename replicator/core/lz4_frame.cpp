#include "core/lz4_frame.h"

#include <lz4frame.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "core/error.h"

namespace hs::core {

// ---- compression ----------------------------------------------------------------------------

struct Lz4CompressReader::Ctx {
  LZ4F_cctx* cctx = nullptr;
  LZ4F_preferences_t prefs{};
  ~Ctx() { LZ4F_freeCompressionContext(cctx); }
};

namespace {

constexpr int kCompressionLevel = -8;  // LZ4 acceleration 8

void check_lz4(size_t code, const char* what) {
  if (LZ4F_isError(code)) throw Error(std::string("lz4 ") + what + ": " + LZ4F_getErrorName(code));
}

}  // namespace

Lz4CompressReader::Lz4CompressReader(Reader& source, size_t chunk_size)
    : source_(&source), ctx_(std::make_unique<Ctx>()), in_(std::max<size_t>(chunk_size, 4096)) {
  check_lz4(LZ4F_createCompressionContext(&ctx_->cctx, LZ4F_VERSION), "create compression context");
  auto& p = ctx_->prefs;
  p.frameInfo.blockSizeID = LZ4F_max4MB;                          // BD 0x70
  p.frameInfo.blockMode = LZ4F_blockIndependent;                  // FLG bit 5
  p.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;  // FLG bit 2
  p.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  p.frameInfo.contentSize = 0;
  p.autoFlush = 1;  // one block per chunk: nothing is held back, memory stays ~2 chunks
  // Negative levels select LZ4's acceleration (fewer match attempts): a quarter of the compression
  // CPU for slightly larger objects. Only the compressor changes; the frame is the same standard
  // LZ4 frame any reader (litestream's pierrec/lz4 included) decodes.
  p.compressionLevel = kCompressionLevel;
  out_.resize(std::max<size_t>(LZ4F_compressBound(in_.size(), &p), LZ4F_HEADER_SIZE_MAX));
}

Lz4CompressReader::Lz4CompressReader(std::unique_ptr<Reader> source, size_t chunk_size)
    : Lz4CompressReader(*source, chunk_size) {
  owned_ = std::move(source);
}

Lz4CompressReader::~Lz4CompressReader() = default;

void Lz4CompressReader::refill() {
  out_pos_ = out_len_ = 0;
  if (!header_done_) {
    out_len_ = LZ4F_compressBegin(ctx_->cctx, out_.data(), out_.size(), &ctx_->prefs);
    check_lz4(out_len_, "frame header");
    header_done_ = true;
    return;
  }
  // Fill a whole chunk (sources may return short reads) so blocks are as large as configured.
  size_t got = 0;
  while (got < in_.size()) {
    size_t r = source_->read(in_.data() + got, in_.size() - got);
    if (r == 0) break;
    got += r;
  }
  bytes_in_ += got;
  if (got > 0) {
    out_len_ = LZ4F_compressUpdate(ctx_->cctx, out_.data(), out_.size(), in_.data(), got, nullptr);
    check_lz4(out_len_, "compress");
    return;
  }
  out_len_ = LZ4F_compressEnd(ctx_->cctx, out_.data(), out_.size(), nullptr);
  check_lz4(out_len_, "frame end");
  finished_ = true;
}

size_t Lz4CompressReader::read(void* buf, size_t n) {
  if (n == 0) return 0;
  while (out_pos_ == out_len_) {
    if (finished_) return 0;
    refill();
  }
  size_t k = std::min(n, out_len_ - out_pos_);
  std::memcpy(buf, out_.data() + out_pos_, k);
  out_pos_ += k;
  return k;
}

// ---- decompression --------------------------------------------------------------------------

struct Lz4DecompressReader::Ctx {
  LZ4F_dctx* dctx = nullptr;
  ~Ctx() { LZ4F_freeDecompressionContext(dctx); }
};

Lz4DecompressReader::Lz4DecompressReader(Reader& source, std::string what)
    : source_(&source), what_(std::move(what)), ctx_(std::make_unique<Ctx>()), in_(64 * 1024) {
  check_lz4(LZ4F_createDecompressionContext(&ctx_->dctx, LZ4F_VERSION), "create decompression context");
}

Lz4DecompressReader::Lz4DecompressReader(std::unique_ptr<Reader> source, std::string what)
    : Lz4DecompressReader(*source, std::move(what)) {
  owned_ = std::move(source);
}

Lz4DecompressReader::~Lz4DecompressReader() = default;

void Lz4DecompressReader::reset(Reader& source, std::string what) {
  LZ4F_resetDecompressionContext(ctx_->dctx);
  owned_.reset();
  source_ = &source;
  what_ = std::move(what);
  in_pos_ = in_len_ = 0;
  source_eof_ = in_frame_ = saw_frame_ = false;
  compressed_read_ = 0;
}

size_t Lz4DecompressReader::read(void* buf, size_t n) {
  if (n == 0) return 0;
  char* out = static_cast<char*>(buf);
  for (;;) {
    if (in_pos_ == in_len_ && !source_eof_) {
      in_pos_ = 0;
      in_len_ = source_->read(in_.data(), in_.size());
      compressed_read_ += in_len_;
      if (in_len_ == 0) source_eof_ = true;
    }
    if (in_pos_ == in_len_) {
      // Source exhausted: fine only between frames, and only after at least one frame.
      if (in_frame_)
        throw CorruptError("truncated LZ4 frame in " + what_ + " (ends after " + std::to_string(compressed_read_) +
                           " bytes)");
      if (!saw_frame_) throw CorruptError("empty object " + what_ + ": not an LZ4 frame");
      return 0;
    }
    size_t dst_size = n;
    size_t src_size = in_len_ - in_pos_;
    size_t hint = LZ4F_decompress(ctx_->dctx, out, &dst_size, in_.data() + in_pos_, &src_size, nullptr);
    if (LZ4F_isError(hint)) {
      // litestream 0.3's `age` replicas hold age(lz4(...)): say so instead of only "bad frame".
      static constexpr std::string_view kAge = "age-encryption.org/v1\n";
      const bool age = !saw_frame_ && compressed_read_ == in_len_ && in_len_ >= kAge.size() &&
                       std::string_view(in_.data(), kAge.size()) == kAge;
      throw CorruptError("corrupt LZ4 frame in " + what_ + ": " + LZ4F_getErrorName(hint) +
                         (age ? " (the object is age-encrypted: configure age.identities on this replica)" : ""));
    }
    in_pos_ += src_size;
    if (src_size > 0 || dst_size > 0) saw_frame_ = true;
    // hint == 0: a frame ended exactly here (the content checksum, if any, was verified).
    in_frame_ = hint != 0;
    if (dst_size > 0) return dst_size;
  }
}

// ---- small helpers --------------------------------------------------------------------------

size_t MemoryReader::read(void* buf, size_t n) {
  size_t k = std::min(n, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

std::string read_all(Reader& r) {
  std::string out;
  char buf[64 * 1024];
  for (size_t k; (k = r.read(buf, sizeof buf)) > 0;) out.append(buf, k);
  return out;
}

std::string lz4_compress(const std::string& data) {
  MemoryReader src(data);
  Lz4CompressReader z(src);
  return read_all(z);
}

std::string lz4_decompress(const std::string& frame, const std::string& what) {
  MemoryReader src(frame);
  Lz4DecompressReader z(src, what);
  return read_all(z);
}

}  // namespace hs::core
