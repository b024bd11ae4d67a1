#include "cli/flags.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace hs::cli {

void FlagSet::string_flag(const std::string& name, std::string* target) {
  flags_[name] = Flag{false, [target](const std::string& v) { *target = v; }};
}

void FlagSet::bool_flag(const std::string& name, bool* target) {
  flags_[name] = Flag{true, [target, name](const std::string& v) {
                        // strconv.ParseBool
                        if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True")
                          *target = true;
                        else if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False")
                          *target = false;
                        else
                          throw std::invalid_argument("parse error");
                      }};
}

void FlagSet::value_flag(const std::string& name, std::function<void(const std::string&)> parse) {
  flags_[name] = Flag{false, std::move(parse)};
}

void FlagSet::fail(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  if (usage_) usage_();
  throw UsageError(msg);
}

bool FlagSet::parse(const std::vector<std::string>& args) {
  size_t i = 0;
  for (; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') break;  // "-" alone is a positional argument too
    size_t dashes = a[1] == '-' ? 2 : 1;
    if (dashes == 2 && a.size() == 2) {  // "--" ends the flags
      i++;
      break;
    }
    std::string name = a.substr(dashes);
    if (name.empty() || name[0] == '-' || name[0] == '=') fail("bad flag syntax: " + a);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      if (name == "h" || name == "help") {
        if (usage_) usage_();
        return false;
      }
      fail("flag provided but not defined: -" + name);
    }
    if (it->second.is_bool) {
      if (!has_value) value = "true";
    } else if (!has_value) {
      if (i + 1 >= args.size()) fail("flag needs an argument: -" + name);
      value = args[++i];
    }
    try {
      it->second.set(value);
    } catch (const std::invalid_argument& e) {
      // Go words the two differently: `invalid boolean value "x" for -name` vs `... for flag -name`.
      fail(it->second.is_bool ? "invalid boolean value \"" + value + "\" for -" + name + ": " + e.what()
                              : "invalid value \"" + value + "\" for flag -" + name + ": " + e.what());
    }
    seen_[name] = true;
  }
  positional_.assign(args.begin() + static_cast<long>(i), args.end());
  return true;
}

long long parse_go_int(const std::string& s) {
  if (s.empty()) throw std::invalid_argument("parse error");
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 0);
  if (*end != '\0') throw std::invalid_argument("parse error");
  if (errno == ERANGE) throw std::invalid_argument("value out of range");
  return v;
}

}  // namespace hs::cli
