#include "tfplugin/proto_convert.h"

#include "tfplugin/codec.h"

namespace tfplugin::proto {
namespace {

tfplugin6::StringKind kind(DescriptionKind k) {
  return k == DescriptionKind::Markdown ? tfplugin6::MARKDOWN : tfplugin6::PLAIN;
}

void attribute_to_proto(const Attribute& a, tfplugin6::Schema::Attribute* out) {
  out->set_name(a.name);
  if (a.nested) {
    auto* obj = out->mutable_nested_type();
    for (const auto& na : a.nested->attributes) attribute_to_proto(na, obj->add_attributes());
    switch (a.nested->nesting) {
      case NestingMode::List: obj->set_nesting(tfplugin6::Schema::Object::LIST); break;
      case NestingMode::Set: obj->set_nesting(tfplugin6::Schema::Object::SET); break;
      case NestingMode::Map: obj->set_nesting(tfplugin6::Schema::Object::MAP); break;
      default: obj->set_nesting(tfplugin6::Schema::Object::SINGLE); break;
    }
  } else {
    out->set_type(a.type.to_json());
  }
  out->set_description(a.description);
  out->set_description_kind(kind(a.description_kind));
  out->set_required(a.required);
  out->set_optional(a.optional);
  out->set_computed(a.computed);
  out->set_sensitive(a.sensitive);
  out->set_deprecated(a.deprecated);
}

void block_to_proto(const Block& b, int64_t version, tfplugin6::Schema::Block* out) {
  out->set_version(version);
  for (const auto& a : b.attributes) attribute_to_proto(a, out->add_attributes());
  for (const auto& nb : b.block_types) {
    auto* p = out->add_block_types();
    p->set_type_name(nb.type_name);
    block_to_proto(nb.block, version, p->mutable_block());
    switch (nb.nesting) {
      case NestingMode::Single: p->set_nesting(tfplugin6::Schema::NestedBlock::SINGLE); break;
      case NestingMode::List: p->set_nesting(tfplugin6::Schema::NestedBlock::LIST); break;
      case NestingMode::Set: p->set_nesting(tfplugin6::Schema::NestedBlock::SET); break;
      case NestingMode::Map: p->set_nesting(tfplugin6::Schema::NestedBlock::MAP); break;
      case NestingMode::Group: p->set_nesting(tfplugin6::Schema::NestedBlock::GROUP); break;
    }
    p->set_min_items(nb.min_items);
    p->set_max_items(nb.max_items);
  }
  out->set_description(b.description);
  out->set_description_kind(kind(b.description_kind));
  out->set_deprecated(b.deprecated);
}

}  // namespace

void to_proto(const Schema& schema, tfplugin6::Schema* out) {
  out->set_version(schema.version);
  block_to_proto(schema.block, schema.version, out->mutable_block());
}

void to_proto(const AttributePath& path, tfplugin6::AttributePath* out) {
  for (const auto& s : path.steps()) {
    auto* step = out->add_steps();
    switch (s.kind) {
      case PathStep::Kind::Attribute: step->set_attribute_name(s.name); break;
      case PathStep::Kind::ElementKeyString: step->set_element_key_string(s.name); break;
      case PathStep::Kind::ElementKeyInt: step->set_element_key_int(s.index); break;
    }
  }
}

AttributePath trim_at_sets(const AttributePath& path, const Type& root) {
  AttributePath out;
  const Type* t = &root;
  for (const auto& step : path.steps()) {
    if (t && t->kind() == Type::Kind::Set) break;
    const Type* next = nullptr;
    if (t) {
      switch (t->kind()) {
        case Type::Kind::Object: {
          auto it = t->attributes().find(step.name);
          if (step.kind == PathStep::Kind::Attribute && it != t->attributes().end()) next = &it->second;
          break;
        }
        case Type::Kind::List:
        case Type::Kind::Map: next = &t->element(); break;
        case Type::Kind::Tuple:
          if (step.kind == PathStep::Kind::ElementKeyInt && step.index >= 0 &&
              static_cast<size_t>(step.index) < t->tuple_elements().size())
            next = &t->tuple_elements()[static_cast<size_t>(step.index)];
          break;
        default: break;  // dynamic or primitive: nothing more to know, keep the steps as given
      }
    }
    switch (step.kind) {
      case PathStep::Kind::Attribute: out = out.attr(step.name); break;
      case PathStep::Kind::ElementKeyString: out = out.key(step.name); break;
      case PathStep::Kind::ElementKeyInt: out = out.index(step.index); break;
    }
    t = next;
  }
  return out;
}

void to_proto(const Diagnostics& diags, google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic>* out,
              const Type* root) {
  for (const auto& d : diags) {
    auto* p = out->Add();
    p->set_severity(d.severity == Severity::Error ? tfplugin6::Diagnostic::ERROR : tfplugin6::Diagnostic::WARNING);
    p->set_summary(d.summary);
    p->set_detail(d.detail);
    if (d.attribute && !d.attribute->empty())
      to_proto(root ? trim_at_sets(*d.attribute, *root) : *d.attribute, p->mutable_attribute());
  }
}

std::optional<Value> decode(const tfplugin6::DynamicValue& dv, const Type& type, const std::string& field,
                            Diagnostics& diags) {
  std::string error;
  std::optional<Value> v;
  if (!dv.msgpack().empty())
    v = decode_msgpack(dv.msgpack(), type, error);
  else if (!dv.json().empty())
    v = decode_json(dv.json(), type, error);
  else
    return Value::null(type);
  if (!v)
    diags.add_error("Invalid " + field + " from terraform", "The provider could not decode " + field + ": " + error);
  return v;
}

bool encode(const Value& v, const Type& type, const std::string& field, tfplugin6::DynamicValue* out,
            Diagnostics& diags) {
  try {
    out->set_msgpack(encode_msgpack(v, type));
    return true;
  } catch (const std::exception& e) {
    diags.add_error("Provider bug: invalid " + field,
                    std::string("The provider produced a value that does not fit its schema: ") + e.what());
    return false;
  }
}

Value normalize_blocks(const Value& v, const Block& block) {
  if (v.is_null() || v.is_unknown() || v.type().kind() != Type::Kind::Object) return v;
  Value out = v;
  for (const auto& nb : block.block_types) {
    if (!out.has(nb.type_name)) continue;
    const Value& child = out[nb.type_name];
    Type object = nb.block.implied_type();
    if (child.is_unknown()) continue;
    switch (nb.nesting) {
      case NestingMode::List:
        if (object.has_dynamic()) break;  // a tuple at runtime: leave as is
        if (child.is_null()) {
          out = out.with_attribute(nb.type_name, Value::list(object, {}));
          break;
        }
        {
          std::vector<Value> elems;
          for (const auto& e : child.elements()) elems.push_back(normalize_blocks(e, nb.block));
          out = out.with_attribute(nb.type_name, Value::list(object, std::move(elems)));
        }
        break;
      case NestingMode::Set:
        if (child.is_null()) {
          out = out.with_attribute(nb.type_name, Value::set(object, {}));
          break;
        }
        {
          std::vector<Value> elems;
          for (const auto& e : child.elements()) elems.push_back(normalize_blocks(e, nb.block));
          out = out.with_attribute(nb.type_name, Value::set(object, std::move(elems)));
        }
        break;
      case NestingMode::Single:
      case NestingMode::Group: out = out.with_attribute(nb.type_name, normalize_blocks(child, nb.block)); break;
      case NestingMode::Map:
        if (object.has_dynamic()) break;
        if (child.is_null()) {
          out = out.with_attribute(nb.type_name, Value::map(object, {}));
          break;
        }
        {
          std::map<std::string, Value> elems;
          for (const auto& [k, e] : child.entries()) elems.emplace(k, normalize_blocks(e, nb.block));
          out = out.with_attribute(nb.type_name, Value::map(object, std::move(elems)));
        }
        break;
    }
  }
  return out;
}

}  // namespace tfplugin::proto
