#include "config/expand.h"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace hs::config {
namespace {

bool is_special(char c) {
  switch (c) {
    case '*':
    case '#':
    case '$':
    case '@':
    case '!':
    case '?':
    case '-': return true;
    default: return c >= '0' && c <= '9';
  }
}

bool is_alnum(char c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Go's getShellName: the variable name after '$' and how many bytes it spans.
std::string_view shell_name(std::string_view s, size_t& width) {
  if (s[0] == '{') {
    if (s.size() > 2 && is_special(s[1]) && s[2] == '}') {
      width = 3;
      return s.substr(1, 1);
    }
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i] == '}') {
        if (i == 1) {
          width = 2;  // "${}": bad syntax, eaten
          return {};
        }
        width = i + 1;
        return s.substr(1, i - 1);
      }
    }
    width = 1;  // "${" without '}': bad syntax, eaten
    return {};
  }
  if (is_special(s[0])) {
    width = 1;
    return s.substr(0, 1);
  }
  size_t i = 0;
  while (i < s.size() && is_alnum(s[i])) ++i;
  width = i;
  return s.substr(0, i);
}

}  // namespace

std::string expand_vars(std::string_view s, const std::function<std::string(const std::string&)>& lookup) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  for (size_t j = 0; j < s.size(); ++j) {
    if (s[j] == '$' && j + 1 < s.size()) {
      out.append(s.substr(i, j - i));
      size_t w = 0;
      std::string_view name = shell_name(s.substr(j + 1), w);
      if (name.empty() && w > 0) {
        // invalid syntax: the characters are dropped
      } else if (name.empty()) {
        out.push_back('$');
      } else {
        out += lookup(std::string(name));
      }
      j += w;
      i = j + 1;
    }
  }
  if (i < s.size()) out.append(s.substr(i));
  return out;
}

std::string expand_env(std::string_view text) {
  return expand_vars(text, [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return std::string(v ? v : "");
  });
}

std::string clean_path(std::string_view p) {
  if (p.empty()) return ".";
  const bool rooted = p.front() == '/';
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= p.size()) {
    size_t next = p.find('/', pos);
    if (next == std::string_view::npos) next = p.size();
    std::string_view part = p.substr(pos, next - pos);
    if (part.empty() || part == ".") {
    } else if (part == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (!rooted)
        parts.push_back(part);
    } else {
      parts.push_back(part);
    }
    pos = next + 1;
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k) out += '/';
    out += parts[k];
  }
  if (out.empty()) out = ".";
  return out;
}

std::string expand_path(std::string_view path) {
  std::string p(path);
  if (p == "~" || p.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (!home || !*home) throw std::runtime_error("cannot expand \"~\": HOME is not set");
    p = std::string(home) + p.substr(1);
  }
  if (p.empty() || p.front() != '/') {
    std::vector<char> buf(4096);
    if (!::getcwd(buf.data(), buf.size())) throw std::runtime_error("cannot get the working directory");
    p = std::string(buf.data()) + "/" + p;
  }
  return clean_path(p);
}

}  // namespace hs::config
