#include "core/restore_prefetch.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace hs::core {
namespace {

// Reads a downloaded segment; the file was unlinked when opened, so it vanishes with the reader.
class UnlinkedFileReader : public Reader {
 public:
  explicit UnlinkedFileReader(int fd) : fd_(fd) {}
  ~UnlinkedFileReader() override { ::close(fd_); }
  size_t read(void* buf, size_t n) override {
    for (;;) {
      ssize_t k = ::read(fd_, buf, n);
      if (k >= 0) return static_cast<size_t>(k);
      if (errno != EINTR) throw Error(std::string("cannot read a downloaded wal segment: ") + std::strerror(errno));
    }
  }

 private:
  int fd_;
};

void write_all(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
    p += k;
    n -= static_cast<size_t>(k);
  }
}

}  // namespace

PrefetchingClient::PrefetchingClient(ReplicaClient& inner, std::vector<Pos> order, int parallelism,
                                     std::string temp_dir)
    : ForwardingClient(inner), dir_(std::move(temp_dir)), window_(static_cast<size_t>(std::max(1, parallelism))) {
  slots_.resize(order.size());
  for (size_t i = 0; i < order.size(); i++) {
    slots_[i].pos = std::move(order[i]);
    slots_[i].path = dir_ + "/segment-" + std::to_string(i) + ".lz4";
  }
  size_t n = std::min(window_, slots_.size());
  for (size_t i = 0; i < n; i++) threads_.emplace_back([this] { work(); });
}

PrefetchingClient::~PrefetchingClient() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  for (const auto& s : slots_) ::unlink(s.path.c_str());  // never-opened downloads
}

void PrefetchingClient::work() {
  for (;;) {
    size_t i;
    {
      std::unique_lock lock(mu_);
      // Never more than `window_` segments ahead of the one being applied: bounded disk use.
      cv_.wait(lock, [&] { return stop_ || next_ >= slots_.size() || next_ < consumed_ + window_; });
      if (stop_ || next_ >= slots_.size()) return;
      i = next_++;
      slots_[i].state = State::kRunning;
    }
    download(i);
    cv_.notify_all();
  }
}

void PrefetchingClient::download(size_t i) {
  Slot& s = slots_[i];
  std::exception_ptr error;
  try {
    auto in = inner().open_wal_segment(s.pos);
    int fd = ::open(s.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw Error("cannot create " + s.path + ": " + std::strerror(errno));
    try {
      std::vector<char> buf(256 * 1024);
      for (size_t k; (k = in->read(buf.data(), buf.size())) > 0;) write_all(fd, buf.data(), k, s.path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0) throw Error("cannot close " + s.path + ": " + std::strerror(errno));
  } catch (...) {
    error = std::current_exception();
    ::unlink(s.path.c_str());
  }
  std::lock_guard lock(mu_);
  s.error = error;
  s.state = error ? State::kFailed : State::kDone;
}

std::unique_ptr<Reader> PrefetchingClient::open_wal_segment(const Pos& pos) {
  std::unique_lock lock(mu_);
  // Restore's decoders open segments from two threads, so opens may come slightly out of order;
  // the search starts at the first slot not opened yet (a day of 1 s segments is 86k slots).
  auto it = std::find_if(slots_.begin() + static_cast<std::ptrdiff_t>(first_unopened_), slots_.end(),
                         [&](const Slot& s) { return !s.opened && s.pos == pos; });
  if (it == slots_.end()) {
    lock.unlock();
    return inner().open_wal_segment(pos);  // not planned: fetch it directly
  }
  size_t i = static_cast<size_t>(it - slots_.begin());
  it->opened = true;
  while (first_unopened_ < slots_.size() && slots_[first_unopened_].opened) ++first_unopened_;
  consumed_ = std::max(consumed_, i + 1);
  cv_.notify_all();  // the window moved: workers may start the next downloads
  cv_.wait(lock, [&] { return it->state == State::kDone || it->state == State::kFailed; });
  if (it->state == State::kFailed) std::rethrow_exception(it->error);
  int fd = ::open(it->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + it->path + ": " + std::strerror(errno));
  ::unlink(it->path.c_str());
  return std::make_unique<UnlinkedFileReader>(fd);
}

}  // namespace hs::core
