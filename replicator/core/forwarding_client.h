#pragma once
// ForwardingClient: a ReplicaClient that passes every call to another one. Decorators (restore's
// prefetcher and progress counter, test doubles) derive from it and override only what they change,
// so a method added to ReplicaClient is forwarded in one place.
#include <memory>
#include <string>
#include <vector>

#include "core/replica_client.h"

namespace hs::core {

class ForwardingClient : public ReplicaClient {
 public:
  explicit ForwardingClient(ReplicaClient& inner) : inner_(inner) {}

  std::string type() const override { return inner_.type(); }
  bool remote() const override { return inner_.remote(); }
  void cancel() override { inner_.cancel(); }
  int64_t progress() const override { return inner_.progress(); }
  std::vector<std::string> generations() override { return inner_.generations(); }
  void delete_generation(const std::string& g) override { inner_.delete_generation(g); }
  std::vector<SnapshotInfo> snapshots(const std::string& g) override { return inner_.snapshots(g); }
  SnapshotInfo write_snapshot(const std::string& g, int64_t i, Reader& d) override {
    return inner_.write_snapshot(g, i, d);
  }
  std::unique_ptr<Reader> open_snapshot(const std::string& g, int64_t i) override { return inner_.open_snapshot(g, i); }
  void delete_snapshot(const std::string& g, int64_t i) override { inner_.delete_snapshot(g, i); }
  std::vector<WalSegmentInfo> wal_segments(const std::string& g) override { return inner_.wal_segments(g); }
  std::vector<WalSegmentInfo> wal_segments_below(const std::string& g, int64_t i) override {
    return inner_.wal_segments_below(g, i);
  }
  WalSegmentInfo write_wal_segment(const Pos& p, Reader& d) override { return inner_.write_wal_segment(p, d); }
  std::unique_ptr<Reader> open_wal_segment(const Pos& p) override { return inner_.open_wal_segment(p); }
  void delete_wal_segments(const std::vector<Pos>& ps) override { inner_.delete_wal_segments(ps); }
  std::optional<std::string> read_lease() override { return inner_.read_lease(); }
  void write_lease(const std::string& body) override { inner_.write_lease(body); }
  void delete_lease() override { inner_.delete_lease(); }

 protected:
  ReplicaClient& inner() { return inner_; }

 private:
  ReplicaClient& inner_;
};

}  // namespace hs::core
