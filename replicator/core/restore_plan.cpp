// Which generation, snapshot and WAL segments a restore uses (replica.go CalcRestoreTarget,
// GenerationTimeBounds, SnapshotIndexAt, SnapshotIndexByIndex, walSegmentMap).
#include <algorithm>
#include <map>

#include "core/error.h"
#include "core/restore.h"

namespace hs::core {

std::optional<GenerationBounds> generation_bounds(ReplicaClient& client, const std::string& generation) {
  std::optional<GenerationBounds> b;
  auto widen = [&](TimePoint t) {
    if (!b) {
      b = GenerationBounds{generation, t, t};
      return;
    }
    b->created_at = std::min(b->created_at, t);
    b->updated_at = std::max(b->updated_at, t);
  };
  for (const auto& s : client.snapshots(generation)) {
    widen(s.created_at);
    b->has_snapshot = true;
  }
  for (const auto& w : client.wal_segments(generation)) widen(w.created_at);
  return b;
}

std::optional<RestoreTarget> calc_restore_target(const std::vector<ReplicaClient*>& clients,
                                                 const RestoreOptions& opt) {
  std::optional<RestoreTarget> best;
  struct Passed {
    size_t client_index;
    std::string generation;
    TimePoint updated_at;
  };
  std::vector<Passed> without_snapshot;
  for (size_t i = 0; i < clients.size(); i++) {
    std::vector<std::string> generations;
    try {
      generations = clients[i]->generations();
    } catch (const Error& e) {
      throw Error(std::string("cannot fetch generations: ") + e.what());
    }
    for (const auto& gen : generations) {
      if (!opt.generation.empty() && gen != opt.generation) continue;
      auto b = generation_bounds(*clients[i], gen);
      if (!b) continue;  // no objects at all: nothing to restore from it
      if (opt.timestamp && (*opt.timestamp < b->created_at || *opt.timestamp > b->updated_at)) continue;
      // Unlike litestream 0.3.13 (which picks it and fails "no snapshots available"): a generation
      // whose first snapshot is still uploading cannot be restored, the one before it can. A named
      // generation is taken as it is.
      if (!b->has_snapshot && opt.generation.empty()) {
        without_snapshot.push_back({i, gen, b->updated_at});
        continue;
      }
      // Strictly later wins, as in litestream: the first candidate keeps ties.
      if (best && b->updated_at <= best->updated_at) continue;
      best = RestoreTarget{i, gen, b->updated_at, {}};
    }
  }
  if (best) {
    for (const auto& p : without_snapshot)
      if (p.updated_at > best->updated_at) best->without_snapshot.push_back(p.generation);
    return best;
  }
  // Only snapshot-less generations: the replica exists but cannot be restored. Picking the newest
  // (as litestream does) makes the restore fail naming it, never "no matching backups found",
  // which -if-replica-exists would take as "start empty".
  for (const auto& p : without_snapshot)
    if (!best || p.updated_at > best->updated_at) best = RestoreTarget{p.client_index, p.generation, p.updated_at, {}};
  return best;
}

void warn_passed_over(const RestoreTarget& target, const EventLogFn& log) {
  for (const auto& g : target.without_snapshot)
    EventLog(log, {}).warn("newer generation has no snapshot yet, restoring an older one",
                           {{"skipped", g}, {"generation", target.generation}});
}

int64_t pick_snapshot_index(const std::vector<SnapshotInfo>& snapshots, int64_t max_index,
                            const std::optional<TimePoint>& timestamp) {
  int64_t picked = -1;
  if (max_index < layout::kMaxIndex) {
    // SnapshotIndexByIndex: the highest snapshot index not past max_index. (v0.3.13's comparison
    // is always true and takes the last listed one; listings are sorted, so that is the same.)
    for (const auto& s : snapshots)
      if (s.index <= max_index) picked = std::max(picked, s.index);
  } else {
    // SnapshotIndexAt: the newest snapshot (by creation time) not after the timestamp.
    std::optional<TimePoint> newest;
    for (const auto& s : snapshots) {
      if (timestamp && s.created_at > *timestamp) continue;
      if (!newest || s.created_at > *newest) {
        newest = s.created_at;
        picked = s.index;
      }
    }
  }
  if (picked < 0) throw NotFoundError("no snapshots available");
  return picked;
}

std::vector<WalIndexPlan> plan_wal_indexes(const std::string& generation, const std::vector<WalSegmentInfo>& segments,
                                           int64_t min_index, int64_t max_index,
                                           const std::optional<TimePoint>& timestamp) {
  std::vector<WalSegmentInfo> sorted = segments;
  std::stable_sort(sorted.begin(), sorted.end(), [](const WalSegmentInfo& a, const WalSegmentInfo& b) {
    return std::pair(a.index, a.offset) < std::pair(b.index, b.offset);
  });
  std::map<int64_t, std::vector<WalSegmentInfo>> by_index;
  for (const auto& seg : sorted) {
    // Stop at the first segment past the point in time or the index, as walSegmentMap does.
    if (timestamp && seg.created_at > *timestamp) break;
    if (seg.index > max_index) break;
    // Indexes older than the snapshot are not replayed; v0.3.13 still demands their first
    // segment (issues #224, #535), which fails restores that need nothing from them.
    if (seg.index < min_index) continue;
    auto& list = by_index[seg.index];
    if (list.empty() && seg.offset != 0)
      throw CorruptError("missing initial wal segment: generation=" + generation +
                         " index=" + layout::hex08(seg.index) + " offset=" + std::to_string(seg.offset));
    if (!list.empty() && list.back().offset >= seg.offset)
      throw CorruptError("wal segments out of order: generation=" + generation + " index=" + layout::hex08(seg.index) +
                         " offsets=(" + std::to_string(list.back().offset) + "," + std::to_string(seg.offset) + ")");
    list.push_back(seg);
  }
  std::vector<WalIndexPlan> plan;
  if (by_index.empty()) return plan;
  int64_t last = by_index.rbegin()->first;
  for (int64_t index = min_index; index <= last; index++) {
    auto it = by_index.find(index);
    if (it == by_index.end()) throw CorruptError("missing WAL index: " + generation + "/" + layout::hex08(index));
    plan.push_back(WalIndexPlan{index, std::move(it->second)});
  }
  return plan;
}

}  // namespace hs::core
