// Schema helpers: implied types (the rules of terraform's configschema) and sanity checks.
#include "tfplugin/schema.h"

#include <set>

namespace tfplugin {
namespace {

// Terraform's configschema.Object: optional nested attributes are optional object attributes in
// the spec type, but values are typed without those markers, so we build the value type directly.
Type nested_object_type(const NestedAttributes& n) {
  std::map<std::string, Type> attrs;
  for (const auto& a : n.attributes) attrs.emplace(a.name, a.value_type());
  Type object = Type::object(std::move(attrs));
  switch (n.nesting) {
    case NestingMode::List: return object.has_dynamic() ? Type::dynamic() : Type::list(object);
    case NestingMode::Set: return Type::set(object);
    case NestingMode::Map: return object.has_dynamic() ? Type::dynamic() : Type::map(object);
    default: return object;
  }
}

}  // namespace

Type Attribute::value_type() const {
  return nested ? nested_object_type(*nested) : type.without_optional_attributes();
}

Type Block::implied_type() const {
  std::map<std::string, Type> attrs;
  for (const auto& a : attributes) attrs.emplace(a.name, a.value_type());
  for (const auto& b : block_types) {
    Type object = b.block.implied_type();
    switch (b.nesting) {
      case NestingMode::Single:
      case NestingMode::Group: attrs.emplace(b.type_name, object); break;
      // A list or map of blocks holding `dynamic` attributes can't be a collection (elements may
      // differ in type), so terraform types it dynamic (a tuple or object at runtime).
      case NestingMode::List:
        attrs.emplace(b.type_name, object.has_dynamic() ? Type::dynamic() : Type::list(object));
        break;
      case NestingMode::Set: attrs.emplace(b.type_name, Type::set(object)); break;
      case NestingMode::Map:
        attrs.emplace(b.type_name, object.has_dynamic() ? Type::dynamic() : Type::map(object));
        break;
    }
  }
  return Type::object(std::move(attrs));
}

const Attribute* Block::find_attribute(std::string_view name) const {
  for (const auto& a : attributes)
    if (a.name == name) return &a;
  return nullptr;
}

const NestedBlock* Block::find_block(std::string_view type_name) const {
  for (const auto& b : block_types)
    if (b.type_name == type_name) return &b;
  return nullptr;
}

AttributeBuilder attr(std::string name, Type type) {
  AttributeBuilder b;
  b.a.name = std::move(name);
  b.a.type = std::move(type);
  return b;
}

AttributeBuilder nested_attr(std::string name, NestingMode nesting, std::vector<Attribute> attributes) {
  AttributeBuilder b;
  b.a.name = std::move(name);
  b.a.nested = std::make_shared<NestedAttributes>(NestedAttributes{nesting, std::move(attributes)});
  return b;
}

namespace {
std::string check_attributes(const std::vector<Attribute>& attributes, const std::string& prefix,
                             std::set<std::string>& names);

std::string check_attribute(const Attribute& a, const std::string& where) {
  if (a.name.empty()) return where + ": attribute without a name";
  if (a.required && (a.optional || a.computed))
    return where + ": required attributes can't also be optional or computed";
  if (!a.required && !a.optional && !a.computed) return where + ": must be required, optional or computed";
  if (a.nested) {
    if (a.nested->nesting == NestingMode::Group) return where + ": nested attributes can't use group nesting";
    std::set<std::string> names;
    return check_attributes(a.nested->attributes, where + ".", names);
  }
  return "";
}

std::string check_attributes(const std::vector<Attribute>& attributes, const std::string& prefix,
                             std::set<std::string>& names) {
  for (const auto& a : attributes) {
    if (!names.insert(a.name).second) return prefix + a.name + ": duplicate name";
    if (auto e = check_attribute(a, prefix + a.name); !e.empty()) return e;
  }
  return "";
}

std::string check_block(const Block& b, const std::string& prefix) {
  std::set<std::string> names;
  if (auto e = check_attributes(b.attributes, prefix, names); !e.empty()) return e;
  for (const auto& nb : b.block_types) {
    std::string where = prefix + nb.type_name;
    if (!names.insert(nb.type_name).second) return where + ": duplicate name";
    if (nb.min_items < 0 || nb.max_items < 0 || (nb.max_items && nb.min_items > nb.max_items))
      return where + ": bad min_items/max_items";
    // terraform's own rules (configschema InternalValidate).
    if (nb.nesting == NestingMode::Single && (nb.min_items != nb.max_items || nb.min_items > 1))
      return where + ": min_items and max_items must match (0 or 1) for single nesting";
    if (nb.nesting == NestingMode::Group && (nb.min_items || nb.max_items))
      return where + ": min_items and max_items must be 0 for group nesting";
    if (nb.nesting == NestingMode::Set && nb.block.implied_type().has_dynamic())
      return where + ": set blocks can't contain dynamic attributes";
    if (auto e = check_block(nb.block, where + "."); !e.empty()) return e;
  }
  return "";
}
}  // namespace

std::string check_schema(const Schema& schema) {
  return check_block(schema.block, "");
}

}  // namespace tfplugin
