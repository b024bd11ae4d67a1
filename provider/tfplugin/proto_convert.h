#pragma once
// Internal: between the tfplugin model and the generated tfplugin6 protobuf messages. The only
// place (with provider_service.cpp) that sees protobuf types.

#include <string>

#include "tfplugin/diagnostics.h"
#include "tfplugin/schema.h"
#include "tfplugin/value.h"
#include "tfplugin6.pb.h"

namespace tfplugin::proto {

void to_proto(const Schema& schema, tfplugin6::Schema* out);
// With `root` (the resource's object type), attribute paths are cut where they step into a set.
void to_proto(const Diagnostics& diags, google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic>* out,
              const Type* root = nullptr);
// The protocol has no step for a set element: terraform can't resolve a path through one, so we
// point at the set itself.
AttributePath trim_at_sets(const AttributePath& path, const Type& root);
// Sets stop at the set (the protocol has no set step); the caller passes the schema-free path.
void to_proto(const AttributePath& path, tfplugin6::AttributePath* out);

// An empty DynamicValue (neither msgpack nor json) decodes as null. On failure adds an error
// naming `field` ("config", "prior_state", ...) and returns nullopt.
std::optional<Value> decode(const tfplugin6::DynamicValue& dv, const Type& type, const std::string& field,
                            Diagnostics& diags);
// On failure (a value that does not fit the schema) adds an error naming `field`, returns false.
bool encode(const Value& v, const Type& type, const std::string& field, tfplugin6::DynamicValue* out,
            Diagnostics& diags);

// List and set blocks must be empty collections, not null, in what we answer: fill them in.
Value normalize_blocks(const Value& v, const Block& block);

}  // namespace tfplugin::proto
