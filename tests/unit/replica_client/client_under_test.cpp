#include "client_under_test.h"

#include <catch2/catch.hpp>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "age/encrypted_client.h"
#include "storage/file/file_client.h"
#include "storage/s3/s3_client.h"

namespace fs = std::filesystem;

namespace hs::test {
namespace {

class FileUnderTest : public ClientUnderTest {
 public:
  FileUnderTest() {
    std::string t = (fs::temp_directory_path() / "hs-replica-client-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()));
    dir_ = t;
    client_ = std::make_unique<storage::FileReplicaClient>((dir_ / "replica").string());
  }
  ~FileUnderTest() override { fs::remove_all(dir_); }
  core::ReplicaClient& client() override { return *client_; }
  const fs::path& dir() const { return dir_; }
  void put_raw(const std::string& rel, const std::string& bytes) override {
    fs::path p = dir_ / "replica" / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
  }

 private:
  fs::path dir_;
  std::unique_ptr<storage::FileReplicaClient> client_;
};

// A file replica behind the age decorator (a replica with `age` in its config): every contract
// holds for it too. Foreign objects are put encrypted, as litestream writes them to such a replica.
class AgeFileUnderTest : public ClientUnderTest {
 public:
  AgeFileUnderTest() : id_(age::Identity::generate()) {
    client_ = std::make_unique<age::EncryptedReplicaClient>(
        std::make_unique<storage::FileReplicaClient>((file_.dir() / "replica").string()),
        std::vector<age::Key32>{id_.public_key}, std::vector<age::Identity>{id_}, "dbs[0].replicas[0].age");
  }
  core::ReplicaClient& client() override { return *client_; }
  std::string type() const override { return "file"; }
  // One X25519 stanza: a 168-byte header, the 16-byte nonce, then 16 bytes of tag per chunk.
  int64_t stored_size(size_t n) const override {
    const size_t chunks = n == 0 ? 1 : (n + age::kChunkSize - 1) / age::kChunkSize;
    return int64_t(168 + 16 + n + 16 * chunks);
  }
  void put_raw(const std::string& rel, const std::string& bytes) override {
    StringReader plain(bytes);
    file_.put_raw(rel, read_all(*age::encrypt(plain, {id_.public_key})));
  }

 private:
  FileUnderTest file_;
  age::Identity id_;
  std::unique_ptr<age::EncryptedReplicaClient> client_;
};

class S3UnderTest : public ClientUnderTest {
 public:
  S3UnderTest() {
    static std::atomic<int> n{0};
    storage::S3Options o;
    o.endpoint = require_env("HS_S3_ENDPOINT");
    o.bucket = require_env("HS_S3_BUCKET");
    o.region = require_env("HS_S3_REGION");
    o.access_key_id = require_env("HS_S3_ACCESS_KEY_ID");
    o.secret_access_key = require_env("HS_S3_SECRET_ACCESS_KEY");
    o.force_path_style = true;
    o.path = "contract/" + std::to_string(std::random_device{}()) + "-" + std::to_string(n++);
    o.retry.initial_backoff = std::chrono::milliseconds(50);
    client_ = std::make_unique<storage::S3ReplicaClient>(o);
  }
  ~S3UnderTest() override {
    try {  // leave the shared bucket as we found it
      for (const auto& g : client_->generations()) client_->delete_generation(g);
    } catch (...) {
    }
  }
  core::ReplicaClient& client() override { return *client_; }
  void put_raw(const std::string& rel, const std::string& bytes) override {
    StringReader r(bytes);
    client_->put(client_->options().path + "/" + rel, r);
  }

 private:
  std::unique_ptr<storage::S3ReplicaClient> client_;
};

}  // namespace

std::string client_kind() {
  const char* k = std::getenv("HS_REPLICA_CLIENT");
  return k && *k ? k : "file";
}

std::unique_ptr<ClientUnderTest> make_client_under_test() {
  const std::string kind = client_kind();
  if (kind == "file") return std::make_unique<FileUnderTest>();
  if (kind == "s3") return std::make_unique<S3UnderTest>();
  if (kind == "age-file") return std::make_unique<AgeFileUnderTest>();
  FAIL("HS_REPLICA_CLIENT must be file, s3 or age-file, got \"" << kind << "\"");
  return nullptr;
}

size_t StringReader::read(void* buf, size_t n) {
  size_t k = std::min({n, data.size() - pos, max_chunk});
  std::copy_n(data.data() + pos, k, static_cast<char*>(buf));
  pos += k;
  return k;
}

std::string read_all(core::Reader& r, size_t chunk) {
  std::string out, buf(chunk, '\0');
  while (size_t n = r.read(buf.data(), buf.size())) out.append(buf.data(), n);
  return out;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string require_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) FAIL(std::string("missing env ") + name + " (run through tests/e2e/s3/run_contract.py)");
  return v;
}

}  // namespace hs::test
