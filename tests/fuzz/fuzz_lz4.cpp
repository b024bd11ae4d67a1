// The LZ4 frame reader every replica object goes through (snapshots and WAL segments, written by
// us or by litestream). Input: the object's bytes. Read in odd-sized chunks, as S3 bodies arrive.
// Properties: a bad, truncated or trailing-garbage frame throws CorruptError (never a crash, never
// "shorter data"); what decodes survives our compressor and decodes again to the same bytes; the
// parallel decoder restore uses for snapshots (lz4_parallel.h) agrees: the same bytes, or
// CorruptError when the reader refuses.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "core/lz4_frame.h"
#include "core/lz4_parallel.h"
#include "fuzz_check.h"

using namespace hs::core;

namespace {

// Yields the input in chunks of 1, 2, 3, ... bytes, as a network body would.
class TrickleReader : public Reader {
 public:
  explicit TrickleReader(std::string_view data) : data_(data) {}
  size_t read(void* buf, size_t n) override {
    size_t k = std::min({n, data_.size() - pos_, step_++ % 7 + 1});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0, step_ = 0;
};

constexpr size_t kMaxOutput = 8 << 20;  // a 4 MiB block twice over; more is just slow

// lz4_decode_to_file on two workers into a memfd: the file's bytes, or nullopt on CorruptError.
std::optional<std::string> parallel_decode(std::string_view in) {
  static int fd = ::memfd_create("fuzz_lz4_out", 0);
  FUZZ_CHECK(fd >= 0 && ::ftruncate(fd, 0) == 0, "memfd");
  TrickleReader source(in);
  DecodedFile got;
  try {
    got = lz4_decode_to_file(source, "fuzz.lz4", fd, "memfd", 2, 100);
  } catch (const CorruptError&) {
    return std::nullopt;
  }
  std::string out(static_cast<size_t>(got.size), '\0');
  FUZZ_CHECK(::pread(fd, out.data(), out.size(), 0) == static_cast<ssize_t>(out.size()), "pread");
  FUZZ_CHECK(got.head == out.substr(0, 100), "head differs from the file's first bytes");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = hs::fuzz::as_text(data, size);
  std::string out;
  try {
    TrickleReader source(in);
    Lz4DecompressReader z(source, "fuzz.lz4");
    char buf[4096];
    for (size_t k; (k = z.read(buf, 1 + size % sizeof buf)) > 0;) {
      out.append(buf, k);
      if (out.size() > kMaxOutput) return 0;
    }
  } catch (const CorruptError&) {
    FUZZ_CHECK(!parallel_decode(in), "the parallel decoder accepted what the reader refused");
    return 0;
  }
  auto parallel = parallel_decode(in);
  FUZZ_CHECK(parallel.has_value(), "the parallel decoder refused what the reader accepted");
  FUZZ_CHECK(*parallel == out, "the parallel decoder's bytes differ from the reader's");
  // The one-shot helper reads the same input in one piece: it must agree.
  std::string whole;
  try {
    whole = lz4_decompress(std::string(in), "fuzz.lz4");
  } catch (const CorruptError& e) {
    FUZZ_CHECK(false, std::string("chunked read decoded, one-shot read failed: ") + e.what());
  }
  FUZZ_CHECK(whole == out, "chunked and one-shot reads differ");
  if (out.size() <= (64 << 10))
    FUZZ_CHECK(lz4_decompress(lz4_compress(out), "again") == out, "recompression changed the data");
  return 0;
}
