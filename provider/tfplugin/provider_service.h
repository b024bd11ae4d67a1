#pragma once
// Internal: the tfplugin6.Provider gRPC service on top of a tfplugin::Provider.

#include <map>
#include <memory>
#include <string>

#include "tfplugin/provider.h"
#include "tfplugin6.grpc.pb.h"

namespace tfplugin {

class ProviderService final : public tfplugin6::Provider::Service {
 public:
  // Asks the provider for its resources, data sources and schemas once, up front.
  explicit ProviderService(Provider& provider);

  using Ctx = grpc::ServerContext;
  grpc::Status GetMetadata(Ctx*, const tfplugin6::GetMetadataCall::Request*,
                           tfplugin6::GetMetadataCall::Response*) override;
  grpc::Status GetProviderSchema(Ctx*, const tfplugin6::GetProviderSchema::Request*,
                                 tfplugin6::GetProviderSchema::Response*) override;
  grpc::Status ValidateProviderConfig(Ctx*, const tfplugin6::ValidateProviderConfig::Request*,
                                      tfplugin6::ValidateProviderConfig::Response*) override;
  grpc::Status ValidateResourceConfig(Ctx*, const tfplugin6::ValidateResourceConfig::Request*,
                                      tfplugin6::ValidateResourceConfig::Response*) override;
  grpc::Status ValidateDataResourceConfig(Ctx*, const tfplugin6::ValidateDataResourceConfig::Request*,
                                          tfplugin6::ValidateDataResourceConfig::Response*) override;
  grpc::Status UpgradeResourceState(Ctx*, const tfplugin6::UpgradeResourceState::Request*,
                                    tfplugin6::UpgradeResourceState::Response*) override;
  grpc::Status ConfigureProvider(Ctx*, const tfplugin6::ConfigureProvider::Request*,
                                 tfplugin6::ConfigureProvider::Response*) override;
  grpc::Status ReadResource(Ctx*, const tfplugin6::ReadResource::Request*, tfplugin6::ReadResource::Response*) override;
  grpc::Status PlanResourceChange(Ctx*, const tfplugin6::PlanResourceChange::Request*,
                                  tfplugin6::PlanResourceChange::Response*) override;
  grpc::Status ApplyResourceChange(Ctx*, const tfplugin6::ApplyResourceChange::Request*,
                                   tfplugin6::ApplyResourceChange::Response*) override;
  grpc::Status ImportResourceState(Ctx*, const tfplugin6::ImportResourceState::Request*,
                                   tfplugin6::ImportResourceState::Response*) override;
  grpc::Status MoveResourceState(Ctx*, const tfplugin6::MoveResourceState::Request*,
                                 tfplugin6::MoveResourceState::Response*) override;
  grpc::Status ReadDataSource(Ctx*, const tfplugin6::ReadDataSource::Request*,
                              tfplugin6::ReadDataSource::Response*) override;
  grpc::Status ValidateEphemeralResourceConfig(Ctx*, const tfplugin6::ValidateEphemeralResourceConfig::Request*,
                                               tfplugin6::ValidateEphemeralResourceConfig::Response*) override;
  grpc::Status OpenEphemeralResource(Ctx*, const tfplugin6::OpenEphemeralResource::Request*,
                                     tfplugin6::OpenEphemeralResource::Response*) override;
  grpc::Status RenewEphemeralResource(Ctx*, const tfplugin6::RenewEphemeralResource::Request*,
                                      tfplugin6::RenewEphemeralResource::Response*) override;
  grpc::Status CloseEphemeralResource(Ctx*, const tfplugin6::CloseEphemeralResource::Request*,
                                      tfplugin6::CloseEphemeralResource::Response*) override;
  grpc::Status GetFunctions(Ctx*, const tfplugin6::GetFunctions::Request*, tfplugin6::GetFunctions::Response*) override;
  grpc::Status CallFunction(Ctx*, const tfplugin6::CallFunction::Request*, tfplugin6::CallFunction::Response*) override;
  grpc::Status StopProvider(Ctx*, const tfplugin6::StopProvider::Request*, tfplugin6::StopProvider::Response*) override;

 private:
  template <typename T>
  struct Entry {
    std::shared_ptr<T> impl;
    Schema schema;
    Type type;  // schema.block.implied_type()
  };
  const Entry<Resource>* resource(const std::string& type_name, Diagnostics& diags) const;
  const Entry<DataSource>* data_source(const std::string& type_name, Diagnostics& diags) const;

  Provider& provider_;
  Schema provider_schema_;
  Type provider_type_;
  std::map<std::string, Entry<Resource>> resources_;
  std::map<std::string, Entry<DataSource>> data_sources_;
  Diagnostics schema_problems_;  // reported by GetProviderSchema
  tfplugin6::GetProviderSchema::Response schema_response_;
};

}  // namespace tfplugin
