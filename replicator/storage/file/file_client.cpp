#include "storage/file/file_client.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "core/layout.h"
#include "storage/file/file_reader.h"

namespace hs::storage {

namespace layout = core::layout;
namespace fs = std::filesystem;

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

core::TimePoint mtime_of(const struct stat& st) {
  auto d = std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  return core::TimePoint(std::chrono::duration_cast<core::Clock::duration>(d));
}

// Names in `dir`; empty if it does not exist (a generation without snapshots yet, a new replica).
std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return names;
    throw core::Error("cannot list " + dir + ": " + errno_text());
  }
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) throw core::Error("cannot list " + dir + ": " + std::strerror(err));
  return names;
}

// stat() of a listed file; false if it vanished meanwhile (retention running concurrently).
bool stat_file(const std::string& path, struct stat& st) {
  if (::stat(path.c_str(), &st) == 0) return S_ISREG(st.st_mode);
  if (errno == ENOENT) return false;
  throw core::Error("cannot stat " + path + ": " + errno_text());
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw core::Error("cannot open directory " + dir + ": " + errno_text());
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw core::Error("cannot fsync directory " + dir + ": " + std::strerror(err));
}

void remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw core::Error("cannot delete " + path + ": " + errno_text());
}

}  // namespace

FileReplicaClient::FileReplicaClient(std::string root, mode_t file_mode, mode_t dir_mode)
    : root_(std::move(root)), file_mode_(file_mode), dir_mode_(dir_mode) {
  if (root_.empty()) throw core::Error("file replica path required");
}

