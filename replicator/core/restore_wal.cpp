#include "core/restore_wal.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/big_buffer.h"
#include "core/error.h"
#include "core/layout.h"
#include "core/lz4_frame.h"
#include "core/segment_decoder.h"
#include "core/wal.h"

namespace hs::core {
namespace {

// Writes verified frames' pages into the database file, as a checkpoint does: each page at
// (pgno-1)*page_size (a later frame for the same page replaces it) and, at every commit frame,
// the file cut or extended to the "database size after commit". Pages wait in a bounded cache
// (WalApplyTarget::cache_bytes) keyed by page number, so a page rewritten by many transactions of one index is
// written once, and a flush writes runs of consecutive pages with one pwritev each.
class PageWriter {
 public:
  explicit PageWriter(WalApplyTarget& db)
      : db_(db), capacity_(std::max<size_t>(1, db.cache_bytes / db.page_size)), slab_(capacity_ * db.page_size) {
    slot_of_.reserve(capacity_);
  }
  void page(uint32_t pgno, const uint8_t* p) {
    auto it = slot_of_.find(pgno);
    if (it == slot_of_.end()) {
      if (slot_of_.size() == capacity_) flush();
      it = slot_of_.emplace(pgno, slot_of_.size()).first;
    }
    std::memcpy(slab_.data() + it->second * db_.page_size, p, db_.page_size);
    int64_t end = static_cast<int64_t>(pgno) * db_.page_size;
    db_.size = std::max<int64_t>(db_.size, end);
  }
  void commit(uint32_t commit_pages) {
    int64_t want = static_cast<int64_t>(commit_pages) * db_.page_size;
    if (want == db_.size) return;
    // Pages past the new end are gone, as SQLite's checkpoint truncates them away.
    for (auto it = slot_of_.begin(); it != slot_of_.end();) it = it->first > commit_pages ? slot_of_.erase(it) : ++it;
    compact();
    if (::ftruncate(db_.fd, static_cast<off_t>(want)) != 0)
      throw Error("cannot resize " + db_.path + ": " + std::strerror(errno));
    db_.size = want;
  }
  // Writes every cached page; call before anything reads the file.
  void flush() {
    std::vector<std::pair<uint32_t, size_t>> pages(slot_of_.begin(), slot_of_.end());
    std::sort(pages.begin(), pages.end());
    const size_t ps = db_.page_size;
    for (size_t i = 0; i < pages.size();) {
      size_t j = i + 1;  // a run of consecutive pages, at most IOV_MAX of them
      while (j < pages.size() && j - i < IOV_MAX && pages[j].first == pages[j - 1].first + 1) ++j;
      std::vector<iovec> iov(j - i);
      for (size_t k = i; k < j; ++k) iov[k - i] = {slab_.data() + pages[k].second * ps, ps};
      write_run(static_cast<off_t>(pages[i].first - 1) * static_cast<off_t>(ps), iov);
      i = j;
    }
    slot_of_.clear();
  }
  uint32_t page_size() const { return db_.page_size; }

 private:
  void write_run(off_t off, std::vector<iovec>& iov) {
    size_t at = 0;
    while (at < iov.size()) {
      ssize_t k = ::pwritev(db_.fd, iov.data() + at, static_cast<int>(std::min<size_t>(iov.size() - at, IOV_MAX)), off);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) throw Error("cannot write " + db_.path + ": " + std::strerror(errno));
      off += k;
      // Skip what was written; a short write resumes inside a page.
      for (size_t left = static_cast<size_t>(k); left > 0 && at < iov.size();) {
        if (left >= iov[at].iov_len) {
          left -= iov[at].iov_len;
          ++at;
        } else {
          iov[at].iov_base = static_cast<char*>(iov[at].iov_base) + left;
          iov[at].iov_len -= left;
          left = 0;
        }
      }
    }
  }
  // After erasing pages, moves the survivors to slots 0..n-1 so new pages take the free ones.
  void compact() {
    size_t next = 0;
    const size_t ps = db_.page_size;
    std::vector<std::pair<uint32_t, size_t>> pages(slot_of_.begin(), slot_of_.end());
    std::sort(pages.begin(), pages.end(), [](auto& a, auto& b) { return a.second < b.second; });
    for (auto& [pgno, slot] : pages) {
      if (slot != next) std::memmove(slab_.data() + next * ps, slab_.data() + slot * ps, ps);
      slot_of_[pgno] = next++;
    }
  }

  WalApplyTarget& db_;
  size_t capacity_;
  BigBuffer slab_;                                // a small WAL touches few of its pages
  std::unordered_map<uint32_t, size_t> slot_of_;  // page number -> slot in slab_
};

// Checks a WAL byte stream as it arrives: the header first, then whole frames.
class WalStreamChecker {
 public:
  WalStreamChecker(std::string generation, int64_t index) : generation_(std::move(generation)), index_(index) {}

