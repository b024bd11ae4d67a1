#include "core/lz4_parallel.h"

#include <fcntl.h>
#include <lz4.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/big_buffer.h"
#include "core/error.h"
#include "core/lz4_frame.h"

// Header-only use of Debian's libxxhash (nothing to link, the same for the arm64 build).
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace hs::core {
namespace {

constexpr uint32_t kFrameMagic = 0x184D2204;

uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

// Serves `prefix` (bytes already taken from `rest`), then `rest`: liblz4 resumes from there.
class PrefixReader final : public Reader {
 public:
  PrefixReader(std::string prefix, Reader& rest) : prefix_(std::move(prefix)), rest_(rest) {}
  size_t read(void* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return rest_.read(buf, n);
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  Reader& rest_;
};

void pwrite_all(int fd, const uint8_t* p, size_t n, off_t off, const std::string& path) {
  while (n > 0) {
    ssize_t k = ::pwrite(fd, p, n, off);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
    p += k;
    n -= static_cast<size_t>(k);
    off += k;
  }
}

class Decoder {
 public:
  Decoder(Reader& source, const std::string& what, int fd, const std::string& path, size_t workers, size_t head_size)
      : src_(source), what_(what), fd_(fd), path_(path), head_size_(head_size), workers_(std::max<size_t>(workers, 1)) {
    XXH32_reset(&hash_, 0);
  }
  ~Decoder() { stop_workers(); }

  DecodedFile run() {
    bool saw_frame = false;
    for (;;) {
      uint8_t magic[4];
      size_t got = read_some(magic, 4);
      if (got == 0) {
        if (!saw_frame) throw CorruptError("empty object " + what_ + ": not an LZ4 frame");
        break;
      }
      saw_frame = true;
      if (got < 4 || le32(magic) != kFrameMagic) {
        fallback(std::string(reinterpret_cast<char*>(magic), got));
        break;
      }
      if (!frame(magic)) break;  // the rest went to liblz4
    }
    stop_workers();
    rethrow();
    return DecodedFile{offset_, head_};
  }

 private:
  struct Block {
    BigBuffer in, out;
    size_t csize = 0;
    bool raw = false;  // stored uncompressed
    bool has_check = false;
    uint32_t check = 0;
    uint64_t seq = 0;
  };

  // Reads up to n bytes (fewer only at the end of the source).
  size_t read_some(void* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
      size_t k = src_.read(static_cast<char*>(buf) + got, n - got);
      if (k == 0) break;
      got += k;
    }
    compressed_ += got;
    return got;
  }
  void read_exact(void* buf, size_t n) {
    if (read_some(buf, n) != n)
      throw CorruptError("truncated LZ4 frame in " + what_ + " (ends after " + std::to_string(compressed_) + " bytes)");
  }
  [[noreturn]] void corrupt(const std::string& why) {
    throw CorruptError("corrupt LZ4 frame in " + what_ + ": " + why);
  }

  // One frame after its magic. Returns false when it was handed to liblz4 (with the rest).
  bool frame(const uint8_t* magic) {
    uint8_t desc[10];  // FLG, BD, [content size 8] (a dictionary id goes to liblz4)
    read_exact(desc, 2);
    const uint8_t flg = desc[0], bd = desc[1];
    const bool version_ok = (flg >> 6) == 1, independent = flg & 0x20, block_check = flg & 0x10, has_size = flg & 0x08,
               content_check = flg & 0x04, reserved = flg & 0x02, dict = flg & 0x01;
    const int bsize_id = (bd >> 4) & 7;
    if (!version_ok || !independent || reserved || dict || (bd & 0x8f) || bsize_id < 4) {
      // Not ours to take apart (or invalid, which liblz4 then names).
      std::string prefix(reinterpret_cast<const char*>(magic), 4);
      prefix.append(reinterpret_cast<char*>(desc), 2);
      fallback(prefix);
      return false;
    }
    size_t desc_len = 2;
    if (has_size) {
      read_exact(desc + 2, 8);
      desc_len += 8;
    }
    uint8_t hc;
    read_exact(&hc, 1);
    if (((XXH32(desc, desc_len, 0) >> 8) & 0xff) != hc) corrupt("header checksum invalid");
    uint64_t content_size = 0;
    for (int i = 0; i < 8 && has_size; i++) content_size |= uint64_t(desc[2 + i]) << (8 * i);

    const size_t max_block = size_t(1) << (8 + 2 * bsize_id);  // 4: 64 KiB ... 7: 4 MiB
    start_workers(max_block);
    wait_idle();  // the previous frame's blocks are placed: offset_ is where this one starts
    const int64_t frame_start = offset_;
    for (;;) {
      uint8_t bh[4];
      read_exact(bh, 4);
      const uint32_t v = le32(bh);
      const size_t size = v & 0x7fffffffu;
      if (size == 0) break;  // end mark (liblz4 reads any zero size as one, flag bit or not)
      if (size > max_block) corrupt("block size " + std::to_string(size) + " over the frame's maximum");
      Block* b = take_free_block();
      read_exact(b->in.data(), size);
      b->csize = size;
      b->raw = v >> 31;
      b->has_check = block_check;
      if (block_check) {
        uint8_t c[4];
        read_exact(c, 4);
        b->check = le32(c);
      }
      submit(b);
    }
    wait_idle();
    rethrow();
    if (content_check) {
      uint8_t c[4];
      read_exact(c, 4);
      if (XXH32_digest(&hash_) != le32(c)) corrupt("content checksum mismatch");
    }
    if (has_size && static_cast<uint64_t>(offset_ - frame_start) != content_size)
      corrupt("content size " + std::to_string(offset_ - frame_start) + " differs from the header's " +
              std::to_string(content_size));
    XXH32_reset(&hash_, 0);  // the next frame, if any, has its own checksum
    return true;
  }

  // The rest of the stream through liblz4, written sequentially after what is written so far.
  void fallback(std::string prefix) {
    wait_idle();
    rethrow();
    PrefixReader rest(std::move(prefix), src_);
    Lz4DecompressReader z(rest, what_);
    BigBuffer buf(4 << 20);
    for (size_t k; (k = z.read(buf.data(), buf.size())) > 0;) {
      capture_head(buf.data(), k);
      pwrite_all(fd_, buf.data(), k, offset_, path_);
      offset_ += static_cast<int64_t>(k);
    }
  }

  void capture_head(const uint8_t* p, size_t n) {
    if (head_.size() < head_size_)
      head_.append(reinterpret_cast<const char*>(p), std::min(n, head_size_ - head_.size()));
  }

  // ---- the workers ----
  void start_workers(size_t max_block) {
    if (max_block > block_size_) {
      wait_idle();
      std::lock_guard lk(mu_);
      blocks_.clear();
      free_.clear();
      for (size_t i = 0; i < workers_ + 1; i++) {
        auto b = std::make_unique<Block>();
        b->in = BigBuffer(max_block);
        b->out = BigBuffer(max_block);
        free_.push_back(b.get());
        blocks_.push_back(std::move(b));
      }
      block_size_ = max_block;
    }
    if (threads_.empty() && workers_ > 1)
      for (size_t i = 0; i < workers_; i++) threads_.emplace_back([this] { work(); });
  }
  void stop_workers() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  Block* take_free_block() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !free_.empty() || error_; });
    if (error_) std::rethrow_exception(error_);
    Block* b = free_.back();
    free_.pop_back();
    return b;
  }
  void submit(Block* b) {
    {
      std::lock_guard lk(mu_);
      b->seq = submitted_++;
      ++in_flight_;
      queue_.push_back(b);
    }
    if (threads_.empty()) {
      process(take_job());  // one worker: decode on the reading thread
      return;
    }
    cv_.notify_all();
  }
  Block* take_job() {
    std::lock_guard lk(mu_);
    Block* b = queue_.front();
    queue_.pop_front();
    return b;
  }
  void wait_idle() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return in_flight_ == 0; });
  }
  void rethrow() {
    std::lock_guard lk(mu_);
    if (error_) std::rethrow_exception(error_);
  }
  void work() {
    for (;;) {
      Block* b;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping
        b = queue_.front();
        queue_.pop_front();
      }
      process(b);
    }
  }
  // Decode, then (in block order) hash and take the offset, then write.
  void process(Block* b) {
    std::exception_ptr err;
    const uint8_t* data = b->in.data();
    size_t n = b->csize;
    try {
      if (b->has_check && XXH32(b->in.data(), b->csize, 0) != b->check) corrupt("block checksum mismatch");
      if (!b->raw) {
        int k = LZ4_decompress_safe(reinterpret_cast<const char*>(b->in.data()), reinterpret_cast<char*>(b->out.data()),
                                    static_cast<int>(b->csize), static_cast<int>(block_size_));
        if (k < 0) corrupt("block " + std::to_string(b->seq) + " does not decompress");
        data = b->out.data();
        n = static_cast<size_t>(k);
      }
    } catch (...) {
      err = std::current_exception();
    }
    // In block order: only the block whose turn it is gets past the wait, so the hash state and
    // offset_ are its alone until it moves hashed_ on (no lock held while hashing 4 MiB).
    int64_t at = 0;
    bool skip;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return hashed_ == b->seq || error_; });
      if (err && !error_) error_ = err;
      skip = error_ != nullptr;
    }
    if (!skip) {
      XXH32_update(&hash_, data, n);
      capture_head(data, n);
      at = offset_;
    }
    {
      std::lock_guard lk(mu_);
      if (!skip) offset_ += static_cast<int64_t>(n);
      ++hashed_;
    }
    cv_.notify_all();
    if (!skip) {
      try {
        pwrite_all(fd_, data, n, static_cast<off_t>(at), path_);
        // Start writeback now, so the closing fsync has little left; it reports any error.
        (void)::sync_file_range(fd_, static_cast<off_t>(at), static_cast<off_t>(n), SYNC_FILE_RANGE_WRITE);
      } catch (...) {
        std::lock_guard lk(mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
    {
      std::lock_guard lk(mu_);
      free_.push_back(b);
      --in_flight_;
    }
    cv_.notify_all();
  }

  Reader& src_;
  const std::string& what_;
  int fd_;
  const std::string& path_;
  size_t head_size_;
  size_t workers_;
  uint64_t compressed_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Block>> blocks_;
  std::vector<Block*> free_;
  std::deque<Block*> queue_;
  size_t block_size_ = 0;
  uint64_t submitted_ = 0;  // blocks handed out, ever (their seq)
  uint64_t hashed_ = 0;     // blocks hashed and placed, in order
  size_t in_flight_ = 0;
  int64_t offset_ = 0;  // bytes placed so far (the next block's offset)
  XXH32_state_t hash_;
  std::string head_;
  bool stop_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace

DecodedFile lz4_decode_to_file(Reader& source, const std::string& what, int fd, const std::string& path, size_t workers,
                               size_t head_size) {
  Decoder d(source, what, fd, path, workers, head_size);
  return d.run();
}

}  // namespace hs::core
