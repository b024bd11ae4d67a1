#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace hs::core::fileio {

std::string errno_text(int err) {
  return std::strerror(err);
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Fd open_file(const std::string& path, int flags, mode_t mode, bool missing_ok) {
  int fd;
  do fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT && missing_ok) return Fd();
    throw Error("open " + path + ": " + errno_text(errno));
  }
  return Fd(fd);
}

size_t pread_full(int fd, void* buf, size_t n, int64_t offset, const std::string& what) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, static_cast<char*>(buf) + done, n - done, offset + int64_t(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error("read " + what + ": " + errno_text(errno));
    }
    if (r == 0) break;
    done += size_t(r);
  }
  return done;
}

void pwrite_full(int fd, const void* buf, size_t n, int64_t offset, const std::string& what) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pwrite(fd, static_cast<const char*>(buf) + done, n - done, offset + int64_t(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error("write " + what + ": " + errno_text(errno));
    }
    done += size_t(r);
  }
}

void fsync_fd(int fd, const std::string& what) {
  if (::fsync(fd) != 0) throw Error("fsync " + what + ": " + errno_text(errno));
}

void fsync_dir(const std::string& dir) {
  Fd fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  fsync_fd(fd.get(), dir);
}

int64_t file_size(int fd, const std::string& what) {
  struct stat st;
  if (::fstat(fd, &st) != 0) throw Error("stat " + what + ": " + errno_text(errno));
  return st.st_size;
}

int64_t file_size(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return -1;
    throw Error("stat " + path + ": " + errno_text(errno));
  }
  return st.st_size;
}

void mkdir_all(const std::string& path, mode_t mode) {
  if (path.empty()) return;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw Error("mkdir " + path + ": exists and is not a directory");
    return;
  }
  std::string parent = dirname(path);
  if (parent != path) mkdir_all(parent, mode);
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throw Error("mkdir " + path + ": " + errno_text(errno));
}

std::string dirname(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string basename(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace hs::core::fileio
