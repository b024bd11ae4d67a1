// tfplugin-grpc-probe: talks gRPC to tfplugin-echo the way terraform's go-plugin client does,
// for what terraform never exercises on its own: health, GetMetadata, unknown type names,
// malformed values, RPCs we do not offer, concurrent calls, StopProvider, and how fast the
// process is gone after GRPCController.Shutdown.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "plugin/grpc_controller.grpc.pb.h"
#include "plugin/grpc_stdio.grpc.pb.h"
#include "tfplugin6.grpc.pb.h"

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  std::fflush(stdout);
  if (!ok) ++failures;
}

struct Child {
  pid_t pid = -1;
  std::string socket;
};

Child start(const char* binary) {
  int out[2];
  if (pipe(out) != 0) return {};
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    setenv("TF_PLUGIN_MAGIC_COOKIE", "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2", 1);
    setenv("PLUGIN_PROTOCOL_VERSIONS", "5,6", 1);
    unsetenv("PLUGIN_CLIENT_CERT");
    execl(binary, binary, static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char ch;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  close(out[0]);
  // 1|6|unix|PATH|grpc|
  size_t a = line.find("|unix|"), b = line.find("|grpc|");
  if (a != std::string::npos && b != std::string::npos) c.socket = line.substr(a + 6, b - a - 6);
  return c;
}

// Does the process end within `ms`? Reaps it if so.
bool exits_within(pid_t pid, int ms, int& status) {
  for (int waited = 0; waited < ms; waited += 5) {
    if (waitpid(pid, &status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

tfplugin6::DynamicValue msgpack(const std::string& bytes) {
  tfplugin6::DynamicValue v;
  v.set_msgpack(bytes);
  return v;
}

bool has_diag(const google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic>& diags, const std::string& text) {
  for (const auto& d : diags)
    if (d.severity() == tfplugin6::Diagnostic::ERROR && (d.summary() + " " + d.detail()).find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PROVIDER_BINARY\n", argv[0]);
    return 2;
  }
  Child child = start(argv[1]);
  if (child.socket.empty()) {
    std::printf("FAIL no handshake from %s\n", argv[1]);
    if (child.pid > 0) kill(child.pid, SIGKILL);
    return 1;
  }
  auto channel = grpc::CreateChannel("unix:" + child.socket, grpc::InsecureChannelCredentials());
  auto provider = tfplugin6::Provider::NewStub(channel);
  auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(10); };

  {  // go-plugin's ping: grpc.health.v1.Health/Check {service: "plugin"} -> {status: SERVING}
    grpc::GenericStub generic(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    const char req_bytes[] = "\x0a\x06plugin";
    grpc::Slice slice(req_bytes, sizeof req_bytes - 1);
    grpc::ByteBuffer req(&slice, 1), resp;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &req, &resp,
                      [&done](grpc::Status s) { done.set_value(s); });
    grpc::Status s = done.get_future().get();
    std::vector<grpc::Slice> slices;
    std::string body;
    if (s.ok() && resp.Dump(&slices).ok())
      for (auto& sl : slices) body.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    check(s.ok() && body == std::string("\x08\x01", 2), "health check of service \"plugin\": SERVING");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::GetProviderSchema::Response resp;
    auto s = provider->GetProviderSchema(&ctx, {}, &resp);
    check(s.ok() && resp.server_capabilities().plan_destroy() && resp.server_capabilities().get_provider_schema_optional(),
          "GetProviderSchema: plan_destroy and get_provider_schema_optional");
    check(resp.resource_schemas().count("echo_thing") && resp.data_source_schemas().count("echo_lookup") && resp.diagnostics_size() == 0,
          "GetProviderSchema: resource and data source schemas, no diagnostics");
    check(resp.resource_schemas().at("echo_thing").version() == 1, "resource schema version");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::GetMetadataCall::Response resp;
    auto s = provider->GetMetadata(&ctx, {}, &resp);
    check(s.ok() && resp.resources_size() == 1 && resp.resources(0).type_name() == "echo_thing" && resp.data_sources_size() == 1,
          "GetMetadata lists the resource and data source types");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::ValidateResourceConfig::Request req;
    req.set_type_name("echo_nope");
    *req.mutable_config() = msgpack("\xc0");
    tfplugin6::ValidateResourceConfig::Response resp;
    auto s = provider->ValidateResourceConfig(&ctx, req, &resp);
    check(s.ok() && has_diag(resp.diagnostics(), "no resource type \"echo_nope\""), "unknown resource type: error diagnostic naming it");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::ReadDataSource::Request req;
    req.set_type_name("echo_nope");
    tfplugin6::ReadDataSource::Response resp;
    auto s = provider->ReadDataSource(&ctx, req, &resp);
    check(s.ok() && has_diag(resp.diagnostics(), "no data source type"), "unknown data source type: error diagnostic");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::ValidateResourceConfig::Request req;
    req.set_type_name("echo_thing");
    *req.mutable_config() = msgpack(std::string("\xdd\xff\xff\xff\xff", 5));
    tfplugin6::ValidateResourceConfig::Response resp;
    auto s = provider->ValidateResourceConfig(&ctx, req, &resp);
    check(s.ok() && has_diag(resp.diagnostics(), "Invalid config from terraform"), "malformed msgpack: diagnostic, process alive");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::PlanResourceChange::Request req;
    req.set_type_name("echo_thing");
    *req.mutable_prior_state() = msgpack("\x81\xa4name\xa1x");  // missing attributes read as null
    *req.mutable_proposed_new_state() = msgpack("\xc0");
    *req.mutable_config() = msgpack("\xc0");
    req.set_prior_private("keep");
    tfplugin6::PlanResourceChange::Response resp;
    auto s = provider->PlanResourceChange(&ctx, req, &resp);
    check(s.ok() && resp.diagnostics_size() == 0 && resp.planned_state().msgpack() == "\xc0" && resp.planned_private() == "keep",
          "destroy plan: proposed null -> planned null");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::MoveResourceState::Request req;
    req.set_source_type_name("other_thing");
    req.set_target_type_name("echo_thing");
    tfplugin6::MoveResourceState::Response resp;
    auto s = provider->MoveResourceState(&ctx, req, &resp);
    check(s.ok() && has_diag(resp.diagnostics(), "Move not supported"), "MoveResourceState: clear error diagnostic");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::OpenEphemeralResource::Request req;
    req.set_type_name("echo_eph");
    tfplugin6::OpenEphemeralResource::Response resp;
    auto s = provider->OpenEphemeralResource(&ctx, req, &resp);
    check(s.ok() && has_diag(resp.diagnostics(), "echo_eph"), "ephemeral resources: clear error diagnostic");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::CallFunction::Request req;
    req.set_name("frob");
    tfplugin6::CallFunction::Response resp;
    auto s = provider->CallFunction(&ctx, req, &resp);
    check(s.ok() && resp.error().text().find("frob") != std::string::npos, "CallFunction: function error naming it");
    grpc::ClientContext ctx2;
    tfplugin6::GetFunctions::Response fresp;
    check(provider->GetFunctions(&ctx2, {}, &fresp).ok() && fresp.functions_size() == 0, "GetFunctions: none");
  }
  {  // terraform plans up to 10 resources at once on one process
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 20; ++i) {
          grpc::ClientContext ctx;
          tfplugin6::ValidateResourceConfig::Request req;
          req.set_type_name("echo_thing");
          *req.mutable_config() = msgpack("\x81\xa4name\xa7invalid");
          tfplugin6::ValidateResourceConfig::Response resp;
          if (provider->ValidateResourceConfig(&ctx, req, &resp).ok() && has_diag(resp.diagnostics(), "Invalid name") &&
              resp.diagnostics(0).attribute().steps(0).attribute_name() == "name")
            ++good;
        }
      });
    for (auto& t : threads) t.join();
    check(good == 320, "320 concurrent ValidateResourceConfig calls, each with its diagnostic and path (" + std::to_string(good.load()) + ")");
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::StopProvider::Response resp;
    check(provider->StopProvider(&ctx, {}, &resp).ok() && resp.error().empty(), "StopProvider answers");
  }

  // Like go-plugin: an open stdio stream, then Shutdown; the process must be gone quickly.
  auto stdio = plugin::GRPCStdio::NewStub(channel);
  grpc::ClientContext stdio_ctx;
  auto reader = stdio->StreamStdio(&stdio_ctx, google::protobuf::Empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto controller = plugin::GRPCController::NewStub(channel);
  grpc::ClientContext ctx;
  plugin::Empty empty;
  auto t0 = std::chrono::steady_clock::now();
  auto s = controller->Shutdown(&ctx, empty, &empty);
  check(s.ok(), "GRPCController.Shutdown answers");
  int status = 0;
  bool gone = exits_within(child.pid, 1500, status);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  check(gone && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "process exits 0 after Shutdown in " + std::to_string(int(ms)) + " ms (terraform kills after 2000)");
  struct stat st;
  std::string dir = child.socket.substr(0, child.socket.rfind('/'));
  check(stat(dir.c_str(), &st) != 0, "socket directory removed");
  if (!gone) {
    kill(child.pid, SIGKILL);
    waitpid(child.pid, &status, 0);
  }
  stdio_ctx.TryCancel();
  std::printf(failures ? "%d check(s) failed\n" : "all gRPC checks passed\n", failures);
  return failures ? 1 : 0;
}
