#pragma once
// Parallel download for restore: WAL indexes are applied strictly in order on one thread, while
// up to `parallelism` of the next WAL segments download at once (S3 round trips overlap). Segments
// wait in files of a private temp dir, never in memory, so peak RSS stays small on a Pi.
// PrefetchingClient decorates the replica's client: open_wal_segment() of a planned segment waits
// for its download and reads the file; everything else goes straight to the wrapped client.
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/forwarding_client.h"

namespace hs::core {

class PrefetchingClient final : public ForwardingClient {
 public:
  // `order`: the segments in about the order they will be opened (neighbours may swap). `temp_dir` must exist and be
  // private; the prefetcher removes its own files from it.
  PrefetchingClient(ReplicaClient& inner, std::vector<Pos> order, int parallelism, std::string temp_dir);
  ~PrefetchingClient() override;
  PrefetchingClient(const PrefetchingClient&) = delete;
  PrefetchingClient& operator=(const PrefetchingClient&) = delete;

  std::unique_ptr<Reader> open_wal_segment(const Pos& pos) override;

 private:
  enum class State { kPending, kRunning, kDone, kFailed };
  struct Slot {
    Pos pos;
    State state = State::kPending;
    bool opened = false;  // handed to a caller (its file is unlinked then)
    std::string path;
    std::exception_ptr error;
  };
  void work();
  void download(size_t i);

  std::string dir_;
  size_t window_;
  std::vector<Slot> slots_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_ = 0;            // next slot a worker starts
  size_t consumed_ = 0;        // one past the furthest slot opened: the download window starts here
  size_t first_unopened_ = 0;  // every slot before it has been opened
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hs::core
