#pragma once
// Helpers shared by the render tests: file access relative to the source tree, and spec loading.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "render/app_spec_json.h"

namespace render_test {

inline std::filesystem::path source_dir() {
  const char* dir = std::getenv("HS_SOURCE_DIR");
  if (!dir) throw std::runtime_error("HS_SOURCE_DIR is not set (run the test through ctest)");
  return dir;
}

inline std::filesystem::path test_dir() {
  return source_dir() / "tests/unit/render";
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

inline hs::render::AppSpec load_spec(const std::string& name) {
  return hs::render::app_spec_from_json(nlohmann::json::parse(read_text(test_dir() / "specs" / (name + ".json"))));
}

}  // namespace render_test
