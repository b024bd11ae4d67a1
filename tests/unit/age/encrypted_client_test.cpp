// The decorator over a real file replica: objects on disk are age(lz4), the layout is unchanged,
// reads decrypt, and a missing key side is an error naming the config key.
#include <catch2/catch.hpp>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "age/encrypted_client.h"
#include "core/lz4_frame.h"
#include "storage/file/file_client.h"

namespace fs = std::filesystem;
using namespace hs;
using namespace hs::age;

namespace {

class StringReader : public core::Reader {
 public:
  explicit StringReader(std::string d) : data(std::move(d)) {}
  size_t read(void* buf, size_t n) override {
    size_t k = std::min(n, data.size() - pos);
    std::memcpy(buf, data.data() + pos, k);
    pos += k;
    return k;
  }
  std::string data;
  size_t pos = 0;
};

std::string drain(core::Reader& r) {
  std::string out, buf(4096, '\0');
  while (size_t n = r.read(buf.data(), buf.size())) out.append(buf.data(), n);
  return out;
}

struct TempDir {
  TempDir() {
    std::string t = (fs::temp_directory_path() / "hs-age-client-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()));
    path = t;
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kGen = "0123456789abcdef";
const std::string kKey = "dbs[0].replicas[0].age";

}  // namespace

TEST_CASE("an encrypted file replica stores age objects under litestream's names", "[age]") {
  TempDir dir;
  const Identity id = Identity::generate();
  EncryptedReplicaClient c(std::make_unique<storage::FileReplicaClient>(dir.path.string()), {id.public_key}, {id},
                           kKey);
  CHECK(c.type() == "file");
  CHECK_FALSE(c.remote());
  StringReader snap("snapshot bytes (lz4 in real life)");
  c.write_snapshot(kGen, 1, snap);
  StringReader wal("wal bytes");
  c.write_wal_segment(core::Pos{kGen, 1, 4152}, wal);

  const fs::path gen = dir.path / "generations" / kGen;
  const std::string raw = file_bytes(gen / "snapshots" / "00000001.snapshot.lz4");
  CHECK(raw.rfind("age-encryption.org/v1\n", 0) == 0);
  CHECK(raw.find("snapshot bytes") == std::string::npos);
  CHECK(file_bytes(gen / "wal" / "00000001_00001038.wal.lz4").rfind("age-encryption.org/v1\n", 0) == 0);

  CHECK(c.generations() == std::vector<std::string>{kGen});
  REQUIRE(c.snapshots(kGen).size() == 1);
  REQUIRE(c.wal_segments(kGen).size() == 1);
  CHECK(drain(*c.open_snapshot(kGen, 1)) == snap.data);
  CHECK(drain(*c.open_wal_segment(core::Pos{kGen, 1, 4152})) == wal.data);
  CHECK_THROWS_AS(c.open_snapshot(kGen, 2), core::NotFoundError);
}

TEST_CASE("reading with the wrong identity, or a plaintext object, names the object", "[age]") {
  TempDir dir;
  const Identity id = Identity::generate(), other = Identity::generate();
  storage::FileReplicaClient plain(dir.path.string());
  EncryptedReplicaClient c(std::make_unique<storage::FileReplicaClient>(dir.path.string()), {id.public_key}, {other},
                           kKey);
  StringReader snap("x");
  c.write_snapshot(kGen, 1, snap);
  CHECK_THROWS_WITH(c.open_snapshot(kGen, 1),
                    "snapshot " + kGen + "/00000001.snapshot.lz4: age: no identity matches the file's recipients");
  StringReader p("\x04\x22\x4d\x18 plain lz4");
  plain.write_snapshot(kGen, 2, p);
  CHECK_THROWS_WITH(c.open_snapshot(kGen, 2), Catch::Contains("not an age-encrypted object"));
}

TEST_CASE("recipients only cannot read, identities only cannot write", "[age]") {
  TempDir dir;
  const Identity id = Identity::generate();
  EncryptedReplicaClient write_only(std::make_unique<storage::FileReplicaClient>(dir.path.string()), {id.public_key},
                                    {}, kKey);
  EncryptedReplicaClient read_only(std::make_unique<storage::FileReplicaClient>(dir.path.string()), {}, {id}, kKey);
  StringReader snap("x");
  write_only.write_snapshot(kGen, 1, snap);
  CHECK_THROWS_WITH(write_only.open_snapshot(kGen, 1), Catch::StartsWith(kKey + ".identities: required to read"));
  CHECK(drain(*read_only.open_snapshot(kGen, 1)) == "x");
  StringReader again("y");
  CHECK_THROWS_WITH(read_only.write_snapshot(kGen, 2, again), Catch::StartsWith(kKey + ".recipients: required"));
  CHECK(read_only.snapshots(kGen).size() == 1);  // nothing half-written
}

TEST_CASE("an age object read as plain LZ4 says it is age-encrypted", "[age]") {
  TempDir dir;
  const Identity id = Identity::generate();
  EncryptedReplicaClient enc(std::make_unique<storage::FileReplicaClient>(dir.path.string()), {id.public_key}, {id},
                             kKey);
  StringReader snap("x");
  enc.write_snapshot(kGen, 1, snap);
  storage::FileReplicaClient plain(dir.path.string());
  core::Lz4DecompressReader lz4(plain.open_snapshot(kGen, 1), "snapshot");
  char b;
  CHECK_THROWS_WITH(lz4.read(&b, 1), Catch::Contains("the object is age-encrypted: configure age.identities"));
}
