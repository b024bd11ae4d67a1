#include "resources/app_convert.h"

#include <type_traits>

namespace hs::provider {
namespace {

using hs::render::FieldOpts;
using hs::render::FieldPath;
using hs::render::PathStep;
using tfplugin::Value;

// Reads one object's attributes into C++ members; every step knows its path.
class Reader {
 public:
  Reader(const Value& object, FieldPath at, ConvertedSpec& out) : object_(object), at_(std::move(at)), out_(out) {}

  // The attribute's value when it is known and set; nullptr (and, if unknown, the path recorded) otherwise.
  const Value* get(const char* name) const {
    if (!object_.has(name)) return nullptr;
    const Value& v = object_[name];
    if (!v.is_known()) {
      out_.unknown.push_back(path(name));
      return nullptr;
    }
    return v.is_null() ? nullptr : &v;
  }

  FieldPath path(const char* name) const {
    FieldPath p = at_;
    p.push_back(PathStep::attr(name));
    return p;
  }

  void str(const char* name, std::string& out) const {
    if (const Value* v = get(name)) out = v->as_string();
  }
  void boolean(const char* name, bool& out) const {
    if (const Value* v = get(name)) out = v->as_bool();
  }
  void integer(const char* name, int64_t& out) const {
    std::optional<int64_t> n;
    integer(name, n);
    if (n) out = *n;
  }
  void integer(const char* name, std::optional<int64_t>& out) const {
    const Value* v = get(name);
    if (!v) return;
    const auto& n = v->as_number();
    if (!n.is_integer() || !n.fits_int64()) {
      out_.diagnostics.add_error("Invalid number",
                                 hs::render::to_string(path(name)) + ": " + n.to_string() + " is not a whole number",
                                 to_attribute_path(path(name)));
      return;
    }
    out = n.as_int64();
  }
  void strings(const char* name, std::vector<std::string>& out) const {
    const Value* v = get(name);
    if (!v) return;
    for (size_t i = 0; i < v->elements().size(); ++i) {
      const Value& e = v->elements()[i];
      FieldPath p = path(name);
      p.push_back(PathStep::at(static_cast<int64_t>(i)));
      if (!e.is_known())
        out_.unknown.push_back(p);
      else if (e.is_null())
        null_element(p);
      else
        out.push_back(e.as_string());
    }
  }
  void string_map(const char* name, std::map<std::string, std::string>& out) const {
    const Value* v = get(name);
    if (!v) return;
    for (const auto& [key, e] : v->entries()) {
      FieldPath p = path(name);
      p.push_back(PathStep::key(key));
      if (!e.is_known())
        out_.unknown.push_back(p);
      else if (e.is_null())
        null_element(p);
      else
        out[key] = e.as_string();
    }
  }
  // A single object (single blocks, single nested attributes); nullopt when absent or unknown.
  std::optional<Reader> object(const char* name) const {
    const Value* v = get(name);
    if (!v) return std::nullopt;
    return Reader(*v, path(name), out_);
  }

  // The table walk (render/app_spec.h fields()): one overload per member type.
  void field(const char* name, std::string& out, std::string_view, FieldOpts = {}) const { str(name, out); }
  void field(const char* name, bool& out, std::string_view, FieldOpts = {}) const { boolean(name, out); }
  void field(const char* name, int64_t& out, std::string_view, FieldOpts = {}) const { integer(name, out); }
  void field(const char* name, std::optional<int64_t>& out, std::string_view, FieldOpts = {}) const {
    integer(name, out);
  }
  void field(const char* name, std::vector<std::string>& out, std::string_view, FieldOpts = {}) const {
    strings(name, out);
  }
  void field(const char* name, std::map<std::string, std::string>& out, std::string_view, FieldOpts = {}) const {
    string_map(name, out);
  }
  // A list of objects (list blocks, list nested attributes).
  template <class T>
  void field(const char* name, std::vector<T>& out, std::string_view, FieldOpts = {}) const {
    const Value* v = get(name);
    if (!v) return;
    for (size_t i = 0; i < v->elements().size(); ++i) {
      FieldPath p = path(name);
      p.push_back(PathStep::at(static_cast<int64_t>(i)));
      const Value& e = v->elements()[i];
      if (!e.is_known()) {
        out_.unknown.push_back(p);
        continue;
      }
      T& item = out.emplace_back();
      if (!e.is_null()) {
        Reader r(e, p, out_);
        item.fields(r);
      }
    }
  }
  // A map of objects (map nested attributes).
  template <class T>
  void field(const char* name, std::map<std::string, T>& out, std::string_view, FieldOpts = {}) const {
    const Value* v = get(name);
    if (!v) return;
    for (const auto& [key, e] : v->entries()) {
      FieldPath p = path(name);
      p.push_back(PathStep::key(key));
      if (!e.is_known()) {
        out_.unknown.push_back(p);
      } else if (e.is_null()) {
        null_element(p);
      } else {
        Reader r(e, p, out_);
        out[key].fields(r);
      }
    }
  }
  template <class T>
  void field(const char* name, std::optional<T>& out, std::string_view, FieldOpts = {}) const {
    if (auto r = object(name)) out.emplace().fields(*r);
  }
  template <class T>
  requires std::is_class_v<T>
  void field(const char* name, T& out, std::string_view, FieldOpts = {}) const {
    if (auto r = object(name)) out.fields(*r);
  }

 private:
  void null_element(const FieldPath& p) const {
    out_.diagnostics.add_error("Invalid value", hs::render::to_string(p) + ": null is not allowed here",
                               to_attribute_path(p));
  }

  const Value& object_;
  FieldPath at_;
  ConvertedSpec& out_;
};

}  // namespace

ConvertedSpec app_spec_from_value(const Value& object) {
  ConvertedSpec out;
  if (!object.is_known()) {
    out.unknown.push_back({});
    return out;
  }
  Reader r(object, {}, out);
  out.spec.fields(r);
  return out;
}

tfplugin::AttributePath to_attribute_path(const hs::render::FieldPath& path) {
  tfplugin::AttributePath out;
  for (const auto& step : path) {
    switch (step.kind) {
      case PathStep::Kind::Attribute: out = out.attr(step.name); break;
      case PathStep::Kind::Index: out = out.index(step.index); break;
      case PathStep::Kind::Key: out = out.key(step.name); break;
    }
  }
  return out;
}

tfplugin::Diagnostics to_diagnostics(const std::vector<hs::render::FieldError>& errors) {
  tfplugin::Diagnostics d;
  for (const auto& e : errors) {
    std::optional<tfplugin::AttributePath> at;
    if (!e.path.empty()) at = to_attribute_path(e.path);
    d.add_error(e.summary, e.detail, at);
  }
  return d;
}

}  // namespace hs::provider
