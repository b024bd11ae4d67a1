#include "cli/listing.h"

namespace hs::cli {

log::Fields replica_fields(const Target& t, const NamedReplica& r) {
  log::Fields f;
  if (!t.url_mode) f.push_back({"db", t.db_path});
  f.push_back({"replica", r.name});
  return f;
}

}  // namespace hs::cli
