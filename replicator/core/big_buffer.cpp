#include "core/big_buffer.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "core/error.h"

namespace hs::core {
namespace {
constexpr size_t kHugePage = 2 << 20;
}

BigBuffer::BigBuffer(size_t size) : size_(size) {
  if (size == 0) return;
  // Whole huge pages, so the tail shares none with other memory.
  mapped_ = (size + kHugePage - 1) / kHugePage * kHugePage;
  void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw Error("cannot allocate " + std::to_string(size) + " bytes: " + std::strerror(errno));
  // Only advice: without THP the buffer works the same with small pages.
  (void)::madvise(p, mapped_, MADV_HUGEPAGE);
  data_ = static_cast<uint8_t*>(p);
}

BigBuffer::~BigBuffer() {
  if (data_) ::munmap(data_, mapped_);
}

BigBuffer::BigBuffer(BigBuffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), mapped_(std::exchange(o.mapped_, 0)) {}

BigBuffer& BigBuffer::operator=(BigBuffer&& o) noexcept {
  if (this != &o) {
    if (data_) ::munmap(data_, mapped_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    mapped_ = std::exchange(o.mapped_, 0);
  }
  return *this;
}

}  // namespace hs::core
