#pragma once
// cty types: what every attribute, block and value in the plugin protocol is typed by.
//
// A Type is immutable and cheap to copy (shared structure), so schemas, values and codecs pass
// them around freely. The JSON form is terraform's type constraint encoding, the bytes of
// `Schema.Attribute.type` on the wire: "string", ["list","number"], ["object",{"a":"bool"},["a"]].

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tfplugin {

class Type {
 public:
  enum class Kind { String, Number, Bool, Dynamic, List, Set, Map, Object, Tuple };

  // The default type is dynamic ("any type"), the type of a null Value().
  Type();

  static Type string();
  static Type number();
  static Type boolean();
  static Type dynamic();
  static Type list(Type element);
  static Type set(Type element);
  static Type map(Type element);
  // `optional` names attributes that may be omitted in configuration (terraform's optional()
  // type constraint modifier); every name in it must be an attribute.
  static Type object(std::map<std::string, Type> attributes, std::set<std::string> optional = {});
  static Type tuple(std::vector<Type> elements);

  Kind kind() const;
  bool is_primitive() const;   // string, number, bool
  bool is_collection() const;  // list, set, map
  bool is_structural() const;  // object, tuple
  bool is_dynamic() const { return kind() == Kind::Dynamic; }
  // True when `dynamic` appears anywhere inside (values of such types carry their type on the wire).
  bool has_dynamic() const;

  // Collections: the element type. Throws std::logic_error for other kinds.
  const Type& element() const;
  // Objects: attribute types and the optional attribute names. Empty for other kinds.
  const std::map<std::string, Type>& attributes() const;
  const std::set<std::string>& optional_attributes() const;
  // Tuples: the element types. Empty for other kinds.
  const std::vector<Type>& tuple_elements() const;

  // Exact structural equality (optional attribute markers included).
  bool operator==(const Type& other) const;
  bool operator!=(const Type& other) const { return !(*this == other); }
  // The same type with optional attribute markers removed everywhere (what values are typed by).
  Type without_optional_attributes() const;

  // Compact JSON type constraint, as terraform expects it in schemas and dynamic values.
  std::string to_json() const;
  // Parses a JSON type constraint; on failure returns nullopt and sets `error` to what is wrong.
  static std::optional<Type> from_json(std::string_view json, std::string& error);

  // Human-readable, for diagnostics: "list of string", "object", "map of number".
  std::string friendly_name() const;

  // Internal representation (defined in the .cpp; public only so helpers there can name it).
  struct Impl;
  explicit Type(std::shared_ptr<const Impl> impl);

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace tfplugin
