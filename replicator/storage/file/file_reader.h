#pragma once
// A core::Reader over a local file (streamed, never loaded whole).
#include <string>

#include "core/replica_client.h"

namespace hs::storage {

class FileReader : public core::Reader {
 public:
  // Throws core::NotFoundError if `path` does not exist, core::Error on other failures.
  explicit FileReader(const std::string& path);
  ~FileReader() override;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  size_t read(void* buf, size_t n) override;

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace hs::storage
