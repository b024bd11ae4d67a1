#pragma once
// Flag parsing with the rules of Go's `flag` package, which litestream's commands use: "-name
// value", "-name=value", "--name" spelled the same, bool flags take no separate value, parsing
// stops at the first non-flag argument or "--", and -h/-help print the usage. Error texts match
// Go's, e.g. `flag provided but not defined: -v`, `invalid value "zz" for flag -index: ...`.
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace hs::cli {

// A command-line error: main prints it as litestream does ("failed to run") and exits 1.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class FlagSet {
 public:
  // `usage` prints the command's help text (to stdout, as litestream's Usage methods do).
  explicit FlagSet(std::function<void()> usage) : usage_(std::move(usage)) {}

  void string_flag(const std::string& name, std::string* target);
  void bool_flag(const std::string& name, bool* target);
  // `parse` converts the text; it throws std::invalid_argument whose what() becomes the reason in
  // `invalid value "<text>" for flag -<name>: <reason>`.
  void value_flag(const std::string& name, std::function<void(const std::string&)> parse);

  // Parses `args`. Returns false when help was requested (usage already printed: exit 1).
  // Throws UsageError after printing Go's message and the usage, like flag.ContinueOnError.
  bool parse(const std::vector<std::string>& args);
  // Positional arguments after the flags.
  const std::vector<std::string>& args() const { return positional_; }
  // True if the flag appeared on the command line.
  bool seen(const std::string& name) const { return seen_.count(name) > 0; }

 private:
  struct Flag {
    bool is_bool = false;
    std::function<void(const std::string&)> set;
  };
  [[noreturn]] void fail(const std::string& msg);

  std::function<void()> usage_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> positional_;
  std::map<std::string, bool> seen_;
};

// Go's strconv.ParseInt(s, 0, 64) for -parallelism style flags; throws std::invalid_argument.
long long parse_go_int(const std::string& s);

}  // namespace hs::cli
