#pragma once
// BigBuffer: a large scratch buffer (megabytes: restore's page cache, decode chunks, write
// buffers) taken straight from mmap(2) and offered to transparent huge pages. Touching 32 MiB of
// fresh 4 KiB pages costs 8192 page faults, a visible share of a restore's CPU; with huge pages
// (where the kernel has them: THP "madvise" or "always") it is 16. Not zero-filled by us (the
// kernel's fresh pages are zero anyway); untouched pages use no memory.
#include <cstddef>
#include <cstdint>

namespace hs::core {

class BigBuffer {
 public:
  BigBuffer() = default;
  explicit BigBuffer(size_t size);  // throws Error when the memory cannot be had
  ~BigBuffer();
  BigBuffer(BigBuffer&& o) noexcept;
  BigBuffer& operator=(BigBuffer&& o) noexcept;
  BigBuffer(const BigBuffer&) = delete;
  BigBuffer& operator=(const BigBuffer&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;
};

}  // namespace hs::core
