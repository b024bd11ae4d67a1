#include <catch2/catch.hpp>
#include <map>

#include "core/error.h"
#include "core/restore.h"

using namespace hs::core;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint(std::chrono::seconds(1'700'000'000));
const std::string gen = "1d2cf359803de756";

WalSegmentInfo seg(int64_t index, int64_t offset, int sec) {
  return WalSegmentInfo{gen, index, offset, 10, t0 + std::chrono::seconds(sec)};
}
SnapshotInfo snap(int64_t index, int sec) {
  return SnapshotInfo{gen, index, 10, t0 + std::chrono::seconds(sec)};
}

// A ReplicaClient that only answers listings (selection never opens objects).
class ListingClient : public ReplicaClient {
 public:
  std::map<std::string, std::pair<std::vector<SnapshotInfo>, std::vector<WalSegmentInfo>>> gens;
  std::string type() const override { return "test"; }
  std::vector<std::string> generations() override {
    std::vector<std::string> out;
    for (auto& [g, _] : gens) out.push_back(g);
    return out;
  }
  void delete_generation(const std::string&) override {}
  std::vector<SnapshotInfo> snapshots(const std::string& g) override { return gens[g].first; }
  SnapshotInfo write_snapshot(const std::string&, int64_t, Reader&) override { throw Error("unused"); }
  std::unique_ptr<Reader> open_snapshot(const std::string&, int64_t) override { throw Error("unused"); }
  void delete_snapshot(const std::string&, int64_t) override {}
  std::vector<WalSegmentInfo> wal_segments(const std::string& g) override { return gens[g].second; }
  WalSegmentInfo write_wal_segment(const Pos&, Reader&) override { throw Error("unused"); }
  std::unique_ptr<Reader> open_wal_segment(const Pos&) override { throw Error("unused"); }
  void delete_wal_segments(const std::vector<Pos>&) override {}
};

std::vector<int64_t> indexes(const std::vector<WalIndexPlan>& p) {
  std::vector<int64_t> out;
  for (auto& w : p) out.push_back(w.index);
  return out;
}

}  // namespace

TEST_CASE("snapshot choice: newest by time not after the timestamp, or highest index not past -index") {
  std::vector<SnapshotInfo> s = {snap(0, 0), snap(3, 30), snap(7, 70)};
  CHECK(pick_snapshot_index(s, layout::kMaxIndex, std::nullopt) == 7);
  CHECK(pick_snapshot_index(s, layout::kMaxIndex, t0 + 45s) == 3);
  CHECK(pick_snapshot_index(s, layout::kMaxIndex, t0 + 30s) == 3);  // inclusive
  CHECK(pick_snapshot_index(s, 6, std::nullopt) == 3);
  CHECK(pick_snapshot_index(s, 7, std::nullopt) == 7);
  CHECK_THROWS_AS(pick_snapshot_index(s, layout::kMaxIndex, t0 - 1s), NotFoundError);
  CHECK_THROWS_AS(pick_snapshot_index({}, layout::kMaxIndex, std::nullopt), NotFoundError);
}

TEST_CASE("WAL plan: groups by index, stops at the time or index bound, skips indexes before the snapshot") {
  std::vector<WalSegmentInfo> w = {seg(0, 0, 0),    seg(0, 4152, 1), seg(1, 0, 2),
                                   seg(1, 4152, 3), seg(2, 0, 4),    seg(3, 0, 5)};
  auto all = plan_wal_indexes(gen, w, 0, layout::kMaxIndex, std::nullopt);
  CHECK(indexes(all) == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(all[0].segments.size() == 2);
  CHECK(indexes(plan_wal_indexes(gen, w, 1, 2, std::nullopt)) == std::vector<int64_t>{1, 2});
  auto timed = plan_wal_indexes(gen, w, 0, layout::kMaxIndex, t0 + 2s);
  CHECK(indexes(timed) == std::vector<int64_t>{0, 1});
  CHECK(timed[1].segments.size() == 1);  // cut inside index 1
  // Listing order does not matter.
  std::vector<WalSegmentInfo> shuffled = {w[5], w[2], w[0], w[4], w[3], w[1]};
  CHECK(indexes(plan_wal_indexes(gen, shuffled, 0, layout::kMaxIndex, std::nullopt)) ==
        std::vector<int64_t>{0, 1, 2, 3});
  // Nothing at or after the snapshot: snapshot-only restore.
  CHECK(plan_wal_indexes(gen, w, 9, layout::kMaxIndex, std::nullopt).empty());
}

TEST_CASE("WAL plan errors: missing initial segment, missing index") {
  std::vector<WalSegmentInfo> no_initial = {seg(0, 0, 0), seg(1, 4152, 1)};
  CHECK_THROWS_WITH(plan_wal_indexes(gen, no_initial, 0, layout::kMaxIndex, std::nullopt),
                    Catch::Contains("missing initial wal segment") && Catch::Contains("index=00000001"));
  std::vector<WalSegmentInfo> gap = {seg(0, 0, 0), seg(2, 0, 1)};
  CHECK_THROWS_WITH(plan_wal_indexes(gen, gap, 0, layout::kMaxIndex, std::nullopt),
                    Catch::Contains("missing WAL index: " + gen + "/00000001"));
  // The snapshot's own index missing while later ones exist is a gap too.
  CHECK_THROWS_AS(plan_wal_indexes(gen, gap, 1, layout::kMaxIndex, std::nullopt), CorruptError);
  // A broken index before the snapshot is irrelevant (v0.3.13 fails here; we do not need it).
  std::vector<WalSegmentInfo> old_broken = {seg(0, 4152, 0), seg(1, 0, 1)};
  CHECK(indexes(plan_wal_indexes(gen, old_broken, 1, layout::kMaxIndex, std::nullopt)) == std::vector<int64_t>{1});
}

TEST_CASE("restore target: latest updated generation across replicas, timestamp must fall inside") {
  ListingClient a, b;
  const std::string g1 = "0000000000000001", g2 = "0000000000000002", g3 = "0000000000000003";
  a.gens[g1] = {{SnapshotInfo{g1, 0, 1, t0}}, {WalSegmentInfo{g1, 0, 0, 1, t0 + 100s}}};
  a.gens[g2] = {{SnapshotInfo{g2, 0, 1, t0 + 200s}}, {WalSegmentInfo{g2, 0, 0, 1, t0 + 300s}}};
  b.gens[g3] = {{SnapshotInfo{g3, 0, 1, t0 + 150s}}, {WalSegmentInfo{g3, 0, 0, 1, t0 + 250s}}};
  b.gens["0000000000000004"] = {};  // empty generation directory: never a target
  std::vector<ReplicaClient*> clients = {&a, &b};

  RestoreOptions opt;
  auto t = calc_restore_target(clients, opt);
  REQUIRE(t);
  CHECK(t->client_index == 0);
  CHECK(t->generation == g2);
  CHECK(t->updated_at == t0 + 300s);

  opt.timestamp = t0 + 160s;  // inside g3 only (g1 ended at 100s, g2 starts at 200s)
  t = calc_restore_target(clients, opt);
  REQUIRE(t);
  CHECK(t->client_index == 1);
  CHECK(t->generation == g3);

  opt.timestamp = t0 + 50s;
  t = calc_restore_target(clients, opt);
  REQUIRE(t);
  CHECK(t->generation == g1);

  opt.timestamp = t0 + 1000s;
  CHECK_FALSE(calc_restore_target(clients, opt));

  opt.timestamp.reset();
  opt.generation = g1;
  t = calc_restore_target(clients, opt);
  REQUIRE(t);
  CHECK(t->generation == g1);
  opt.generation = "ffffffffffffffff";
  CHECK_FALSE(calc_restore_target(clients, opt));
  CHECK_FALSE(calc_restore_target({}, RestoreOptions{}));
}

TEST_CASE("restore target: a newer generation without a snapshot yet is passed over, and named") {
  // The replicator uploads a new generation's WAL before its first snapshot; until that is up the
  // generation cannot be restored, the one before it can (litestream 0.3.13 picks it and fails).
  ListingClient a;
  const std::string g1 = "0000000000000001", g2 = "0000000000000002";
  a.gens[g1] = {{SnapshotInfo{g1, 0, 1, t0}}, {WalSegmentInfo{g1, 0, 0, 1, t0 + 100s}}};
  a.gens[g2] = {{}, {WalSegmentInfo{g2, 0, 0, 1, t0 + 200s}}};
  std::vector<ReplicaClient*> clients = {&a};
  auto t = calc_restore_target(clients, RestoreOptions{});
  REQUIRE(t);
  CHECK(t->generation == g1);
  CHECK(t->without_snapshot == std::vector<std::string>{g2});
  std::vector<std::string> warned;
  warn_passed_over(*t, [&](LogLevel level, const std::string& msg, const LogFields&) {
    if (level == LogLevel::warn) warned.push_back(msg);
  });
  CHECK(warned == std::vector<std::string>{"newer generation has no snapshot yet, restoring an older one"});
  RestoreOptions named;
  named.generation = g2;  // asked for by name: taken as it is (the restore then says why it fails)
  t = calc_restore_target(clients, named);
  REQUIRE(t);
  CHECK(t->generation == g2);
}

TEST_CASE("restore target: when no generation has a snapshot the newest is picked, never 'no backups'") {
  // -if-replica-exists takes "no matching backups found" as "start empty": a replica holding only
  // WAL segments exists and must make the restore fail, naming the generation.
  ListingClient a, b;
  const std::string g1 = "0000000000000001", g2 = "0000000000000002";
  a.gens[g1] = {{}, {WalSegmentInfo{g1, 0, 0, 1, t0 + 100s}}};
  b.gens[g2] = {{}, {WalSegmentInfo{g2, 0, 0, 1, t0 + 200s}}};
  std::vector<ReplicaClient*> clients = {&a, &b};
  auto t = calc_restore_target(clients, RestoreOptions{});
  REQUIRE(t);
  CHECK(t->generation == g2);
  CHECK(t->client_index == 1);
  CHECK(t->without_snapshot.empty());
  RestoreOptions opt;
  opt.generation = g2;
  opt.output_path = "/nonexistent-dir-for-test/out.db";
  CHECK_THROWS_WITH(restore(b, opt), Catch::Matchers::Contains("no snapshots available in generation " + g2));
}
