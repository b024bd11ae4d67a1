#pragma once
// ReplicaClient for S3 and S3-compatible stores (AWS, MinIO, Swift s3api, B2...), storing the
// objects under Litestream v0.3.13's keys so either tool restores what the other wrote.
// Memory stays bounded: uploads buffer at most one part (opts.part_size, 5 MiB by default; larger
// objects go up as a multipart upload) and downloads stream (S3GetStream).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/replica_client.h"
#include "storage/s3/s3_http.h"
#include "storage/s3/s3_options.h"
#include "storage/s3/s3_xml.h"

namespace hs::storage {

class S3ReplicaClient : public core::ReplicaClient {
 public:
  explicit S3ReplicaClient(S3Options opts);

  std::string type() const override { return "s3"; }

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
  // Stops listing at the first page that reaches segment `index` (keys sort by index: %08x).
  std::vector<core::WalSegmentInfo> wal_segments_below(const std::string& generation, int64_t index) override;
  // <path>/replica-lease.json: one GET, one PUT (single request, Content-MD5), one DeleteObjects.
  std::optional<std::string> read_lease() override;
  void write_lease(const std::string& body) override;
  void delete_lease() override;
  void cancel() override { http_.cancel(); }
  int64_t progress() const override { return http_.progress(); }

  // Lower-level operations, public for tests and tools.
  // Every object under `prefix`, following pages; with a delimiter, "sub-directories" are
  // returned in `prefixes` (S3 CommonPrefixes).
  // With stop_at, no further page is requested once a key >= stop_at was listed (keys come in
  // ascending order), so the result holds every key below stop_at and possibly some above.
  std::vector<S3Object> list(const std::string& prefix, const std::string& delimiter,
                             std::vector<std::string>* prefixes = nullptr, const std::string& stop_at = "") const;
  // Stores the whole stream under key; returns the number of bytes stored.
  int64_t put(const std::string& key, core::Reader& data) const;
  std::unique_ptr<core::Reader> get(const std::string& key) const;
  // Deletes keys in batches of 1000 (DeleteObjects); missing keys are not an error.
  void remove(const std::vector<std::string>& keys) const;

  const S3Options& options() const { return http_.options(); }

 private:
  void put_single(const std::string& key, std::string_view body) const;
  int64_t put_multipart(const std::string& key, std::string& part, core::Reader& data) const;

  std::string generations_prefix() const;  // "<path>/generations/"
  std::string generation_prefix(const std::string& generation) const;
  std::string snapshot_key(const std::string& generation, int64_t index) const;
  std::string wal_segment_key(const core::Pos& pos) const;

  S3Http http_;
  std::string root_;  // options().path without leading '/'
};

}  // namespace hs::storage
