#pragma once
// Column output like Go's tabwriter.NewWriter(w, 0, 8, 2, ' ', 0), which litestream's listing
// commands use: every column but the last is padded to its widest cell plus two spaces.
#include <cstdio>
#include <string>
#include <vector>

namespace hs::cli {

class Table {
 public:
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  void print(std::FILE* out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hs::cli
