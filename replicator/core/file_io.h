#pragma once
// Small POSIX file helpers for the shadow WAL: full reads/writes that retry on EINTR, fsync of a
// directory (a new or renamed file is durable only once its directory is synced), mkdir -p.
// Every failure throws hs::core::Error naming the path and the errno text.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace hs::core::fileio {

// RAII file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// open(2) that throws (with `path` in the message) unless the error is ENOENT and missing_ok.
Fd open_file(const std::string& path, int flags, mode_t mode = 0600, bool missing_ok = false);

// Reads up to n bytes at offset; returns fewer only at end of file.
size_t pread_full(int fd, void* buf, size_t n, int64_t offset, const std::string& what);
void pwrite_full(int fd, const void* buf, size_t n, int64_t offset, const std::string& what);
void fsync_fd(int fd, const std::string& what);
void fsync_dir(const std::string& dir);
int64_t file_size(int fd, const std::string& what);
// Size of a file by path; -1 if it does not exist.
int64_t file_size(const std::string& path);
void mkdir_all(const std::string& path, mode_t mode);
std::string dirname(const std::string& path);
std::string basename(const std::string& path);
std::string errno_text(int err);

}  // namespace hs::core::fileio
