#include "core/restore_wal.h"

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "core/error.h"
#include "core/layout.h"
#include "core/lz4_frame.h"
#include "core/wal.h"

namespace hs::core {
namespace {

// Writes verified frames' pages into the database file, as a checkpoint does: each page at
// (pgno-1)*page_size (a later frame for the same page overwrites it) and, at every commit frame,
// the file cut or extended to the "database size after commit".
class PageWriter {
 public:
  explicit PageWriter(WalApplyTarget& db) : db_(db) {}
  void page(uint32_t pgno, const uint8_t* p) {
    off_t off = static_cast<off_t>(pgno - 1) * db_.page_size;
    for (size_t done = 0; done < db_.page_size;) {
      ssize_t k = ::pwrite(db_.fd, p + done, db_.page_size - done, off + static_cast<off_t>(done));
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) throw Error("cannot write " + db_.path + ": " + std::strerror(errno));
      done += static_cast<size_t>(k);
    }
    db_.size = std::max<int64_t>(db_.size, static_cast<int64_t>(off) + db_.page_size);
  }
  void commit(uint32_t commit_pages) {
    int64_t want = static_cast<int64_t>(commit_pages) * db_.page_size;
    if (want == db_.size) return;
    if (::ftruncate(db_.fd, static_cast<off_t>(want)) != 0)
      throw Error("cannot resize " + db_.path + ": " + std::strerror(errno));
    db_.size = want;
  }
  uint32_t page_size() const { return db_.page_size; }

 private:
  WalApplyTarget& db_;
};

// Checks a WAL byte stream as it arrives: the header first, then whole frames.
class WalStreamChecker {
 public:
  WalStreamChecker(std::string generation, int64_t index) : generation_(std::move(generation)), index_(index) {}

  // Feeds bytes of the segment `what`; every complete frame is verified before it is accepted.
  void feed(const uint8_t* p, size_t n, const std::string& what, PageWriter& out) {
    while (n > 0) {
      size_t want = (header_ ? static_cast<size_t>(wal::frame_size(header_->page_size)) : wal::kHeaderSize) - pending_.size();
      size_t k = std::min(want, n);
      pending_.insert(pending_.end(), p, p + k);
      p += k;
      n -= k;
      if (k == want) accept(what, out);
    }
  }

  // Called at the end of each segment: segments hold whole frames only.
  void end_segment(const std::string& what) {
    if (!pending_.empty())
      throw CorruptError("wal segment " + what + " ends inside a " + (header_ ? "frame" : "WAL header") + " (" +
                         std::to_string(pending_.size()) + " stray bytes)");
  }

  // Called after the last segment: the index must hold a header and end on a commit frame,
  // otherwise SQLite would quietly drop the trailing frames.
  void finish(const std::string& last_what) {
    if (!header_) throw CorruptError("wal index " + generation_ + "/" + layout::hex08(index_) + " has no WAL header");
    if (frames_ > 0 && !last_commit_)
      throw CorruptError("wal index " + generation_ + "/" + layout::hex08(index_) + " ends without a commit frame (in " +
                         last_what + ")");
  }

  int64_t bytes() const { return bytes_; }
  int64_t frames() const { return frames_; }
  uint32_t page_size() const { return header_ ? header_->page_size : 0; }

 private:
  void accept(const std::string& what, PageWriter& out) {
    if (!header_) {
      header_ = wal::parse_header(pending_.data(), what);
      if (header_->page_size != out.page_size())
        throw CorruptError("wal segment " + what + " has page size " + std::to_string(header_->page_size) +
                           " but the snapshot's database has " + std::to_string(out.page_size()));
      verifier_.emplace(*header_);
    } else {
      auto r = verifier_->check(pending_.data());
      if (r != wal::FrameVerifier::Result::ok)
        throw CorruptError(std::string("wal segment ") + what + ": frame at WAL offset " + std::to_string(bytes_) +
                           (r == wal::FrameVerifier::Result::salt_mismatch ? " has salts that do not match the WAL header"
                                                                           : " fails its checksum"));
      frames_++;
      auto fh = wal::parse_frame_header(pending_.data());
      if (fh.pgno == 0)
        throw CorruptError(std::string("wal segment ") + what + ": frame at WAL offset " + std::to_string(bytes_) +
                           " names page 0");
      out.page(fh.pgno, pending_.data() + wal::kFrameHeaderSize);
      if (fh.is_commit()) out.commit(fh.commit_size);
      last_commit_ = fh.is_commit();
    }
    bytes_ += static_cast<int64_t>(pending_.size());
    pending_.clear();
  }

  std::string generation_;
  int64_t index_;
  std::optional<wal::Header> header_;
  std::optional<wal::FrameVerifier> verifier_;
  std::vector<uint8_t> pending_;
  int64_t bytes_ = 0;
  int64_t frames_ = 0;
  bool last_commit_ = false;
};

}  // namespace

AppliedWal apply_wal_index(ReplicaClient& client, const std::string& generation, const WalIndexPlan& plan,
                           WalApplyTarget& db, const std::atomic<bool>& cancel) {
  PageWriter out(db);
  WalStreamChecker checker(generation, plan.index);
  std::vector<uint8_t> buf(256 * 1024);
  std::string what;
  for (const auto& seg : plan.segments) {
    if (cancel) throw Error("restore cancelled");
    what = layout::join(layout::join(generation, "wal"), layout::wal_segment_name(seg.index, seg.offset));
    // Segments of one index are consecutive byte ranges of one WAL file: a segment that does not
    // start where the previous one ended means data is missing (or duplicated).
    if (seg.offset != checker.bytes())
      throw CorruptError("gap in wal index " + generation + "/" + layout::hex08(plan.index) + ": segment " + what +
                         " starts at offset " + std::to_string(seg.offset) + " but the previous segments end at " +
                         std::to_string(checker.bytes()));
    auto raw = client.open_wal_segment(seg.pos());
    Lz4DecompressReader z(*raw, what);
    for (size_t k; (k = z.read(buf.data(), buf.size())) > 0;) checker.feed(buf.data(), k, what, out);
    checker.end_segment(what);
  }
  checker.finish(what);
  return AppliedWal{checker.frames(), checker.bytes()};
}

}  // namespace hs::core
