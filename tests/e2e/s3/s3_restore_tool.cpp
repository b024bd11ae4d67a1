// Test helper: restores a database from an S3 replica with storage_s3 + core::restore directly
// (no CLI), so the S3 client's interop with litestream-written replicas is tested on its own.
//   s3_restore_tool OUTPUT     S3 facts from HS_S3_ENDPOINT/BUCKET/REGION/ACCESS_KEY_ID/
//                              SECRET_ACCESS_KEY and the replica path from HS_S3_PATH
// Prints the generation it restored; exits 1 with the error on stderr.
#include <cstdlib>
#include <iostream>

#include "core/restore.h"
#include "storage/s3/s3_client.h"

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) throw std::runtime_error(std::string("missing env ") + name);
  return v;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: s3_restore_tool OUTPUT\n";
    return 2;
  }
  try {
    hs::storage::S3Options o;
    o.endpoint = env("HS_S3_ENDPOINT");
    o.bucket = env("HS_S3_BUCKET");
    o.region = env("HS_S3_REGION");
    o.access_key_id = env("HS_S3_ACCESS_KEY_ID");
    o.secret_access_key = env("HS_S3_SECRET_ACCESS_KEY");
    o.path = env("HS_S3_PATH");
    o.force_path_style = true;
    hs::storage::S3ReplicaClient client(o);
    hs::core::RestoreOptions opt;
    opt.output_path = argv[1];
    auto target = hs::core::calc_restore_target({&client}, opt);
    if (!target) throw std::runtime_error("no matching backups found");
    opt.generation = target->generation;
    hs::core::restore(client, opt);
    std::cout << target->generation << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "s3_restore_tool: " << e.what() << "\n";
    return 1;
  }
}
