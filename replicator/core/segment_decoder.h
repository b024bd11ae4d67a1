#pragma once
// SegmentDecoder: decodes a restore's WAL segments (open + LZ4 + its content checksum) ahead of
// their application, on a few threads, and hands the bytes out in segment order. Decoding is most
// of a restore's CPU, so on two cores it must not share one thread with the frame checks and page
// writes. Worker w decodes jobs w, w + workers, w + 2 x workers, ... into a ring of its own: a
// worker that runs ahead can only fill its own ring, never take the buffers of the job the
// consumer is waiting for, so nothing can deadlock and memory stays workers x chunks x chunk_size
// whatever the WAL's size. The buffers live as long as the decoder (allocated and faulted in
// once per restore, not once per segment), and 4 MiB chunks let liblz4 decode Litestream's
// 4 MiB blocks straight into them.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/big_buffer.h"
#include "core/pos.h"
#include "core/replica_client.h"

namespace hs::core {

class SegmentDecoder {
 public:
  struct Job {
    Pos pos;
    std::string what;  // the object's name, for errors
  };
  SegmentDecoder(ReplicaClient& client, std::vector<Job> jobs, size_t workers = 2, size_t chunks = 2,
                 size_t chunk_size = 4 << 20);
  ~SegmentDecoder();  // stops the workers (each may be inside a read of its object)
  SegmentDecoder(const SegmentDecoder&) = delete;
  SegmentDecoder& operator=(const SegmentDecoder&) = delete;

  // The next decoded bytes of job `job`, empty at the job's end. Jobs must be read in order, each
  // to its end. The span is valid until the next call. An error of the job (opening it, a corrupt
  // LZ4 frame) throws here, after every byte decoded before it.
  std::span<const uint8_t> next(size_t job);

 private:
  struct Chunk {
    BigBuffer data;
    size_t len = 0;
    size_t job = 0;
    bool end = false;  // the job's last chunk (the consumer turns it into an end marker)
    std::exception_ptr error;
  };
  struct Lane {
    std::vector<Chunk> ring;
    size_t head = 0, tail = 0, filled = 0;
  };
  void work(size_t lane);
  Chunk* acquire(Lane& lane);  // a free slot of `lane`, nullptr once stopping
  void publish(Lane& lane);

  ReplicaClient& client_;
  std::vector<Job> jobs_;
  size_t chunk_size_;
  std::vector<Lane> lanes_;
  Lane* held_ = nullptr;  // the lane whose head chunk the consumer holds
  bool stop_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> threads_;
};

}  // namespace hs::core
