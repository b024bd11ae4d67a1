#include "tfplugin/attribute_path.h"

namespace tfplugin {

AttributePath AttributePath::attr(std::string name) const {
  AttributePath p = *this;
  p.steps_.push_back({PathStep::Kind::Attribute, std::move(name), 0});
  return p;
}

AttributePath AttributePath::key(std::string key) const {
  AttributePath p = *this;
  p.steps_.push_back({PathStep::Kind::ElementKeyString, std::move(key), 0});
  return p;
}

AttributePath AttributePath::index(int64_t i) const {
  AttributePath p = *this;
  p.steps_.push_back({PathStep::Kind::ElementKeyInt, {}, i});
  return p;
}

std::string AttributePath::to_string() const {
  std::string out;
  for (const auto& s : steps_) {
    switch (s.kind) {
      case PathStep::Kind::Attribute:
        if (!out.empty()) out += '.';
        out += s.name;
        break;
      case PathStep::Kind::ElementKeyString: {
        out += "[\"";
        for (char c : s.name) {
          if (c == '"' || c == '\\') out += '\\';
          out += c;
        }
        out += "\"]";
        break;
      }
      case PathStep::Kind::ElementKeyInt: out += '[' + std::to_string(s.index) + ']'; break;
    }
  }
  return out;
}

}  // namespace tfplugin
