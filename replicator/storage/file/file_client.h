#pragma once
// The "file" replica: Litestream v0.3's layout under a local directory (file_replica_client.go).
// Objects are written to "<name>.tmp", fsynced, renamed into place and the directory fsynced,
// so a crash never leaves a half-written object under a real name (listings ignore *.tmp).
// created_at is the file's mtime, as in litestream: it drives -timestamp and retention.
#include <sys/types.h>

#include <optional>
#include <string>

#include "core/replica_client.h"

namespace hs::storage {

class FileReplicaClient : public core::ReplicaClient {
 public:
  // `root` is the replica directory (config `path`, or the path of a file:// URL). New files and
  // directories get these modes (litestream's defaults when the database's modes are unknown).
  explicit FileReplicaClient(std::string root, mode_t file_mode = 0600, mode_t dir_mode = 0700);

  const std::string& root() const { return root_; }
  std::string type() const override { return "file"; }
  bool remote() const override { return false; }

  std::vector<std::string> generations() override;
  void delete_generation(const std::string& generation) override;

  std::vector<core::SnapshotInfo> snapshots(const std::string& generation) override;
  core::SnapshotInfo write_snapshot(const std::string& generation, int64_t index, core::Reader& data) override;
  std::unique_ptr<core::Reader> open_snapshot(const std::string& generation, int64_t index) override;
  void delete_snapshot(const std::string& generation, int64_t index) override;

  std::vector<core::WalSegmentInfo> wal_segments(const std::string& generation) override;
  core::WalSegmentInfo write_wal_segment(const core::Pos& pos, core::Reader& data) override;
  std::unique_ptr<core::Reader> open_wal_segment(const core::Pos& pos) override;
  void delete_wal_segments(const std::vector<core::Pos>& positions) override;

  // <root>/replica-lease.json, replaced by rename like every object; each writer stages it under a
  // temp name of its own, so two replicators writing it at once never mix their bytes.
  std::optional<std::string> read_lease() override;
  void write_lease(const std::string& body) override;
  void delete_lease() override;

 private:
  // Writes `data` to `path` atomically (through `path` + tmp_suffix); returns the size written.
  int64_t write_atomically(const std::string& path, core::Reader& data, const std::string& tmp_suffix = ".tmp");
  void make_dirs(const std::string& dir);

  std::string root_;
  mode_t file_mode_, dir_mode_;
};

}  // namespace hs::storage
