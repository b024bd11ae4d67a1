// render-cli: a test tool. Reads an AppSpec as JSON (HCL attribute names; see render/app_spec_json.h)
// from the file given (or stdin) and prints {"manifests": {...}, "manifests_yaml": "...",
// "replicator_config": "..."} as JSON. Exit 1 with the validation errors (one per line, with the
// attribute path) when the spec is invalid, 2 on unreadable input.
#include <fstream>
#include <iostream>
#include <sstream>

#include "render/app_spec_json.h"
#include "render/render.h"

int main(int argc, char** argv) {
  std::string text;
  {
    std::ostringstream s;
    if (argc > 1 && std::string(argv[1]) != "-") {
      std::ifstream in(argv[1]);
      if (!in) {
        std::cerr << "render-cli: cannot read " << argv[1] << "\n";
        return 2;
      }
      s << in.rdbuf();
    } else {
      s << std::cin.rdbuf();
    }
    text = s.str();
  }
  hs::render::AppSpec spec;
  try {
    spec = hs::render::app_spec_from_json(nlohmann::json::parse(text));
  } catch (const std::exception& e) {
    std::cerr << "render-cli: " << e.what() << "\n";
    return 2;
  }
  auto errors = hs::render::validate(spec);
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << hs::render::to_string(e.path) << ": " << e.summary << ": " << e.detail << "\n";
    return 1;
  }
  auto out = hs::render::render(spec);
  nlohmann::json j = {{"manifests", out.manifests},
                      {"manifests_yaml", out.manifests_yaml},
                      {"replicator_config", out.replicator_config}};
  std::cout << j.dump(2) << "\n";
  return 0;
}
