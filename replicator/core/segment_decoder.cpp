#include "core/segment_decoder.h"

#include <algorithm>
#include <optional>

#include "core/error.h"
#include "core/lz4_frame.h"

namespace hs::core {

SegmentDecoder::SegmentDecoder(ReplicaClient& client, std::vector<Job> jobs, size_t workers, size_t chunks,
                               size_t chunk_size)
    : client_(client), jobs_(std::move(jobs)), chunk_size_(chunk_size) {
  workers = std::clamp<size_t>(workers, 1, std::max<size_t>(jobs_.size(), 1));
  lanes_.resize(workers);
  for (auto& lane : lanes_) {
    lane.ring.resize(std::max<size_t>(chunks, 1));
    for (auto& c : lane.ring) c.data = BigBuffer(chunk_size_);
  }
  for (size_t w = 0; w < workers; w++) threads_.emplace_back([this, w] { work(w); });
}

SegmentDecoder::~SegmentDecoder() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

SegmentDecoder::Chunk* SegmentDecoder::acquire(Lane& lane) {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return stop_ || lane.filled < lane.ring.size(); });
  if (stop_) return nullptr;
  // The slot is the worker's until published: the consumer only looks at filled slots.
  Chunk& c = lane.ring[lane.tail];
  c.len = 0;
  c.end = false;
  c.error = nullptr;
  return &c;
}

void SegmentDecoder::publish(Lane& lane) {
  {
    std::lock_guard lk(mu_);
    lane.tail = (lane.tail + 1) % lane.ring.size();
    ++lane.filled;
  }
  cv_.notify_all();
}

void SegmentDecoder::work(size_t w) {
  Lane& lane = lanes_[w];
  std::optional<Lz4DecompressReader> z;  // one context and its buffers for all of this lane's jobs
  for (size_t j = w; j < jobs_.size(); j += lanes_.size()) {
    std::unique_ptr<Reader> raw;
    std::exception_ptr open_error;
    try {
      raw = client_.open_wal_segment(jobs_[j].pos);
      if (z)
        z->reset(*raw, jobs_[j].what);
      else
        z.emplace(*raw, jobs_[j].what);
    } catch (...) {
      open_error = std::current_exception();
    }
    for (bool done = false; !done;) {
      Chunk* slot = acquire(lane);
      if (!slot) return;
      Chunk& c = *slot;
      c.job = j;
      if (open_error) {
        c.error = open_error;
      } else {
        try {
          // Fill the chunk: a whole 4 MiB block decodes in place, and the consumer gets large pieces.
          while (c.len < chunk_size_) {
            size_t k = z->read(c.data.data() + c.len, chunk_size_ - c.len);
            if (k == 0) {
              c.end = true;
              break;
            }
            c.len += k;
          }
        } catch (...) {
          c.error = std::current_exception();
        }
      }
      publish(lane);
      if (c.error) return;  // the consumer stops at this job: nothing after it is needed
      done = c.end;
    }
  }
}

std::span<const uint8_t> SegmentDecoder::next(size_t job) {
  Lane& lane = lanes_[job % lanes_.size()];
  std::unique_lock lk(mu_);
  if (held_) {
    // The chunk handed out last time is done with. One that also ended its job (or failed)
    // stays at the head as an empty marker, so this call reports the end (or the error).
    Chunk& h = held_->ring[held_->head];
    if (h.end || h.error) {
      h.len = 0;
    } else {
      held_->head = (held_->head + 1) % held_->ring.size();
      --held_->filled;
      cv_.notify_all();
    }
    held_ = nullptr;
  }
  cv_.wait(lk, [&] { return lane.filled > 0; });
  Chunk& c = lane.ring[lane.head];
  if (c.job != job) throw Error("restore: WAL segment " + jobs_.at(job).what + " read out of order");
  if (c.len > 0) {
    held_ = &lane;
    return {c.data.data(), c.len};
  }
  std::exception_ptr error = c.error;
  lane.head = (lane.head + 1) % lane.ring.size();
  --lane.filled;
  cv_.notify_all();
  if (error) std::rethrow_exception(error);
  return {};
}

}  // namespace hs::core
