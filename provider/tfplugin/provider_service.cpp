// tfplugin6.Provider: decode what terraform sends, call the provider, encode the answer. Every
// handler turns exceptions into error diagnostics: a bug in resource code must show up as a
// terraform error, never as a crashed plugin.
#include "tfplugin/provider_service.h"

#include <cstdio>

#include "tfplugin/proto_convert.h"

namespace tfplugin {
namespace {

using proto::decode;
using proto::encode;

// Runs `body`; an exception becomes an error diagnostic saying which RPC failed.
template <typename Body>
void guarded(const char* rpc, Diagnostics& diags, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    diags.add_error("Provider error in " + std::string(rpc), e.what());
    std::fprintf(stderr, "[ERROR] %s: %s\n", rpc, e.what());
  } catch (...) {
    diags.add_error("Provider error in " + std::string(rpc), "unknown exception");
  }
}

template <typename Resp>
grpc::Status finish(const Diagnostics& diags, Resp* resp, const Type* root = nullptr) {
  proto::to_proto(diags, resp->mutable_diagnostics(), root);
  return grpc::Status::OK;
}

}  // namespace

ProviderService::ProviderService(Provider& provider) : provider_(provider) {
  auto check = [this](const std::string& what, const Schema& s) {
    if (auto problem = check_schema(s); !problem.empty())
      schema_problems_.add_error("Invalid provider schema", "Schema of " + what + ": " + problem + ".");
  };
  provider_schema_ = provider.provider_schema();
  provider_type_ = provider_schema_.block.implied_type();
  check("the provider block", provider_schema_);
  proto::to_proto(provider_schema_, schema_response_.mutable_provider());
  for (auto& [name, impl] : provider.resources()) {
    Schema s = impl->schema();
    check("resource " + name, s);
    proto::to_proto(s, &(*schema_response_.mutable_resource_schemas())[name]);
    Type t = s.block.implied_type();
    resources_.emplace(name, Entry<Resource>{impl, std::move(s), std::move(t)});
  }
  for (auto& [name, impl] : provider.data_sources()) {
    Schema s = impl->schema();
    check("data source " + name, s);
    proto::to_proto(s, &(*schema_response_.mutable_data_source_schemas())[name]);
    Type t = s.block.implied_type();
    data_sources_.emplace(name, Entry<DataSource>{impl, std::move(s), std::move(t)});
  }
  auto* caps = schema_response_.mutable_server_capabilities();
  caps->set_plan_destroy(true);
  caps->set_get_provider_schema_optional(true);
  proto::to_proto(schema_problems_, schema_response_.mutable_diagnostics());
}

const ProviderService::Entry<Resource>* ProviderService::resource(const std::string& type_name,
                                                                  Diagnostics& diags) const {
  auto it = resources_.find(type_name);
  if (it != resources_.end()) return &it->second;
  diags.add_error("Unknown resource type", "This provider has no resource type \"" + type_name + "\".");
  return nullptr;
}

const ProviderService::Entry<DataSource>* ProviderService::data_source(const std::string& type_name,
                                                                       Diagnostics& diags) const {
  auto it = data_sources_.find(type_name);
  if (it != data_sources_.end()) return &it->second;
  diags.add_error("Unknown data source type", "This provider has no data source type \"" + type_name + "\".");
  return nullptr;
}

grpc::Status ProviderService::GetMetadata(Ctx*, const tfplugin6::GetMetadataCall::Request*,
                                          tfplugin6::GetMetadataCall::Response* resp) {
  *resp->mutable_server_capabilities() = schema_response_.server_capabilities();
  for (const auto& [name, _] : resources_) resp->add_resources()->set_type_name(name);
  for (const auto& [name, _] : data_sources_) resp->add_data_sources()->set_type_name(name);
  return finish(schema_problems_, resp);
}

grpc::Status ProviderService::GetProviderSchema(Ctx*, const tfplugin6::GetProviderSchema::Request*,
                                                tfplugin6::GetProviderSchema::Response* resp) {
  *resp = schema_response_;
  return grpc::Status::OK;
}