std::vector<std::string> FileReplicaClient::generations() {
  std::vector<std::string> out;
  std::string dir = layout::generations_path(root_);
  for (auto& name : list_dir(dir)) {
    struct stat st;
    if (!layout::is_generation_name(name)) continue;
    if (::stat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void FileReplicaClient::delete_generation(const std::string& generation) {
  std::error_code ec;
  // Snapshots first: a restore running meanwhile then misses its snapshot and fails, rather than
  // finding it with the end of its WAL already gone (remove_all keeps no order).
  fs::remove_all(layout::snapshots_path(root_, generation), ec);
  if (!ec) fs::remove_all(layout::generation_path(root_, generation), ec);
  if (ec)
    throw core::Error("cannot delete generation " + layout::generation_path(root_, generation) + ": " + ec.message());
}

std::vector<core::SnapshotInfo> FileReplicaClient::snapshots(const std::string& generation) {
  std::vector<core::SnapshotInfo> out;
  std::string dir = layout::snapshots_path(root_, generation);
  for (auto& name : list_dir(dir)) {
    auto index = layout::parse_snapshot_name(name);
    struct stat st;
    if (!index || !stat_file(dir + "/" + name, st)) continue;
    out.push_back(core::SnapshotInfo{generation, *index, static_cast<int64_t>(st.st_size), mtime_of(st)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

core::SnapshotInfo FileReplicaClient::write_snapshot(const std::string& generation, int64_t index, core::Reader& data) {
  std::string path = layout::snapshot_path(root_, generation, index);
  std::string dir = layout::snapshots_path(root_, generation);
  make_dirs(dir);
  write_atomically(path, data);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw core::Error("cannot stat " + path + ": " + errno_text());
  // A replicator killed (kill -9, OOM) inside a snapshot leaves "<snapshot>.tmp", a whole database in
  // size, that nothing would remove before retention drops the generation. Snapshots of a replica are
  // written one at a time by its one writer (the lease), so any other staging file here is such a
  // leftover (found by tests/e2e/faults/faults_kill.py).
  for (const auto& name : list_dir(dir)) {
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0 &&
        layout::parse_snapshot_name(name.substr(0, name.size() - 4)))
      remove_file(dir + "/" + name);
  }
  return core::SnapshotInfo{generation, index, static_cast<int64_t>(st.st_size), mtime_of(st)};
}

std::unique_ptr<core::Reader> FileReplicaClient::open_snapshot(const std::string& generation, int64_t index) {
  return std::make_unique<FileReader>(layout::snapshot_path(root_, generation, index));
}

void FileReplicaClient::delete_snapshot(const std::string& generation, int64_t index) {
  remove_file(layout::snapshot_path(root_, generation, index));
}

std::vector<core::WalSegmentInfo> FileReplicaClient::wal_segments(const std::string& generation) {
  std::vector<core::WalSegmentInfo> out;
  std::string dir = layout::wal_path(root_, generation);
  for (auto& name : list_dir(dir)) {
    auto io = layout::parse_wal_segment_name(name);
    struct stat st;
    if (!io || !stat_file(dir + "/" + name, st)) continue;
    out.push_back(
        core::WalSegmentInfo{generation, io->index, io->offset, static_cast<int64_t>(st.st_size), mtime_of(st)});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return std::pair(a.index, a.offset) < std::pair(b.index, b.offset); });
  return out;
}

core::WalSegmentInfo FileReplicaClient::write_wal_segment(const core::Pos& pos, core::Reader& data) {
  std::string path = layout::wal_segment_path(root_, pos.generation, pos.index, pos.offset);
  make_dirs(layout::wal_path(root_, pos.generation));
  write_atomically(path, data);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw core::Error("cannot stat " + path + ": " + errno_text());
  return core::WalSegmentInfo{pos.generation, pos.index, pos.offset, static_cast<int64_t>(st.st_size), mtime_of(st)};
}

std::unique_ptr<core::Reader> FileReplicaClient::open_wal_segment(const core::Pos& pos) {
  return std::make_unique<FileReader>(layout::wal_segment_path(root_, pos.generation, pos.index, pos.offset));
}

void FileReplicaClient::delete_wal_segments(const std::vector<core::Pos>& positions) {
  for (const auto& pos : positions) remove_file(layout::wal_segment_path(root_, pos.generation, pos.index, pos.offset));
}

std::optional<std::string> FileReplicaClient::read_lease() {
  std::string path = layout::lease_path(root_);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw core::Error("cannot open " + path + ": " + errno_text());
  }
  std::string body;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw core::Error("cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    body.append(buf, size_t(n));
    if (body.size() > 64 * 1024) {  // a lease is a few hundred bytes: this is not one
      ::close(fd);
      throw core::Error("cannot read " + path + ": larger than 64 KiB, not a lease");
    }
  }
  ::close(fd);
  return body;
}

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  std::string h(buf);
  std::replace(h.begin(), h.end(), '/', '_');
  return h;
}

}  // namespace

void FileReplicaClient::write_lease(const std::string& body) {
  make_dirs(root_);
  // A temp name per writer: two replicators staging "<lease>.tmp" together would interleave bytes.
  // It names host and pid, so a leftover of a killed writer can be recognised (below).
  static std::atomic<uint64_t> seq{0};
  const std::string host = host_name();
  std::string suffix = "." + host + "." + std::to_string(::getpid()) + "-" + std::to_string(seq.fetch_add(1)) + ".tmp";
  struct BodyReader : core::Reader {
    const std::string& s;
    size_t at = 0;
    explicit BodyReader(const std::string& b) : s(b) {}
    size_t read(void* out, size_t n) override {
      size_t k = std::min(n, s.size() - at);
      std::memcpy(out, s.data() + at, k);
      at += k;
      return k;
    }
  } reader(body);
  const std::string lease = layout::lease_path(root_);
  write_atomically(lease, reader, suffix);
  // A replicator killed between staging and rename leaves "<lease>.<host>.<pid>-<n>.tmp" behind
  // (found by tests/e2e/faults/faults_kill.py). Removed: those of this host whose process is gone,
  // and any older than a minute (another writer's staging file lives for milliseconds). A younger
  // one of another host, or of a live process, may be a racing writer's and stays.
  const std::string prefix = std::filesystem::path(lease).filename().string() + ".";
  const std::string own_host = prefix + host + ".";
  const auto cutoff = std::filesystem::file_time_type::clock::now() - std::chrono::minutes(1);
  for (const auto& name : list_dir(root_)) {
    if (name.size() <= prefix.size() + 4 || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - 4, 4, ".tmp") != 0)
      continue;
    bool gone = false;
    if (name.compare(0, own_host.size(), own_host) == 0) {
      long pid = std::strtol(name.c_str() + own_host.size(), nullptr, 10);
      gone = pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    }
    std::error_code ec;
    auto mtime = std::filesystem::last_write_time(root_ + "/" + name, ec);
    if (gone || (!ec && mtime < cutoff)) remove_file(root_ + "/" + name);
  }
}

void FileReplicaClient::delete_lease() {
  remove_file(layout::lease_path(root_));
}

void FileReplicaClient::make_dirs(const std::string& dir) {
  // mkdir -p with our mode; each level that we create is fsynced into its parent lazily by the
  // rename's directory fsync of the leaf (parents of a fresh generation are new and empty).
  std::string path;
  std::vector<std::string> created;
  size_t pos = 0;
  while (pos != std::string::npos) {
    size_t next = dir.find('/', pos + 1);
    path = dir.substr(0, next);
    pos = next;
    if (path.empty()) continue;
    if (::mkdir(path.c_str(), dir_mode_) == 0) {
      created.push_back(path);
    } else if (errno != EEXIST) {
      throw core::Error("cannot create directory " + path + ": " + errno_text());
    }
  }
  // Make new directory entries durable: fsync the parent of every directory we created.
  for (const auto& c : created)
    fsync_dir(fs::path(c).parent_path().string().empty() ? "." : fs::path(c).parent_path().string());
}

int64_t FileReplicaClient::write_atomically(const std::string& path, core::Reader& data,
                                            const std::string& tmp_suffix) {
  std::string tmp = path + tmp_suffix;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, file_mode_);
  if (fd < 0) throw core::Error("cannot create " + tmp + ": " + errno_text());
  int64_t total = 0;
  try {
    std::vector<char> buf(256 * 1024);
    for (size_t k; (k = data.read(buf.data(), buf.size())) > 0;) {
      for (size_t off = 0; off < k;) {
        ssize_t w = ::write(fd, buf.data() + off, k - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) throw core::Error("cannot write " + tmp + ": " + errno_text());
        off += static_cast<size_t>(w);
      }
      total += static_cast<int64_t>(k);
    }
    if (::fsync(fd) != 0) throw core::Error("cannot fsync " + tmp + ": " + errno_text());
    int rc = ::close(fd);
    fd = -1;
    if (rc != 0) throw core::Error("cannot close " + tmp + ": " + errno_text());
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw core::Error("cannot rename " + tmp + " to " + path + ": " + errno_text());
    fsync_dir(fs::path(path).parent_path().string());
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  return total;
}

}  // namespace hs::storage
