#pragma once
// The ReplicaClient the contract suite runs against, chosen by HS_REPLICA_CLIENT:
//   file  a FileReplicaClient on a fresh temp directory (the default)
//   s3    an S3ReplicaClient on a fresh key prefix of the server in HS_S3_* (run_contract.py starts Swift)
//   age-file  the file client behind age::EncryptedReplicaClient (a replica with `age`)
// Like litestream's replica_client_test.go: one suite, every client.
#include <memory>
#include <string>

#include "core/replica_client.h"

namespace hs::test {

std::string client_kind();

class ClientUnderTest {
 public:
  virtual ~ClientUnderTest() = default;
  virtual core::ReplicaClient& client() = 0;
  // Stores raw bytes under `rel` ("generations/<gen>/wal/x") below the replica's root, bypassing the
  // client: for objects a client did not write (foreign names, another tool's files).
  virtual void put_raw(const std::string& rel, const std::string& bytes) = 0;
  // What client().type() says (the storage type, also behind the age decorator).
  virtual std::string type() const { return client_kind(); }
  // The stored (listed) size of an object written from `n` bytes: `n`, unless the client adds an
  // envelope (age: header, nonce and a tag per 64 KiB chunk, as litestream's listings show too).
  virtual int64_t stored_size(size_t n) const { return int64_t(n); }
};

// "file", "s3" or "age-file".
std::string client_kind();
// A client on a root nobody else uses.
std::unique_ptr<ClientUnderTest> make_client_under_test();

// Test helpers shared by every suite file.
struct StringReader : core::Reader {
  std::string data;
  size_t pos = 0;
  size_t max_chunk;
  explicit StringReader(std::string d, size_t chunk = size_t(1) << 20) : data(std::move(d)), max_chunk(chunk) {}
  size_t read(void* buf, size_t n) override;
};
std::string read_all(core::Reader& r, size_t chunk = 64 * 1024);
std::string random_bytes(size_t n, unsigned seed);
// getenv that fails the test when the variable is missing.
std::string require_env(const char* name);

}  // namespace hs::test
