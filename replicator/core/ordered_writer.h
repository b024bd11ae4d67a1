#pragma once
// OrderedWriter: sequential writes to a file descriptor on a thread of its own, so the caller can
// decode the next piece while the kernel copies the previous one (restore's snapshot: LZ4 and its
// checksum on one core, write(2) on the other). Memory is bounded: `buffers` x `buffer_size`.
// Written ranges are handed to disk writeback at once (sync_file_range), so a closing fsync does
// not start all the I/O at the end; `fd` is a new file, written from offset 0.
//
//   OrderedWriter w(fd, path, 3, 4 << 20);
//   for (;;) { char* b = w.acquire(); size_t n = fill(b, w.size()); if (!n) break; w.submit(n); }
//   w.finish();  // rethrows the first write error
// Errors from the writer thread surface at the next acquire() or at finish().
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/big_buffer.h"

namespace hs::core {

class OrderedWriter {
 public:
  OrderedWriter(int fd, std::string path, size_t buffers, size_t buffer_size);
  ~OrderedWriter();  // stops the thread; unwritten data is dropped (the caller is failing anyway)
  OrderedWriter(const OrderedWriter&) = delete;
  OrderedWriter& operator=(const OrderedWriter&) = delete;

  // A free buffer of size() bytes to fill; blocks while all are queued.
  char* acquire();
  size_t size() const { return size_; }
  // Queues the first n bytes of the buffer last returned by acquire().
  void submit(size_t n);
  // Waits until everything queued is written; throws the writer's error, if any.
  void finish();

 private:
  void run();
  void rethrow_locked();

  int fd_;
  std::string path_;
  size_t size_;
  std::vector<BigBuffer> bufs_;
  std::deque<size_t> free_;                      // indexes of free buffers
  std::deque<std::pair<size_t, size_t>> queue_;  // (buffer, length) to write, in order
  size_t current_ = 0;                           // buffer handed out by acquire()
  bool busy_ = false;                            // the thread is writing a buffer
  size_t written_ = 0;                           // bytes written (from offset 0: a new file)
  bool stop_ = false;
  std::exception_ptr error_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace hs::core