grpc::Status ProviderService::ValidateProviderConfig(Ctx*, const tfplugin6::ValidateProviderConfig::Request* req,
                                                     tfplugin6::ValidateProviderConfig::Response* resp) {
  Diagnostics diags;
  guarded("ValidateProviderConfig", diags, [&] {
    auto config = decode(req->config(), provider_type_, "config", diags);
    if (config) diags.append(provider_.validate_config({*config}).diagnostics);
  });
  return finish(diags, resp);
}

grpc::Status ProviderService::ConfigureProvider(Ctx*, const tfplugin6::ConfigureProvider::Request* req,
                                                tfplugin6::ConfigureProvider::Response* resp) {
  Diagnostics diags;
  guarded("ConfigureProvider", diags, [&] {
    auto config = decode(req->config(), provider_type_, "config", diags);
    if (config) diags.append(provider_.configure({*config, req->terraform_version()}).diagnostics);
  });
  return finish(diags, resp);
}

grpc::Status ProviderService::ValidateResourceConfig(Ctx*, const tfplugin6::ValidateResourceConfig::Request* req,
                                                     tfplugin6::ValidateResourceConfig::Response* resp) {
  Diagnostics diags;
  const Type* root = nullptr;  // for cutting diagnostic paths at sets
  guarded("ValidateResourceConfig", diags, [&] {
    auto* r = resource(req->type_name(), diags);
    if (!r) return;
    root = &r->type;
    auto config = decode(req->config(), r->type, "config", diags);
    if (config) diags.append(r->impl->validate({*config}).diagnostics);
  });
  return finish(diags, resp, root);
}

grpc::Status ProviderService::ValidateDataResourceConfig(Ctx*,
                                                         const tfplugin6::ValidateDataResourceConfig::Request* req,
                                                         tfplugin6::ValidateDataResourceConfig::Response* resp) {
  Diagnostics diags;
  const Type* root = nullptr;  // for cutting diagnostic paths at sets
  guarded("ValidateDataResourceConfig", diags, [&] {
    auto* d = data_source(req->type_name(), diags);
    if (!d) return;
    root = &d->type;
    auto config = decode(req->config(), d->type, "config", diags);
    if (config) diags.append(d->impl->validate({*config}).diagnostics);
  });
  return finish(diags, resp, root);
}

grpc::Status ProviderService::UpgradeResourceState(Ctx*, const tfplugin6::UpgradeResourceState::Request* req,
                                                   tfplugin6::UpgradeResourceState::Response* resp) {
  Diagnostics diags;
  const Type* root = nullptr;  // for cutting diagnostic paths at sets
  guarded("UpgradeResourceState", diags, [&] {
    auto* r = resource(req->type_name(), diags);
    if (!r) return;
    root = &r->type;
    if (req->raw_state().json().empty() && req->raw_state().flatmap_size() > 0) {
      diags.add_error("Unsupported state format",
                      "This state was written by Terraform before 0.12 (flatmap); this provider can't read it.");
      return;
    }
    auto out = r->impl->upgrade({req->version(), req->raw_state().json()});
    diags.append(out.diagnostics);
    if (diags.has_errors()) return;
    encode(proto::normalize_blocks(out.upgraded_state, r->schema.block), r->type, "upgraded_state",
           resp->mutable_upgraded_state(), diags);
  });
  return finish(diags, resp, root);
}

grpc::Status ProviderService::ReadResource(Ctx*, const tfplugin6::ReadResource::Request* req,
                                           tfplugin6::ReadResource::Response* resp) {
  Diagnostics diags;
  const Type* root = nullptr;  // for cutting diagnostic paths at sets
  // Until the resource answers, keep what terraform has: an error must not look like "gone".
  *resp->mutable_new_state() = req->current_state();
  resp->set_private_(req->private_());
  guarded("ReadResource", diags, [&] {
    auto* r = resource(req->type_name(), diags);
    if (!r) return;
    root = &r->type;
    auto current = decode(req->current_state(), r->type, "current_state", diags);
    if (!current) return;
    auto out = r->impl->read({*current, req->private_()});
    diags.append(out.diagnostics);
    if (encode(proto::normalize_blocks(out.new_state, r->schema.block), r->type, "new_state", resp->mutable_new_state(),
               diags))
      resp->set_private_(out.private_data);
  });
  return finish(diags, resp, root);
}

