#include "storage/s3/s3_client.h"

#include <algorithm>
#include <cstdio>

#include "core/layout.h"
#include "storage/s3/s3_get_stream.h"
#include "storage/s3/s3_url.h"

namespace hs::storage {
namespace {

constexpr size_t kDeleteBatch = 1000;  // DeleteObjects' limit

void require_generation(const std::string& generation, const char* what) {
  if (generation.empty()) throw core::Error(std::string("cannot determine ") + what + " path: generation required");
}

std::string base_name(const std::string& key) {
  auto slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

// Fills `buf` from `data` up to `limit` bytes; false when the stream ended first.
bool fill_part(core::Reader& data, std::string& buf, size_t limit) {
  buf.clear();
  char chunk[64 * 1024];
  while (buf.size() < limit) {
    size_t want = std::min(sizeof chunk, limit - buf.size());
    size_t got = data.read(chunk, want);
    if (got == 0) return false;
    buf.append(chunk, got);
  }
  return true;
}

}  // namespace

S3ReplicaClient::S3ReplicaClient(S3Options opts) : http_(std::move(opts)) {
  // S3 keys never start with '/': "path: /db" and "s3://bucket/db" name the same objects.
  root_ = options().path;
  while (!root_.empty() && root_.front() == '/') root_.erase(0, 1);
  if (options().part_size < 1) throw core::Error("s3 replica: part size must be positive");
  if (options().max_keys < 1 || options().max_keys > 1000) throw core::Error("s3 replica: max-keys must be 1..1000");
}

// --- keys: core/layout.h, with the replica path as the root ----------------------------------

std::string S3ReplicaClient::generations_prefix() const {
  return core::layout::generations_path(root_) + "/";
}

std::string S3ReplicaClient::generation_prefix(const std::string& generation) const {
  return core::layout::generation_path(root_, generation) + "/";
}

std::string S3ReplicaClient::snapshot_key(const std::string& generation, int64_t index) const {
  require_generation(generation, "snapshot");
  return core::layout::snapshot_path(root_, generation, index);
}

std::string S3ReplicaClient::wal_segment_key(const core::Pos& pos) const {
  require_generation(pos.generation, "wal segment");
  return core::layout::wal_segment_path(root_, pos.generation, pos.index, pos.offset);
}

// --- primitives ------------------------------------------------------------------------------

std::vector<S3Object> S3ReplicaClient::list(const std::string& prefix, const std::string& delimiter,
                                            std::vector<std::string>* prefixes, const std::string& stop_at) const {
  std::vector<S3Object> out;
  std::string marker;
  while (true) {
    S3Request req;
    req.op = "LIST";
    req.query = {{"prefix", prefix}, {"max-keys", std::to_string(options().max_keys)}};
    if (!delimiter.empty()) req.query["delimiter"] = delimiter;
    if (!marker.empty()) req.query["marker"] = marker;
    req.key = "";
    ListPage page;
    try {
      page = parse_list_page(http_.perform(req).body);
    } catch (const core::NotFoundError& e) {
      // The bucket itself is missing: say so rather than "no generations".
      throw core::Error(std::string(e.what()) + " (listing prefix \"" + prefix + "\")");
    }
    const std::string next = page.is_truncated ? page.resume_marker() : std::string();
    for (auto& o : page.contents) out.push_back(std::move(o));
    if (prefixes) prefixes->insert(prefixes->end(), page.common_prefixes.begin(), page.common_prefixes.end());
    if (!page.is_truncated) break;
    if (!stop_at.empty() && !out.empty() && out.back().key >= stop_at) break;
    if (next <= marker) throw core::Error("S3 LIST " + http_.object_name(prefix) + ": listing did not advance");
    marker = next;
  }
  return out;
}

void S3ReplicaClient::put_single(const std::string& key, std::string_view body) const {
  S3Request req;
  req.op = "PUT";
  req.method = "PUT";
  req.key = key;
  req.body = body;
  req.headers.push_back("Content-MD5: " + md5_base64(body));  // S3 rejects a body damaged in transit
  http_.perform(req);
}

int64_t S3ReplicaClient::put(const std::string& key, core::Reader& data) const {
  std::string part;
  if (!fill_part(data, part, options().part_size)) {
    put_single(key, part);
    return static_cast<int64_t>(part.size());
  }
  // Exactly part_size bytes so far: the stream may end right here.
  std::string next;
  bool more = fill_part(data, next, 1);
  if (!more && next.empty()) {
    put_single(key, part);
    return static_cast<int64_t>(part.size());
  }
  // More than one part: continue as a multipart upload, starting with what we already read.
  struct Prefixed : core::Reader {
    std::string head;
    size_t pos = 0;
    core::Reader& rest;
    Prefixed(std::string h, core::Reader& r) : head(std::move(h)), rest(r) {}
    size_t read(void* buf, size_t n) override {
      if (pos < head.size()) {
        size_t k = std::min(n, head.size() - pos);
        std::copy_n(head.data() + pos, k, static_cast<char*>(buf));
        pos += k;
        return k;
      }
      return rest.read(buf, n);
    }
  } tail(std::move(next), data);
  return put_multipart(key, part, tail);
}

int64_t S3ReplicaClient::put_multipart(const std::string& key, std::string& part, core::Reader& data) const {
  S3Request create;
  create.op = "PUT (create multipart upload)";
  create.metric_op = "";  // counted per part below
  create.method = "POST";
  create.key = key;
  create.query = {{"uploads", ""}};
  const std::string upload_id = parse_upload_id(http_.perform(create).body);
  std::vector<std::string> etags;
  int64_t total = 0;
  try {
    bool more = true;
    while (true) {
      S3Request up;
      up.op = "PUT (upload part)";
      up.metric_op = "PUT";
      up.method = "PUT";
      up.key = key;
      up.query = {{"partNumber", std::to_string(etags.size() + 1)}, {"uploadId", upload_id}};
      up.body = part;
      up.headers.push_back("Content-MD5: " + md5_base64(part));
      auto resp = http_.perform(up);
      auto etag = resp.headers.find("etag");
      if (etag == resp.headers.end() || etag->second.empty())
        throw core::Error("S3 PUT " + http_.object_name(key) + ": part " + std::to_string(etags.size() + 1) +
                          " answered without an ETag");
      etags.push_back(etag->second);
      total += static_cast<int64_t>(part.size());
      if (!more) break;
      more = fill_part(data, part, options().part_size);
      if (part.empty()) break;
      if (etags.size() >= 10000) throw core::Error("S3 PUT " + http_.object_name(key) + ": more than 10000 parts");
    }
    std::string xml = complete_multipart_xml(etags);
    S3Request done;
    done.op = "PUT (complete multipart upload)";
    done.metric_op = "";
    done.method = "POST";
    done.key = key;
    done.query = {{"uploadId", upload_id}};
    done.body = xml;
    done.content_type = "application/xml";
    auto resp = http_.perform(done);
    if (auto err = parse_complete_multipart(resp.body))
      throw S3Error("S3 PUT " + http_.object_name(key) + ": " + err->code + ": " + err->message, resp.status,
                    err->code);
  } catch (...) {
    // Unfinished parts are billed storage: abort, but report the original error.
    try {
      S3Request abort;
      abort.op = "PUT (abort multipart upload)";
      abort.metric_op = "";
      abort.method = "DELETE";
      abort.key = key;
      abort.query = {{"uploadId", upload_id}};
      http_.perform(abort);
    } catch (const std::exception&) {
    }
    throw;
  }
  return total;
}

std::unique_ptr<core::Reader> S3ReplicaClient::get(const std::string& key) const {
  return std::make_unique<S3GetStream>(http_, key);
}

void S3ReplicaClient::remove(const std::vector<std::string>& keys) const {
  for (size_t i = 0; i < keys.size(); i += kDeleteBatch) {
    std::vector<std::string> batch(keys.begin() + i, keys.begin() + std::min(keys.size(), i + kDeleteBatch));
    std::string xml = delete_objects_xml(batch);
    S3Request req;
    req.op = "DELETE";
    req.method = "POST";
    req.key = "";
    req.query = {{"delete", ""}};
    req.body = xml;
    req.content_type = "application/xml";
    req.headers.push_back("Content-MD5: " + md5_base64(xml));  // DeleteObjects requires it
    auto failures = parse_delete_result(http_.perform(req).body);
    failures.erase(
        std::remove_if(failures.begin(), failures.end(), [](const DeleteFailure& f) { return f.code == "NoSuchKey"; }),
        failures.end());
    if (!failures.empty()) {
      std::string msg =
          "S3 DELETE " + http_.object_name(failures[0].key) + ": " + failures[0].code + ": " + failures[0].message;
      if (failures.size() > 1) msg += " (and " + std::to_string(failures.size() - 1) + " more objects)";
      throw S3Error(msg, 200, failures[0].code);
    }
  }
}

// --- ReplicaClient ---------------------------------------------------------------------------

std::vector<std::string> S3ReplicaClient::generations() {
  const std::string prefix = generations_prefix();
  std::vector<std::string> prefixes;
  list(prefix, "/", &prefixes);
  std::vector<std::string> out;
  for (const auto& p : prefixes) {
    std::string name = p.substr(prefix.size());
    if (!name.empty() && name.back() == '/') name.pop_back();
    if (core::layout::is_generation_name(name)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void S3ReplicaClient::delete_generation(const std::string& generation) {
  require_generation(generation, "generation");
  // Snapshots first, in requests of their own (DeleteObjects keeps no order within one): a restore
  // running meanwhile then misses its snapshot and fails, rather than finding the snapshot with
  // the end of its WAL already gone and restoring a mix of new and old pages.
  std::vector<std::string> snapshots, rest;
  const std::string snapshot_dir = core::layout::snapshots_path(root_, generation) + "/";
  for (const auto& o : list(generation_prefix(generation), ""))
    (o.key.compare(0, snapshot_dir.size(), snapshot_dir) == 0 ? snapshots : rest).push_back(o.key);
  remove(snapshots);
  remove(rest);
}

std::vector<core::SnapshotInfo> S3ReplicaClient::snapshots(const std::string& generation) {
  require_generation(generation, "snapshots");
  std::vector<core::SnapshotInfo> out;
  for (const auto& o : list(core::layout::snapshots_path(root_, generation) + "/", "/")) {
    auto index = core::layout::parse_snapshot_name(base_name(o.key));
    if (!index) continue;  // not a snapshot name: ignored, as litestream does
    out.push_back({generation, *index, o.size, o.last_modified});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

core::SnapshotInfo S3ReplicaClient::write_snapshot(const std::string& generation, int64_t index, core::Reader& data) {
  std::string key = snapshot_key(generation, index);
  int64_t size = put(key, data);
  return {generation, index, size, core::Clock::now()};
}

std::unique_ptr<core::Reader> S3ReplicaClient::open_snapshot(const std::string& generation, int64_t index) {
  return get(snapshot_key(generation, index));
}

void S3ReplicaClient::delete_snapshot(const std::string& generation, int64_t index) {
  remove({snapshot_key(generation, index)});
}

std::vector<core::WalSegmentInfo> S3ReplicaClient::wal_segments(const std::string& generation) {
  require_generation(generation, "wal segment");
  std::vector<core::WalSegmentInfo> out;
  for (const auto& o : list(core::layout::wal_path(root_, generation) + "/", "/")) {
    auto io = core::layout::parse_wal_segment_name(base_name(o.key));
    if (!io) continue;
    out.push_back({generation, io->index, io->offset, o.size, o.last_modified});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return std::tie(a.index, a.offset) < std::tie(b.index, b.offset); });
  return out;
}

std::vector<core::WalSegmentInfo> S3ReplicaClient::wal_segments_below(const std::string& generation, int64_t index) {
  require_generation(generation, "wal segment");
  std::vector<core::WalSegmentInfo> out;
  const std::string stop = wal_segment_key(core::Pos{generation, index, 0});
  for (const auto& o : list(core::layout::wal_path(root_, generation) + "/", "/", nullptr, stop)) {
    auto io = core::layout::parse_wal_segment_name(base_name(o.key));
    if (!io || io->index >= index) continue;
    out.push_back({generation, io->index, io->offset, o.size, o.last_modified});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return std::tie(a.index, a.offset) < std::tie(b.index, b.offset); });
  return out;
}

core::WalSegmentInfo S3ReplicaClient::write_wal_segment(const core::Pos& pos, core::Reader& data) {
  std::string key = wal_segment_key(pos);
  int64_t size = put(key, data);
  return {pos.generation, pos.index, pos.offset, size, core::Clock::now()};
}

std::unique_ptr<core::Reader> S3ReplicaClient::open_wal_segment(const core::Pos& pos) {
  return get(wal_segment_key(pos));
}

void S3ReplicaClient::delete_wal_segments(const std::vector<core::Pos>& positions) {
  std::vector<std::string> keys;
  keys.reserve(positions.size());
  for (const auto& p : positions) keys.push_back(wal_segment_key(p));
  remove(keys);
}

std::optional<std::string> S3ReplicaClient::read_lease() {
  std::string body;
  try {
    auto r = get(core::layout::lease_path(root_));
    char buf[4096];
    while (size_t n = r->read(buf, sizeof buf)) {
      body.append(buf, n);
      if (body.size() > 64 * 1024)  // a lease is a few hundred bytes: this is not one
        throw core::Error("s3 replica: " + http_.object_name(core::layout::lease_path(root_)) +
                          " is larger than 64 KiB, not a lease");
    }
  } catch (const core::NotFoundError&) {
    return std::nullopt;
  }
  return body;
}

void S3ReplicaClient::write_lease(const std::string& body) {
  put_single(core::layout::lease_path(root_), body);
}

void S3ReplicaClient::delete_lease() {
  remove({core::layout::lease_path(root_)});
}

}  // namespace hs::storage
