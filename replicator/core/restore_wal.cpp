#include "core/restore_wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "core/error.h"
#include "core/layout.h"
#include "core/lz4_frame.h"
#include "core/wal.h"

namespace hs::core {
namespace {

// Appends to a file through a buffer; closes on destruction.
class FileWriter {
 public:
  explicit FileWriter(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) throw Error("cannot create " + path + ": " + std::strerror(errno));
    buf_.reserve(kBuf);
  }
  ~FileWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write(const uint8_t* p, size_t n) {
    if (buf_.size() + n > kBuf) flush();
    if (n >= kBuf) {
      write_fully(p, n);
      return;
    }
    buf_.insert(buf_.end(), p, p + n);
  }
  void close() {
    flush();
    if (::close(fd_) != 0) {
      fd_ = -1;
      throw Error("cannot close " + path_ + ": " + std::strerror(errno));
    }
    fd_ = -1;
  }

 private:
  static constexpr size_t kBuf = 1 << 20;
  void flush() {
    write_fully(buf_.data(), buf_.size());
    buf_.clear();
  }
  void write_fully(const uint8_t* p, size_t n) {
    while (n > 0) {
      ssize_t k = ::write(fd_, p, n);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) throw Error("cannot write " + path_ + ": " + std::strerror(errno));
      p += k;
      n -= static_cast<size_t>(k);
    }
  }
  std::string path_;
  int fd_ = -1;
  std::vector<uint8_t> buf_;
};

// Checks a WAL byte stream as it arrives: the header first, then whole frames.
class WalStreamChecker {
 public:
  WalStreamChecker(std::string generation, int64_t index) : generation_(std::move(generation)), index_(index) {}

  // Feeds bytes of the segment `what`; every complete frame is verified before it is accepted.
  void feed(const uint8_t* p, size_t n, const std::string& what, FileWriter& out) {
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
  void accept(const std::string& what, FileWriter& out) {
    if (!header_) {
      header_ = wal::parse_header(pending_.data(), what);
      verifier_.emplace(*header_);
    } else {
      auto r = verifier_->check(pending_.data());
      if (r != wal::FrameVerifier::Result::ok)
        throw CorruptError(std::string("wal segment ") + what + ": frame at WAL offset " + std::to_string(bytes_) +
                           (r == wal::FrameVerifier::Result::salt_mismatch ? " has salts that do not match the WAL header"
                                                                           : " fails its checksum"));
      frames_++;
      last_commit_ = wal::parse_frame_header(pending_.data()).is_commit();
    }
    out.write(pending_.data(), pending_.size());
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

DownloadedWal download_wal_index(ReplicaClient& client, const std::string& generation, const WalIndexPlan& plan,
                                 const std::string& path, const std::atomic<bool>& cancel) {
  FileWriter out(path);
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
  out.close();
  return DownloadedWal{checker.frames(), checker.bytes(), checker.page_size()};
}

}  // namespace hs::core
