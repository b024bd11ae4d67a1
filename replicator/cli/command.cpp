#include "cli/command.h"

namespace hs::cli {

std::map<std::string, Command>& commands() {
  // Function-local static: safe to use from other translation units' static initializers.
  static std::map<std::string, Command> table;
  return table;
}

}  // namespace hs::cli
