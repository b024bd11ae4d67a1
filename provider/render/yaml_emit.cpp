#include "render/yaml_emit.h"

#include <algorithm>
#include <vector>

namespace hs::render {
namespace {

using nlohmann::json;

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '/' || c == '@' || c == '+' || c == ':' || c == '-';
}

// Words YAML 1.1 resolves to booleans or null (yaml-cpp, PyYAML, go-yaml v2 still do).
bool special_word(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  static const char* words[] = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"};
  for (auto w : words)
    if (s == w) return true;
  return false;
}

bool can_be_plain(const std::string& s) {
  if (s.empty() || special_word(s)) return false;
  char first = s.front();
  // Digits, signs and dots start numbers (1e3, -1, .5, .inf); everything else is a letter, '_' or '/'.
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_' || first == '/')) return false;
  if (s.back() == ':') return false;
  return std::all_of(s.begin(), s.end(), plain_char);
}

std::string double_quoted(const std::string& s) {
  std::string out = json(s).dump();  // JSON escapes are valid in YAML double-quoted scalars
  std::string fixed;
  for (char c : out) {
    if (c == 0x7f)
      fixed += "\\x7f";  // JSON leaves DEL raw; YAML does not allow it unescaped
    else
      fixed += c;
  }
  return fixed;
}

// A literal block keeps the replicator config readable in the ConfigMap. Only for text whose
// indentation and line breaks a literal block reproduces exactly.
bool literal_block_ok(const std::string& s) {
  if (s.find('\n') == std::string::npos) return false;
  if (s.front() == ' ' || s.front() == '\n') return false;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
  // Trailing spaces would be invisible (and easily lost) in a block: quote instead.
  if (s.find(" \n") != std::string::npos || s.back() == ' ') return false;
  return true;
}

std::string scalar(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  const auto& s = v.get_ref<const std::string&>();
  return can_be_plain(s) ? s : double_quoted(s);
}

std::vector<std::string> ordered_keys(const json& obj) {
  static const std::vector<std::string> first = {"apiVersion", "kind", "metadata", "name"};
  std::vector<std::string> keys;
  for (const auto& k : first)
    if (obj.contains(k)) keys.push_back(k);
  for (const auto& [k, _] : obj.items())  // nlohmann::json objects iterate sorted
    if (std::find(first.begin(), first.end(), k) == first.end()) keys.push_back(k);
  return keys;
}

void emit(const json& v, int indent, std::string& out);

bool is_collection(const json& v) {
  return (v.is_object() || v.is_array()) && !v.empty();
}

void literal_block(const std::string& s, int indent, std::string& out) {
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  out += trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  out += '\n';
  std::string body = s.substr(0, s.size() - trailing);
  size_t pos = 0;
  while (true) {
    size_t nl = body.find('\n', pos);
    std::string line = body.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty()) out += std::string(indent, ' ') + line;
    out += '\n';
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  for (size_t i = 1; i < trailing; ++i) out += '\n';
}

// Writes " value\n" for scalars (after "key:" or "-"), or "\n" + the nested block.
void emit_value_after(const json& v, int child_indent, std::string& out) {
  if (v.is_string() && literal_block_ok(v.get_ref<const std::string&>())) {
    out += ' ';
    literal_block(v.get_ref<const std::string&>(), child_indent, out);
  } else if (!is_collection(v)) {
    out += ' ';
    out += v.is_object() ? "{}" : v.is_array() ? "[]" : scalar(v);
    out += '\n';
  } else {
    out += '\n';
    emit(v, child_indent, out);
  }
}

void emit(const json& v, int indent, std::string& out) {
  const std::string pad(indent, ' ');
  if (v.is_object()) {
    for (const auto& k : ordered_keys(v)) {
      out += pad + scalar(json(k)) + ':';
      emit_value_after(v.at(k), indent + 2, out);
    }
  } else if (v.is_array()) {
    for (const auto& item : v) {
      if (item.is_object() && !item.empty()) {
        // "- first: x" then the other keys aligned under "first".
        std::string nested;
        emit(item, indent + 2, nested);
        out += pad + "- " + nested.substr(indent + 2);
      } else if (item.is_array() && !item.empty()) {
        out += pad + "-\n";
        emit(item, indent + 2, out);
      } else {
        out += pad + '-';
        emit_value_after(item, indent + 2, out);
      }
    }
  }
}

}  // namespace

std::string to_yaml(const json& value) {
  std::string out;
  if (is_collection(value)) {
    emit(value, 0, out);
  } else {
    out += value.is_object() ? "{}" : value.is_array() ? "[]" : scalar(value);
    out += '\n';
  }
  return out;
}

}  // namespace hs::render
