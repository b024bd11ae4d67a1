#include "cli/table.h"

#include <algorithm>

namespace hs::cli {

namespace {
// Display width: count UTF-8 code points, not bytes (tabwriter counts runes).
size_t width(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

void Table::print(std::FILE* out) const {
  std::vector<size_t> widths;
  for (const auto& r : rows_)
    for (size_t i = 0; i + 1 < r.size(); i++) {
      if (widths.size() <= i) widths.resize(i + 1, 0);
      widths[i] = std::max(widths[i], width(r[i]));
    }
  for (const auto& r : rows_) {
    std::string line;
    for (size_t i = 0; i < r.size(); i++) {
      line += r[i];
      if (i + 1 < r.size()) line.append(widths[i] + 2 - width(r[i]), ' ');
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out);
  }
  std::fflush(out);
}

}  // namespace hs::cli
