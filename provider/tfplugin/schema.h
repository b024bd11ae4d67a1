#pragma once
// Schemas of the provider block, resources and data sources, as terraform-plugin-framework and
// the tfplugin6 Schema message model them. A Block's implied type is the object type of every
// config, plan and state value of that resource.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tfplugin/type.h"

namespace tfplugin {

enum class DescriptionKind { Plain, Markdown };
enum class NestingMode { Single, List, Set, Map, Group };  // Group: blocks only

struct Attribute;

// The object inside a nested attribute (`x = { a = 1 }`, `x = [{ a = 1 }]`).
// Nesting Single, List, Set or Map.
struct NestedAttributes {
  NestingMode nesting = NestingMode::Single;
  std::vector<Attribute> attributes;
};

struct Attribute {
  std::string name;
  // Exactly one of `type` and `nested` is used: `nested` when set.
  Type type;
  std::shared_ptr<NestedAttributes> nested;
  std::string description;
  DescriptionKind description_kind = DescriptionKind::Markdown;
  bool required = false;
  bool optional = false;
  bool computed = false;
  bool sensitive = false;
  bool deprecated = false;

  // The value type of this attribute (for nested attributes, derived from the nested object).
  Type value_type() const;
};

struct NestedBlock;

struct Block {
  Block() = default;
  // Block{{attr(...), ...}, {NestedBlock{...}, ...}}
  // (Two constructors, not a `= {}` default argument: clang 14 rejects that default while
  // NestedBlock is incomplete, and the fuzz targets are built with clang.)
  explicit Block(std::vector<Attribute> attributes_);
  explicit Block(std::vector<Attribute> attributes_, std::vector<NestedBlock> block_types_);

  std::vector<Attribute> attributes;
  std::vector<NestedBlock> block_types;
  std::string description;
  DescriptionKind description_kind = DescriptionKind::Markdown;
  bool deprecated = false;

  // The object type of values of this block: one attribute per attribute and per nested block
  // type (list/set blocks as lists/sets of objects, map blocks as maps, single/group as objects;
  // a list or map block containing `dynamic` becomes `dynamic`, as in terraform).
  Type implied_type() const;

  const Attribute* find_attribute(std::string_view name) const;
  const NestedBlock* find_block(std::string_view type_name) const;
};

struct NestedBlock {
  std::string type_name;
  Block block;
  NestingMode nesting = NestingMode::List;
  int64_t min_items = 0;
  int64_t max_items = 0;  // 0 = no limit
};

inline Block::Block(std::vector<Attribute> attributes_, std::vector<NestedBlock> block_types_)
    : attributes(std::move(attributes_)), block_types(std::move(block_types_)) {}
inline Block::Block(std::vector<Attribute> attributes_) : attributes(std::move(attributes_)) {}

struct Schema {
  int64_t version = 0;  // bump when the state layout changes; Resource::upgrade sees the old one
  Block block;
};

// Builders for compact schema code:
//   Schema s{1, Block{{attr("name", Type::string()).required_(), attr("id", Type::string()).computed_()}}};
struct AttributeBuilder {
  Attribute a;
  AttributeBuilder& required_() {
    a.required = true;
    return *this;
  }
  AttributeBuilder& optional_() {
    a.optional = true;
    return *this;
  }
  AttributeBuilder& computed_() {
    a.computed = true;
    return *this;
  }
  AttributeBuilder& sensitive_() {
    a.sensitive = true;
    return *this;
  }
  AttributeBuilder& deprecated_() {
    a.deprecated = true;
    return *this;
  }
  AttributeBuilder& description(std::string d) {
    a.description = std::move(d);
    return *this;
  }
  operator Attribute() const { return a; }  // NOLINT: implicit on purpose
};
AttributeBuilder attr(std::string name, Type type);
AttributeBuilder nested_attr(std::string name, NestingMode nesting, std::vector<Attribute> attributes);

// Checks a schema for mistakes terraform would reject or crash on (both/neither of required and
// optional, computed+required, duplicate names, Group nesting on attributes, bad min/max items).
// Returns "" or the first problem found, naming the attribute.
std::string check_schema(const Schema& schema);

}  // namespace tfplugin
