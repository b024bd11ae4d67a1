#include "core/read_ahead.h"

#include <algorithm>
#include <cstring>

namespace hs::core {

ReadAheadReader::ReadAheadReader(Reader& source, size_t chunks, size_t chunk_size)
    : source_(source), chunk_size_(chunk_size), chunks_(std::max<size_t>(chunks, 2)) {
  for (auto& c : chunks_) c.data.reset(new char[chunk_size]);
  thread_ = std::thread([this] { produce(); });
}

ReadAheadReader::~ReadAheadReader() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAheadReader::produce() {
  for (;;) {
    size_t slot;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || filled_ < chunks_.size(); });
      if (stop_) return;
      slot = tail_;
    }
    // The slot is ours until it is published: the consumer only reads filled chunks.
    Chunk& c = chunks_[slot];
    c.len = 0;
    std::exception_ptr err;
    bool end = false;
    try {
      while (c.len < chunk_size_) {
        size_t k = source_.read(c.data.get() + c.len, chunk_size_ - c.len);
        if (k == 0) {
          end = true;
          break;
        }
        c.len += k;
      }
    } catch (...) {
      err = std::current_exception();
    }
    std::lock_guard lk(mu_);
    if (c.len > 0) {
      tail_ = (tail_ + 1) % chunks_.size();
      ++filled_;
    }
    if (err) error_ = err;
    if (end || err) eof_ = true;
    cv_.notify_all();
    if (eof_) return;
  }
}

size_t ReadAheadReader::read(void* buf, size_t n) {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return filled_ > 0 || eof_; });
  if (filled_ == 0) {
    if (error_) std::rethrow_exception(error_);
    return 0;
  }
  Chunk& c = chunks_[head_];
  size_t k = std::min(n, c.len - offset_);
  std::memcpy(buf, c.data.get() + offset_, k);
  offset_ += k;
  if (offset_ == c.len) {
    offset_ = 0;
    head_ = (head_ + 1) % chunks_.size();
    --filled_;
    cv_.notify_all();
  }
  return k;
}

}  // namespace hs::core
