#pragma once
// ReadAheadReader: pulls from another Reader on a thread of its own into a few bounded chunks, so
// the consumer works on one chunk while the next is produced. Restore downloads a remote snapshot
// through it, so the transfer (TLS included) overlaps the decoding. Memory: `chunks` x `chunk_size`. Errors of the
// source surface at the consumer's read(), after the bytes produced before them.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/replica_client.h"

namespace hs::core {

class ReadAheadReader final : public Reader {
 public:
  ReadAheadReader(Reader& source, size_t chunks = 3, size_t chunk_size = 1 << 20);
  ~ReadAheadReader() override;  // stops the producer (it may be mid-read of the source)
  ReadAheadReader(const ReadAheadReader&) = delete;
  ReadAheadReader& operator=(const ReadAheadReader&) = delete;

  size_t read(void* buf, size_t n) override;

 private:
  struct Chunk {
    std::unique_ptr<char[]> data;  // not zero-filled: restore makes one reader per WAL segment
    size_t len = 0;
  };
  void produce();

  Reader& source_;
  size_t chunk_size_;
  std::vector<Chunk> chunks_;
  size_t head_ = 0;    // next chunk the consumer reads
  size_t tail_ = 0;    // next chunk the producer fills
  size_t filled_ = 0;  // chunks ready for the consumer
  size_t offset_ = 0;  // consumer's position in chunks_[head_]
  bool eof_ = false;   // the producer reached the source's end (or failed)
  bool stop_ = false;
  std::exception_ptr error_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace hs::core
