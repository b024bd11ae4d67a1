#pragma once
// Errors in the replicator are exceptions (one choice for the whole replicator layer).
// Every message names what failed and, where it applies, the object key or path involved.
#include <stdexcept>
#include <string>

namespace hs::core {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A replica object (generation, snapshot, WAL segment) does not exist.
class NotFoundError : public Error {
 public:
  using Error::Error;
};

// Data read back does not verify (bad LZ4 frame, bad checksum, bad WAL header...).
class CorruptError : public Error {
 public:
  using Error::Error;
};

}  // namespace hs::core