  // Feeds bytes of the segment `what`; every complete frame is verified before it is accepted.
  void feed(const uint8_t* p, size_t n, const std::string& what, PageWriter& out) {
    while (n > 0) {
      // Whole frames straight from the caller's buffer; only a frame split across reads is copied.
      if (header_ && pending_.empty()) {
        size_t fs = static_cast<size_t>(wal::frame_size(header_->page_size));
        if (n >= fs) {
          accept(p, fs, what, out);
          p += fs;
          n -= fs;
          continue;
        }
      }
      size_t want =
          (header_ ? static_cast<size_t>(wal::frame_size(header_->page_size)) : wal::kHeaderSize) - pending_.size();
      size_t k = std::min(want, n);
      pending_.insert(pending_.end(), p, p + k);
      p += k;
      n -= k;
      if (k == want) {
        accept(pending_.data(), pending_.size(), what, out);
        pending_.clear();
      }
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
      throw CorruptError("wal index " + generation_ + "/" + layout::hex08(index_) +
                         " ends without a commit frame (in " + last_what + ")");
  }

  int64_t bytes() const { return bytes_; }
  int64_t frames() const { return frames_; }
  uint32_t page_size() const { return header_ ? header_->page_size : 0; }

 private:
  void accept(const uint8_t* data, size_t size, const std::string& what, PageWriter& out) {
    if (!header_) {
      header_ = wal::parse_header(data, what);
      if (header_->page_size != out.page_size())
        throw CorruptError("wal segment " + what + " has page size " + std::to_string(header_->page_size) +
                           " but the snapshot's database has " + std::to_string(out.page_size()));
      verifier_.emplace(*header_);
    } else {
      auto r = verifier_->check(data);
      if (r != wal::FrameVerifier::Result::ok)
        throw CorruptError(std::string("wal segment ") + what + ": frame at WAL offset " + std::to_string(bytes_) +
                           (r == wal::FrameVerifier::Result::salt_mismatch
                                ? " has salts that do not match the WAL header"
                                : " fails its checksum"));
      frames_++;
      auto fh = wal::parse_frame_header(data);
      if (fh.pgno == 0)
        throw CorruptError(std::string("wal segment ") + what + ": frame at WAL offset " + std::to_string(bytes_) +
                           " names page 0");
      out.page(fh.pgno, data + wal::kFrameHeaderSize);
      if (fh.is_commit()) out.commit(fh.commit_size);
      last_commit_ = fh.is_commit();
    }
    bytes_ += static_cast<int64_t>(size);
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

// The segment's object name, for errors: "<generation>/wal/<index>_<offset>.wal.lz4".
static std::string segment_what(const std::string& generation, const WalSegmentInfo& seg) {
  return layout::join(layout::join(generation, "wal"), layout::wal_segment_name(seg.index, seg.offset));
}

struct WalApplier::State {
  State(ReplicaClient& client, std::string gen, std::vector<WalIndexPlan> indexes, WalApplyTarget& db, size_t decoders)
      : generation(std::move(gen)), plan(std::move(indexes)), out(db), decoder(client, jobs(), decoders) {}
  std::vector<SegmentDecoder::Job> jobs() const {
    std::vector<SegmentDecoder::Job> all;
    for (const auto& idx : plan)
      for (const auto& seg : idx.segments) all.push_back({seg.pos(), segment_what(generation, seg)});
    return all;
  }
  std::string generation;
  std::vector<WalIndexPlan> plan;
  PageWriter out;  // one page cache for all indexes: a page rewritten in many of them is written once
  SegmentDecoder decoder;
  size_t next_index = 0;
  size_t next_job = 0;
};

WalApplier::WalApplier(ReplicaClient& client, std::string generation, std::vector<WalIndexPlan> plan,
                       WalApplyTarget& db, size_t decoders)
    : s_(std::make_unique<State>(client, std::move(generation), std::move(plan), db, decoders)) {}

WalApplier::~WalApplier() = default;

AppliedWal WalApplier::apply_next(const std::atomic<bool>& cancel) {
  State& s = *s_;
  if (s.next_index == s.plan.size()) throw Error("restore: no WAL index left to apply");
  const WalIndexPlan& plan = s.plan[s.next_index++];
  WalStreamChecker checker(s.generation, plan.index);
  std::string what;
  for (const auto& seg : plan.segments) {
    if (cancel) throw Error("restore cancelled");
    size_t job = s.next_job++;
    what = segment_what(s.generation, seg);
    // Segments of one index are consecutive byte ranges of one WAL file: a segment that does not
    // start where the previous one ended means data is missing (or duplicated).
    if (seg.offset != checker.bytes())
      throw CorruptError("gap in wal index " + s.generation + "/" + layout::hex08(plan.index) + ": segment " + what +
                         " starts at offset " + std::to_string(seg.offset) + " but the previous segments end at " +
                         std::to_string(checker.bytes()));
    for (auto piece = s.decoder.next(job); !piece.empty(); piece = s.decoder.next(job))
      checker.feed(piece.data(), piece.size(), what, s.out);
    checker.end_segment(what);
  }
  checker.finish(what);
  if (s.next_index == s.plan.size()) s.out.flush();
  return AppliedWal{checker.frames(), checker.bytes()};
}

AppliedWal apply_wal_index(ReplicaClient& client, const std::string& generation, const WalIndexPlan& plan,
                           WalApplyTarget& db, const std::atomic<bool>& cancel) {
  return WalApplier(client, generation, {plan}, db).apply_next(cancel);
}

}  // namespace hs::core
