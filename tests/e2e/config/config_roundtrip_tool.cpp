// Test tool: reads a replicator config on stdin, parses it with hs_config (env expansion off) and
// prints render() of the model, so the e2e test can feed our rendered YAML to litestream itself.
// Exit 1 with the ConfigError message on stderr when the input does not load.
#include <iostream>
#include <sstream>

#include "config/config.h"

int main() {
  std::stringstream in;
  in << std::cin.rdbuf();
  try {
    hs::config::Config c = hs::config::parse(in.str(), {.expand_env = false});
    const std::string out = hs::config::render(c);
    if (!(hs::config::parse(out, {.expand_env = false}) == c)) {
      std::cerr << "render does not parse back to the same model\n";
      return 2;
    }
    std::cout << out;
  } catch (const hs::config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
