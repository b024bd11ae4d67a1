#include "core/ordered_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace hs::core {

OrderedWriter::OrderedWriter(int fd, std::string path, size_t buffers, size_t buffer_size)
    : fd_(fd), path_(std::move(path)), size_(buffer_size) {
  for (size_t i = 0; i < std::max<size_t>(buffers, 2); ++i) {
    bufs_.emplace_back(buffer_size);
    free_.push_back(i);
  }
  thread_ = std::thread([this] { run(); });
}

OrderedWriter::~OrderedWriter() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void OrderedWriter::rethrow_locked() {
  if (error_) std::rethrow_exception(error_);
}

char* OrderedWriter::acquire() {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return !free_.empty() || error_; });
  rethrow_locked();
  current_ = free_.front();
  free_.pop_front();
  return reinterpret_cast<char*>(bufs_[current_].data());
}

void OrderedWriter::submit(size_t n) {
  {
    std::lock_guard lk(mu_);
    queue_.emplace_back(current_, n);
  }
  cv_.notify_all();
}

void OrderedWriter::finish() {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return (queue_.empty() && !busy_) || error_; });
  rethrow_locked();
}

void OrderedWriter::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (stop_ || error_) return;
    auto [buf, n] = queue_.front();
    queue_.pop_front();
    busy_ = true;
    lk.unlock();
    std::exception_ptr err;
    const char* p = reinterpret_cast<const char*>(bufs_[buf].data());
    for (size_t off = 0; off < n;) {
      ssize_t k = ::write(fd_, p + off, n - off);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) {
        err = std::make_exception_ptr(Error("cannot write " + path_ + ": " + std::strerror(errno)));
        break;
      }
      off += static_cast<size_t>(k);
    }
    if (!err) {
      // Start writing these pages to disk now, so the caller's closing fsync has little left to
      // wait for. Only a hint: an I/O error it meets is reported again by that fsync.
      (void)::sync_file_range(fd_, static_cast<off_t>(written_), static_cast<off_t>(n), SYNC_FILE_RANGE_WRITE);
      written_ += n;
    }
    lk.lock();
    busy_ = false;
    free_.push_back(buf);
    if (err) error_ = err;
    cv_.notify_all();
    if (error_) return;
  }
}

}  // namespace hs::core
