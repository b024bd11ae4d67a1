#pragma once
// A ReplicaClient decorator for a replica configured with `age` (litestream 0.3.13's
// replica.go): every snapshot and WAL segment written is age-encrypted to the recipients after
// LZ4 (the core hands clients LZ4 frames already), every one read is decrypted with the
// identities. Listings, names and deletes pass through: the layout is unchanged, only the bytes
// of each object are encrypted. The core never knows.
//
// Unlike litestream, which writes plaintext when only identities are given and reads ciphertext
// as LZ4 when only recipients are, a missing side is an error naming the config key: a write
// without recipients or a read without identities throws instead of producing or misreading bytes.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "age/age.h"
#include "core/replica_client.h"

namespace hs::age {

class EncryptedReplicaClient final : public core::ReplicaClient {
 public:
  // `key_path` names the config block in errors, e.g. `dbs[0].replicas[0].age`.
  EncryptedReplicaClient(std::unique_ptr<core::ReplicaClient> inner, std::vector<Key32> recipients,
                         std::vector<Identity> identities, std::string key_path);

  std::string type() const override { return inner_->type(); }
  std::vector<std::string> generations() override { return inner_->generations(); }
  void delete_generation(const std::string& g) override { inner_->delete_generation(g); }
  std::vector<core::SnapshotInfo> snapshots(const std::string& g) override { return inner_->snapshots(g); }
  core::SnapshotInfo write_snapshot(const std::string& generation, int64_t index, core::Reader& data) override;
  std::unique_ptr<core::Reader> open_snapshot(const std::string& generation, int64_t index) override;
  void delete_snapshot(const std::string& g, int64_t index) override { inner_->delete_snapshot(g, index); }
  std::vector<core::WalSegmentInfo> wal_segments(const std::string& g) override { return inner_->wal_segments(g); }
  std::vector<core::WalSegmentInfo> wal_segments_below(const std::string& g, int64_t i) override {
    return inner_->wal_segments_below(g, i);
  }
  core::WalSegmentInfo write_wal_segment(const core::Pos& pos, core::Reader& data) override;
  std::unique_ptr<core::Reader> open_wal_segment(const core::Pos& pos) override;
  void delete_wal_segments(const std::vector<core::Pos>& p) override { inner_->delete_wal_segments(p); }
  // The lease is plaintext: litestream never reads it and it holds nothing secret (host, pid, expiry).
  std::optional<std::string> read_lease() override { return inner_->read_lease(); }
  void write_lease(const std::string& body) override { inner_->write_lease(body); }
  void delete_lease() override { inner_->delete_lease(); }
  void cancel() override { inner_->cancel(); }
  int64_t progress() const override { return inner_->progress(); }
  // A file replica is still read in place (restore_prefetch.h): decryption streams either way.
  bool remote() const override { return inner_->remote(); }

 private:
  std::unique_ptr<core::Reader> sealed(core::Reader& data) const;
  std::unique_ptr<core::Reader> opened(std::unique_ptr<core::Reader> r, const std::string& what) const;

  std::unique_ptr<core::ReplicaClient> inner_;
  std::vector<Key32> recipients_;
  std::vector<Identity> identities_;
  std::string key_path_;
};

}  // namespace hs::age
