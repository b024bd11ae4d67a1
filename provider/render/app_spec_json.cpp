#include "render/app_spec_json.h"

#include <map>
#include <set>
#include <stdexcept>
#include <type_traits>

namespace hs::render {
namespace {

using nlohmann::json;

// Walks one JSON object: each known key is read by its handler; leftovers are errors.
class Reader {
 public:
  Reader(const json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j.is_object()) fail(where_, "must be an object");
  }
  ~Reader() noexcept(false) {
    if (std::uncaught_exceptions()) return;
    for (const auto& [k, _] : j_.items())
      if (!seen_.count(k)) fail(key(k), "unknown attribute");
  }

  void str(const char* k, std::string& out) {
    if (auto v = get(k)) {
      if (!v->is_string()) fail(key(k), "must be a string");
      out = v->get<std::string>();
    }
  }
  void num(const char* k, int64_t& out) {
    if (auto v = get(k)) {
      if (!v->is_number_integer()) fail(key(k), "must be an integer");
      out = v->get<int64_t>();
    }
  }
  void num(const char* k, std::optional<int64_t>& out) {
    int64_t n = 0;
    if (get(k)) num(k, n), out = n;
  }
  void boolean(const char* k, bool& out) {
    if (auto v = get(k)) {
      if (!v->is_boolean()) fail(key(k), "must be a boolean");
      out = v->get<bool>();
    }
  }
  void strings(const char* k, std::vector<std::string>& out) {
    if (auto v = get(k)) {
      if (!v->is_array()) fail(key(k), "must be a list of strings");
      for (const auto& e : *v) {
        if (!e.is_string()) fail(key(k), "must be a list of strings");
        out.push_back(e.get<std::string>());
      }
    }
  }
  void string_map(const char* k, std::map<std::string, std::string>& out) {
    if (auto v = get(k)) {
      if (!v->is_object()) fail(key(k), "must be a map of strings");
      for (const auto& [mk, mv] : v->items()) {
        if (!mv.is_string()) fail(key(k) + "[\"" + mk + "\"]", "must be a string");
        out[mk] = mv.get<std::string>();
      }
    }
  }
  // The table walk (AppSpec::fields): one overload per member type.
  void field(const char* k, std::string& out, std::string_view, FieldOpts = {}) { str(k, out); }
  void field(const char* k, int64_t& out, std::string_view, FieldOpts = {}) { num(k, out); }
  void field(const char* k, std::optional<int64_t>& out, std::string_view, FieldOpts = {}) { num(k, out); }
  void field(const char* k, bool& out, std::string_view, FieldOpts = {}) { boolean(k, out); }
  void field(const char* k, std::vector<std::string>& out, std::string_view, FieldOpts = {}) { strings(k, out); }
  void field(const char* k, std::map<std::string, std::string>& out, std::string_view, FieldOpts = {}) {
    string_map(k, out);
  }
  template <class T>
  void field(const char* k, std::vector<T>& out, std::string_view, FieldOpts = {}) {
    if (auto v = get(k)) {
      if (!v->is_array()) fail(key(k), "must be a list");
      for (size_t i = 0; i < v->size(); ++i) {
        Reader r((*v)[i], key(k) + "[" + std::to_string(i) + "]");
        out.emplace_back().fields(r);
      }
    }
  }
  template <class T>
  void field(const char* k, std::map<std::string, T>& out, std::string_view, FieldOpts = {}) {
    if (auto v = get(k)) {
      if (!v->is_object()) fail(key(k), "must be a map of objects");
      for (const auto& [mk, mv] : v->items()) {
        Reader r(mv, key(k) + "[\"" + mk + "\"]");
        out[mk].fields(r);
      }
    }
  }
  template <class T>
  void field(const char* k, std::optional<T>& out, std::string_view, FieldOpts = {}) {
    if (auto v = get(k)) {
      Reader r(*v, key(k));
      out.emplace().fields(r);
    }
  }
  template <class T>
  requires std::is_class_v<T>
  void field(const char* k, T& out, std::string_view, FieldOpts = {}) {
    if (auto v = get(k)) {
      Reader r(*v, key(k));
      out.fields(r);
    }
  }

 private:
  const json* get(const char* k) {
    seen_.insert(k);
    auto it = j_.find(k);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::string key(const std::string& k) const { return where_.empty() ? k : where_ + "." + k; }
  [[noreturn]] static void fail(const std::string& key, const std::string& what) {
    throw std::invalid_argument((key.empty() ? std::string("spec") : key) + ": " + what);
  }

  const json& j_;
  std::string where_;
  std::set<std::string> seen_;
};

}  // namespace

AppSpec app_spec_from_json(const json& j) {
  AppSpec s;
  Reader r(j, "");
  s.fields(r);
  return s;
}

}  // namespace hs::render
