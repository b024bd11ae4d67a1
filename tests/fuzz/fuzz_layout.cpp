// Replica object names and positions: each input line is a path from a replica listing
// ("generations/<gen>/snapshots/<index>.snapshot.lz4", ".../wal/<index>_<offset>.wal.lz4"), as the
// file and S3 clients see them. The parsed segments then go through plan_wal_indexes, which
// turns a listing into the restore plan.
// Properties: names parse back to the numbers they were formatted from; a plan (when not refused
// with CorruptError) covers consecutive indexes, each starting at offset 0 with strictly
// increasing offsets — a restore never applies a listing with a hole.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/layout.h"
#include "core/pos.h"
#include "core/restore.h"
#include "fuzz_check.h"

using namespace hs::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string gen = "0123456789abcdef";
  std::vector<WalSegmentInfo> segments;
  std::optional<int64_t> min_index;
  for (std::string_view line : hs::fuzz::lines(hs::fuzz::as_text(data, size), 256)) {
    std::string_view name = line.substr(line.rfind('/') + 1);  // npos + 1 == 0: the whole line
    if (layout::is_generation_name(name))
      FUZZ_CHECK(layout::generation_path("r", name) == "r/generations/" + std::string(name), std::string(name));
    if (auto index = layout::parse_snapshot_name(name)) {
      FUZZ_CHECK(*index >= 0, std::string(name));
      FUZZ_CHECK(layout::parse_snapshot_name(layout::snapshot_name(*index)) == index, std::string(name));
      if (!min_index || *index > *min_index) min_index = *index;
    }
    if (auto io = layout::parse_wal_segment_name(name)) {
      FUZZ_CHECK(io->index >= 0 && io->offset >= 0, std::string(name));
      auto back = layout::parse_wal_segment_name(layout::wal_segment_name(io->index, io->offset));
      FUZZ_CHECK(back && back->index == io->index && back->offset == io->offset, std::string(name));
      Pos pos{gen, io->index, io->offset};
      FUZZ_CHECK(!pos.str().empty() && pos.truncate().offset == 0, pos.str());
      FUZZ_CHECK(layout::wal_segment_path("", gen, io->index, io->offset) ==
                     "generations/" + gen + "/wal/" + layout::wal_segment_name(io->index, io->offset),
                 std::string(name));
      WalSegmentInfo seg;
      seg.generation = gen;
      seg.index = io->index;
      seg.offset = io->offset;
      segments.push_back(seg);
    }
  }
  try {
    auto plan = plan_wal_indexes(gen, segments, min_index.value_or(0), layout::kMaxIndex, std::nullopt);
    for (size_t i = 0; i < plan.size(); i++) {
      FUZZ_CHECK(plan[i].index == min_index.value_or(0) + int64_t(i), "indexes not consecutive");
      FUZZ_CHECK(!plan[i].segments.empty() && plan[i].segments[0].offset == 0, "index does not start at 0");
      for (size_t k = 1; k < plan[i].segments.size(); k++)
        FUZZ_CHECK(plan[i].segments[k].offset > plan[i].segments[k - 1].offset, "offsets not increasing");
    }
  } catch (const CorruptError&) {
  }
  return 0;
}