grpc::Status ProviderService::PlanResourceChange(Ctx*, const tfplugin6::PlanResourceChange::Request* req,
                                                 tfplugin6::PlanResourceChange::Response* resp) {
  Diagnostics diags;
  const Type* root = nullptr;  // for cutting diagnostic paths at sets
  guarded("PlanResourceChange", diags, [&] {
    auto* r = resource(req->type_name(), diags);
    if (!r) return;
    root = &r->type;
    auto prior = decode(req->prior_state(), r->type, "prior_state", diags);
    auto proposed = decode(req->proposed_new_state(), r->type, "proposed_new_state", diags);
    auto config = decode(req->config(), r->type, "config", diags);
    if (!prior || !proposed || !config) return;
    if (proposed->is_null()) {
      // Destroy plan (we declare plan_destroy): nothing to decide, the object goes away.
      encode(Value::null(r->type), r->type, "planned_state", resp->mutable_planned_state(), diags);
      resp->set_planned_private(req->prior_private());
      return;
    }
    auto out = r->impl->plan({*prior, *proposed, *config, req->prior_private()});
    diags.append(out.diagnostics);
    if (diags.has_errors()) return;
    encode(proto::normalize_blocks(out.planned_state, r->schema.block), r->type, "planned_state",
           resp->mutable_planned_state(), diags);
    for (const auto& p : out.requires_replace) proto::to_proto(p, resp->add_requires_replace());
    resp->set_planned_private(out.planned_private);
  });
  return finish(diags, resp, root);
}

grpc::Status ProviderService::ApplyResourceChange(Ctx*, const tfplugin6::ApplyResourceChange::Request* req,
                                                  tfplugin6::ApplyResourceChange::Response* resp) {
  Diagnostics diags;
  const Type* root = nullptr;  // for cutting diagnostic paths at sets
  // If anything fails before the resource answers, terraform keeps the prior state.
  *resp->mutable_new_state() = req->prior_state();
  guarded("ApplyResourceChange", diags, [&] {
    auto* r = resource(req->type_name(), diags);
    if (!r) return;
    root = &r->type;
    auto prior = decode(req->prior_state(), r->type, "prior_state", diags);
    auto planned = decode(req->planned_state(), r->type, "planned_state", diags);
    auto config = decode(req->config(), r->type, "config", diags);
    if (!prior || !planned || !config) return;
    auto out = r->impl->apply({*prior, *planned, *config, req->planned_private()});
    diags.append(out.diagnostics);
    // Even with errors the new state is reported: a half-made object must be tracked.
    if (encode(proto::normalize_blocks(out.new_state, r->schema.block), r->type, "new_state", resp->mutable_new_state(),
               diags))
      resp->set_private_(out.private_data);
  });
  return finish(diags, resp, root);
}

grpc::Status ProviderService::ImportResourceState(Ctx*, const tfplugin6::ImportResourceState::Request* req,
                                                  tfplugin6::ImportResourceState::Response* resp) {
  Diagnostics diags;
  const Type* root = nullptr;  // for cutting diagnostic paths at sets
  guarded("ImportResourceState", diags, [&] {
    auto* r = resource(req->type_name(), diags);
    if (!r) return;
    root = &r->type;
    auto out = r->impl->import_state({req->id()});
    diags.append(out.diagnostics);
    if (diags.has_errors()) return;
    if (out.state.is_null()) {
      diags.add_error("Cannot import", "The provider found nothing to import for id \"" + req->id() + "\".");
      return;
    }
    auto* imported = resp->add_imported_resources();
    imported->set_type_name(req->type_name());
    imported->set_private_(out.private_data);
    if (!encode(proto::normalize_blocks(out.state, r->schema.block), r->type, "imported state",
                imported->mutable_state(), diags))
      resp->clear_imported_resources();
  });
  return finish(diags, resp, root);
}

