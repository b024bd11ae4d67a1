#pragma once
// Decoding of a large LZ4 object (restore's snapshot) straight into a file, its blocks on several
// threads. Litestream's objects are frames of independent 4 MiB blocks, so block N can decode while
// block N-1 does; only the content checksum (xxh32 over the decoded bytes, in order) and the file
// offsets (a running sum of the decoded sizes) are sequential, and both are cheap next to LZ4.
// Each worker: decode, then in block order hash and take its offset, then pwrite. The reading
// thread parses the frame and feeds whole blocks.
//
// Checked as liblz4 checks: header checksum, block checksums when flagged, content checksum and
// content size when present, block sizes within the frame's maximum; a truncated frame, an empty
// object or bytes after the last frame that are not another frame throw CorruptError naming
// `what`. Frames this decoder does not take apart (linked blocks, a dictionary, a skippable
// frame) are decoded by liblz4's frame API from that point on, so every frame Lz4DecompressReader
// accepts is accepted here with the same bytes (fuzz_lz4 compares the two).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/replica_client.h"

namespace hs::core {

struct DecodedFile {
  int64_t size = 0;  // bytes written, from offset 0
  std::string head;  // the first bytes of the content (up to head_size)
};

// Decodes every frame of `source` into `fd` (a new, empty file; `path` for errors) from offset 0,
// on `workers` threads (1: no extra threads). Memory: (workers + 1) x twice the block size.
DecodedFile lz4_decode_to_file(Reader& source, const std::string& what, int fd, const std::string& path,
                               size_t workers = 2, size_t head_size = 100);

}  // namespace hs::core
