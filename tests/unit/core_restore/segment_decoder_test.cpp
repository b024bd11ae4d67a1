// SegmentDecoder (restore's parallel LZ4 decoding of WAL segments) and PrefetchingClient's
// tolerance of the decoders' out-of-order opens.
#include "core/segment_decoder.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "core/error.h"
#include "core/lz4_frame.h"
#include "core/restore_prefetch.h"
#include "replica_fixture.h"

using namespace hs::core;

namespace {

const std::string kGen = "0123456789abcdef";

// Serves LZ4 frames by WAL offset from memory and counts the opens.
class MemoryClient : public ReplicaClient {
 public:
  std::map<int64_t, std::string> objects;  // offset -> stored bytes
  std::atomic<int> opens{0};
  bool remote_ = false;

  std::string type() const override { return "memory"; }
  bool remote() const override { return remote_; }
  std::vector<std::string> generations() override { return {}; }
  void delete_generation(const std::string&) override {}
  std::vector<SnapshotInfo> snapshots(const std::string&) override { return {}; }
  SnapshotInfo write_snapshot(const std::string&, int64_t, Reader&) override { throw Error("unused"); }
  std::unique_ptr<Reader> open_snapshot(const std::string&, int64_t) override { throw Error("unused"); }
  void delete_snapshot(const std::string&, int64_t) override {}
  std::vector<WalSegmentInfo> wal_segments(const std::string&) override { return {}; }
  WalSegmentInfo write_wal_segment(const Pos&, Reader&) override { throw Error("unused"); }
  std::unique_ptr<Reader> open_wal_segment(const Pos& pos) override {
    ++opens;
    auto it = objects.find(pos.offset);
    if (it == objects.end()) throw NotFoundError("no segment at " + std::to_string(pos.offset));
    return std::make_unique<MemoryReader>(it->second);
  }
  void delete_wal_segments(const std::vector<Pos>&) override {}
};

// Bytes that compress a little and differ per job, so a swapped or repeated piece shows.
std::string content(size_t job, size_t size) {
  std::string s(size, '\0');
  uint32_t x = 2654435761u * static_cast<uint32_t>(job + 1);
  for (size_t i = 0; i < size; i++) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>((i % 7 == 0) ? (x >> 24) : 'a' + job);
  }
  return s;
}

std::vector<SegmentDecoder::Job> jobs_for(size_t n) {
  std::vector<SegmentDecoder::Job> jobs;
  for (size_t j = 0; j < n; j++) jobs.push_back({Pos{kGen, 0, int64_t(j)}, "job" + std::to_string(j)});
  return jobs;
}

std::string read_job(SegmentDecoder& d, size_t job) {
  std::string out;
  for (auto piece = d.next(job); !piece.empty(); piece = d.next(job))
    out.append(reinterpret_cast<const char*>(piece.data()), piece.size());
  return out;
}

}  // namespace

TEST_CASE("segments decode in order whatever the workers, chunk size and segment sizes") {
  // Sizes around the chunk size (1000 bytes here), an empty frame, and several chunks' worth.
  const std::vector<size_t> sizes = {0, 1, 999, 1000, 1001, 5000, 12345, 3, 2000};
  MemoryClient client;
  for (size_t j = 0; j < sizes.size(); j++) client.objects[int64_t(j)] = lz4_compress(content(j, sizes[j]));
  for (size_t workers : {1, 2, 3, 16}) {
    for (size_t chunks : {1, 2, 4}) {
      SegmentDecoder d(client, jobs_for(sizes.size()), workers, chunks, 1000);
      for (size_t j = 0; j < sizes.size(); j++) {
        INFO("workers " << workers << " chunks " << chunks << " job " << j);
        CHECK(read_job(d, j) == content(j, sizes[j]));
      }
    }
  }
}

TEST_CASE("a corrupt or missing segment throws at its own turn, after every byte before it") {
  MemoryClient client;
  for (size_t j = 0; j < 5; j++) client.objects[int64_t(j)] = lz4_compress(content(j, 3000));
  SECTION("corrupt frame") {
    std::string& bad = client.objects[2];
    bad[bad.size() / 2] ^= 0x40;
  }
  SECTION("missing object") {
    client.objects.erase(2);
  }
  SegmentDecoder d(client, jobs_for(5), 2, 2, 1000);
  CHECK(read_job(d, 0) == content(0, 3000));
  CHECK(read_job(d, 1) == content(1, 3000));
  bool threw = false;
  try {
    read_job(d, 2);
  } catch (const CorruptError& e) {
    threw = true;
    CHECK(std::string(e.what()).find("job2") != std::string::npos);
  } catch (const NotFoundError&) {
    threw = true;
  }
  CHECK(threw);
}

TEST_CASE("a decoder dropped mid-way stops its workers (no hang, nothing leaked)") {
  MemoryClient client;
  for (size_t j = 0; j < 20; j++) client.objects[int64_t(j)] = lz4_compress(content(j, 50000));
  for (int round = 0; round < 20; round++) {
    SegmentDecoder d(client, jobs_for(20), 2, 1, 1000);
    auto piece = d.next(0);  // one chunk of the first job, then gone
    CHECK(piece.size() == 1000);
  }
}

TEST_CASE("reading a job out of order is an error, not another job's bytes") {
  MemoryClient client;
  for (size_t j = 0; j < 4; j++) client.objects[int64_t(j)] = lz4_compress(content(j, 10));
  SegmentDecoder d(client, jobs_for(4), 2, 2, 1000);
  CHECK_THROWS_AS(d.next(2), Error);  // job 2 shares job 0's lane: its head is job 0's
}

TEST_CASE("prefetched segments opened out of order are still served from the prefetch") {
  fixture::TempDir dir;
  MemoryClient client;
  client.remote_ = true;
  std::vector<Pos> order;
  for (size_t j = 0; j < 4; j++) {
    client.objects[int64_t(j)] = lz4_compress(content(j, 100));
    order.push_back(Pos{kGen, 0, int64_t(j)});
  }
  PrefetchingClient prefetch(client, order, 4, dir.path.string());
  // The second decoder thread may ask for segment 1 before the first asks for segment 0.
  for (int j : {1, 0, 3, 2}) {
    auto r = prefetch.open_wal_segment(order[j]);
    CHECK(lz4_decompress(read_all(*r), "seg") == content(j, 100));
  }
  CHECK(client.opens == 4);  // each downloaded once, none fetched again directly
}
