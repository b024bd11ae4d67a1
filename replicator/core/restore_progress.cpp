#include "core/restore_progress.h"

#include <algorithm>

namespace hs::core {

namespace {

class CountingReader final : public Reader {
 public:
  CountingReader(std::unique_ptr<Reader> r, std::atomic<int64_t>& n) : r_(std::move(r)), n_(n) {}
  size_t read(void* buf, size_t n) override {
    size_t got = r_->read(buf, n);
    n_.fetch_add(int64_t(got), std::memory_order_relaxed);
    return got;
  }

 private:
  std::unique_ptr<Reader> r_;
  std::atomic<int64_t>& n_;
};

}  // namespace

std::unique_ptr<Reader> ProgressClient::open_snapshot(const std::string& g, int64_t i) {
  return std::make_unique<CountingReader>(inner().open_snapshot(g, i), done_);
}

std::unique_ptr<Reader> ProgressClient::open_wal_segment(const Pos& p) {
  return std::make_unique<CountingReader>(inner().open_wal_segment(p), done_);
}

ProgressReporter::ProgressReporter(const ProgressClient& counter, int64_t total, EventLog log,
                                   std::chrono::milliseconds after, std::chrono::milliseconds every)
    : counter_(counter),
      total_(total),
      log_(std::move(log)),
      after_(after),
      every_(std::max(every, std::chrono::milliseconds(1))) {
  thread_ = std::thread([this] { run(); });
}

ProgressReporter::~ProgressReporter() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ProgressReporter::run() {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto next = start + after_;
  std::unique_lock lk(mu_);
  for (;;) {
    if (cv_.wait_until(lk, next, [&] { return stop_; })) return;
    auto now = Clock::now();
    next = now + every_;
    int64_t done = counter_.done();
    double secs = std::chrono::duration<double>(now - start).count();
    int64_t rate = secs > 0 ? int64_t(double(done) / secs) : 0;
    LogFields f{{"bytes", done},
                {"total", total_},
                {"percent", total_ > 0 ? std::min<int64_t>(100, done * 100 / total_) : int64_t(0)},
                {"rate", rate}};  // bytes per second, averaged since the start
    if (rate > 0 && total_ > done)
      f.emplace_back("eta",
                     LogValue::duration(std::chrono::nanoseconds(int64_t(double(total_ - done) / double(rate) * 1e9))));
    log_.info("restore progress", f);
  }
}

}  // namespace hs::core
