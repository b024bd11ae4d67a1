#pragma once
// Restore progress: counts the bytes read from the replica (compressed, as stored) and, once a
// restore has run for a while, logs INFO "restore progress" every few seconds with the bytes done
// and expected, the rate and an ETA, so an init container restoring gigabytes over a home link
// does not look hung.
//
// ProgressClient decorates the replica's client (below the prefetcher, so it counts downloads as
// they happen); ProgressReporter is the thread that logs.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "core/event_log.h"
#include "core/forwarding_client.h"

namespace hs::core {

class ProgressClient final : public ForwardingClient {
 public:
  explicit ProgressClient(ReplicaClient& inner) : ForwardingClient(inner) {}
  int64_t done() const { return done_.load(std::memory_order_relaxed); }

  std::unique_ptr<Reader> open_snapshot(const std::string& g, int64_t i) override;
  std::unique_ptr<Reader> open_wal_segment(const Pos& p) override;

 private:
  std::atomic<int64_t> done_{0};
};

class ProgressReporter {
 public:
  // Logs through `log` after `after`, then every `every`, until destroyed; `total`: bytes expected.
  ProgressReporter(const ProgressClient& counter, int64_t total, EventLog log, std::chrono::milliseconds after,
                   std::chrono::milliseconds every);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

 private:
  void run();

  const ProgressClient& counter_;
  int64_t total_;
  EventLog log_;
  std::chrono::milliseconds after_, every_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hs::core