grpc::Status ProviderService::ReadDataSource(Ctx*, const tfplugin6::ReadDataSource::Request* req,
                                             tfplugin6::ReadDataSource::Response* resp) {
  Diagnostics diags;
  const Type* root = nullptr;  // for cutting diagnostic paths at sets
  guarded("ReadDataSource", diags, [&] {
    auto* d = data_source(req->type_name(), diags);
    if (!d) return;
    root = &d->type;
    auto config = decode(req->config(), d->type, "config", diags);
    if (!config) return;
    auto out = d->impl->read({*config});
    diags.append(out.diagnostics);
    if (diags.has_errors()) return;
    encode(proto::normalize_blocks(out.state, d->schema.block), d->type, "state", resp->mutable_state(), diags);
  });
  return finish(diags, resp, root);
}

grpc::Status ProviderService::StopProvider(Ctx*, const tfplugin6::StopProvider::Request*,
                                           tfplugin6::StopProvider::Response* resp) {
  try {
    provider_.stop();
  } catch (const std::exception& e) {
    resp->set_error(e.what());
  }
  return grpc::Status::OK;
}

// What this provider does not offer gets a clear answer rather than a bare UNIMPLEMENTED.

grpc::Status ProviderService::MoveResourceState(Ctx*, const tfplugin6::MoveResourceState::Request* req,
                                                tfplugin6::MoveResourceState::Response* resp) {
  Diagnostics diags;
  diags.add_error("Move not supported", "This provider can't move state from \"" + req->source_type_name() +
                                            "\" into \"" + req->target_type_name() +
                                            "\"; use a replacement instead of a `moved` block.");
  return finish(diags, resp);
}

namespace {
Diagnostics no_ephemeral(const std::string& type_name) {
  Diagnostics d;
  d.add_error("Unknown ephemeral resource type",
              "This provider has no ephemeral resource types (asked for \"" + type_name + "\").");
  return d;
}
}  // namespace

grpc::Status ProviderService::ValidateEphemeralResourceConfig(
    Ctx*, const tfplugin6::ValidateEphemeralResourceConfig::Request* req,
    tfplugin6::ValidateEphemeralResourceConfig::Response* resp) {
  return finish(no_ephemeral(req->type_name()), resp);
}
grpc::Status ProviderService::OpenEphemeralResource(Ctx*, const tfplugin6::OpenEphemeralResource::Request* req,
                                                    tfplugin6::OpenEphemeralResource::Response* resp) {
  return finish(no_ephemeral(req->type_name()), resp);
}
grpc::Status ProviderService::RenewEphemeralResource(Ctx*, const tfplugin6::RenewEphemeralResource::Request* req,
                                                     tfplugin6::RenewEphemeralResource::Response* resp) {
  return finish(no_ephemeral(req->type_name()), resp);
}
grpc::Status ProviderService::CloseEphemeralResource(Ctx*, const tfplugin6::CloseEphemeralResource::Request* req,
                                                     tfplugin6::CloseEphemeralResource::Response* resp) {
  return finish(no_ephemeral(req->type_name()), resp);
}

grpc::Status ProviderService::GetFunctions(Ctx*, const tfplugin6::GetFunctions::Request*,
                                           tfplugin6::GetFunctions::Response*) {
  return grpc::Status::OK;  // no functions: an empty map is the truthful answer
}

grpc::Status ProviderService::CallFunction(Ctx*, const tfplugin6::CallFunction::Request* req,
                                           tfplugin6::CallFunction::Response* resp) {
  resp->mutable_error()->set_text("This provider has no function \"" + req->name() + "\".");
  return grpc::Status::OK;
}

}  // namespace tfplugin
