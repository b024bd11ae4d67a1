#include "cli/listing.h"

namespace hs::cli {

std::vector<hs::log::Field> replica_fields(const Target& t, const NamedReplica& r) {
  std::vector<hs::log::Field> f;
  if (!t.url_mode) f.push_back({"db", t.db_path});
  f.push_back({"replica", r.name});
  return f;
}

}  // namespace hs::cli
