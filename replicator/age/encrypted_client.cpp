#include "age/encrypted_client.h"

#include "core/layout.h"

namespace hs::age {

EncryptedReplicaClient::EncryptedReplicaClient(std::unique_ptr<core::ReplicaClient> inner,
                                               std::vector<Key32> recipients, std::vector<Identity> identities,
                                               std::string key_path)
    : inner_(std::move(inner)),
      recipients_(std::move(recipients)),
      identities_(std::move(identities)),
      key_path_(std::move(key_path)) {}

std::unique_ptr<core::Reader> EncryptedReplicaClient::sealed(core::Reader& data) const {
  if (recipients_.empty())
    throw Error(key_path_ + ".recipients: required to write to this replica (it has age.identities only)");
  return encrypt(data, recipients_);
}

std::unique_ptr<core::Reader> EncryptedReplicaClient::opened(std::unique_ptr<core::Reader> r,
                                                             const std::string& what) const {
  if (identities_.empty())
    throw Error(key_path_ + ".identities: required to read " + what + " (this replica has age.recipients only)");
  try {
    return decrypt(std::move(r), identities_);
  } catch (const CorruptError& e) {
    throw CorruptError(what + ": " + e.what());
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
}

core::SnapshotInfo EncryptedReplicaClient::write_snapshot(const std::string& generation, int64_t index,
                                                          core::Reader& data) {
  auto enc = sealed(data);
  return inner_->write_snapshot(generation, index, *enc);
}

std::unique_ptr<core::Reader> EncryptedReplicaClient::open_snapshot(const std::string& generation, int64_t index) {
  return opened(inner_->open_snapshot(generation, index),
                "snapshot " + generation + "/" + core::layout::snapshot_name(index));
}

core::WalSegmentInfo EncryptedReplicaClient::write_wal_segment(const core::Pos& pos, core::Reader& data) {
  auto enc = sealed(data);
  return inner_->write_wal_segment(pos, *enc);
}

std::unique_ptr<core::Reader> EncryptedReplicaClient::open_wal_segment(const core::Pos& pos) {
  return opened(inner_->open_wal_segment(pos),
                "wal segment " + pos.generation + "/" + core::layout::wal_segment_name(pos.index, pos.offset));
}

}  // namespace hs::age
