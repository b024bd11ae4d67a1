// serve(): a provider process as go-plugin defines it. Start fast (terraform starts 3-5 processes
// per command), answer the handshake, serve gRPC on a private unix socket, and exit promptly when
// terraform calls GRPCController.Shutdown (it SIGKILLs 2 s later and the user waits).
#include "tfplugin/server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "plugin/grpc_controller.grpc.pb.h"
#include "plugin/grpc_stdio.grpc.pb.h"
#include "tfplugin/provider_service.h"
#include "tfplugin/server_handshake.h"
#include "tfplugin/server_tls.h"

namespace tfplugin {
namespace {

// One process-wide "time to go" latch: set by Shutdown, SIGTERM, or Ctrl-C in -debug mode.
class StopLatch {
 public:
  void trigger() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stopped_; });
  }
  // True once stopped; waits at most `ms`.
  bool wait_for(int ms) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopped_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

class Controller final : public plugin::GRPCController::Service {
 public:
  explicit Controller(StopLatch& stop) : stop_(stop) {}
  grpc::Status Shutdown(grpc::ServerContext*, const plugin::Empty*, plugin::Empty*) override {
    stop_.trigger();  // the main thread ends the server after this answer is on its way
    return grpc::Status::OK;
  }

 private:
  StopLatch& stop_;
};

// We log to stderr directly (terraform reads it), so the stdio stream stays open and silent.
class Stdio final : public plugin::GRPCStdio::Service {
 public:
  explicit Stdio(StopLatch& stop) : stop_(stop) {}
  grpc::Status StreamStdio(grpc::ServerContext* ctx, const google::protobuf::Empty*,
                           grpc::ServerWriter<plugin::StdioData>*) override {
    while (!ctx->IsCancelled() && !stop_.wait_for(200)) {
    }
    return grpc::Status::OK;
  }

 private:
  StopLatch& stop_;
};

}  // namespace

int serve(Provider& provider, int argc, char** argv, const ServeOptions& options) {
  const std::string program = argc > 0 ? argv[0] : "provider";
  bool debug = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-debug" || arg == "--debug")
      debug = true;
    else {
      std::fprintf(stderr, "%s: unknown argument \"%s\" (the only flag is -debug)\n", program.c_str(), argv[i]);
      return 1;
    }
  }
  if (!debug) {
    const char* cookie = std::getenv(handshake::kCookieKey);
    if (!cookie || std::strcmp(cookie, handshake::kCookieValue) != 0) {
      std::fputs(handshake::not_run_by_terraform_message(program).c_str(), stderr);
      return 1;
    }
    if (auto problem = handshake::check_protocol_versions(std::getenv("PLUGIN_PROTOCOL_VERSIONS")); !problem.empty()) {
      std::fprintf(stderr, "%s: %s\n", program.c_str(), problem.c_str());
      return 1;
    }
  }

  // Signals go to one waiting thread; gRPC's threads (created later) inherit the mask.
  // Ctrl-C reaches the whole process group: terraform answers it with StopProvider, so a
  // managed provider ignores SIGINT. Under -debug the user's Ctrl-C is how it ends.
  // A shell starts background jobs with SIGINT ignored, and an ignored signal never reaches
  // sigwait: restore the default first (they stay blocked, so nothing dies of them).
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  StopLatch stop;
  std::thread([&stop, signals, debug]() mutable {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGTERM || debug) {
        stop.trigger();
        return;
      }
    }
  }).detach();

  std::unique_ptr<handshake::SocketDir> dir;
  std::unique_ptr<ProviderService> service;
  std::string cert_field;
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  try {
    dir = std::make_unique<handshake::SocketDir>();
    service = std::make_unique<ProviderService>(provider);
    const char* client_cert = std::getenv("PLUGIN_CLIENT_CERT");
    if (!debug && client_cert && *client_cert) {
      // AutoMTLS: our own fresh certificate; only terraform's (from the environment) may connect.
      auto cert = tls::make_server_cert();
      grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
      ssl.pem_root_certs = client_cert;
      ssl.pem_key_cert_pairs.push_back({cert.key_pem, cert.cert_pem});
      creds = grpc::SslServerCredentials(ssl);
      cert_field = cert.cert_der_base64;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: can't start: %s\n", program.c_str(), e.what());
    return 1;
  }

  Controller controller(stop);
  Stdio stdio(stop);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + dir->socket_path(), creds);
  builder.RegisterService(service.get());
  builder.RegisterService(&controller);
  builder.RegisterService(&stdio);
  // Big states and schemas: gRPC's 4 MiB default is too small (the Go SDK allows 256 MiB).
  builder.SetMaxReceiveMessageSize(256 << 20);
  builder.SetMaxSendMessageSize(256 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "%s: can't start the gRPC server on %s%s\n", program.c_str(), dir->socket_path().c_str(),
                 cert_field.empty() ? "" : " (is PLUGIN_CLIENT_CERT a PEM certificate?)");
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus("plugin", true);

  if (debug) {
    std::printf(
        "Provider started. To attach Terraform, set TF_REATTACH_PROVIDERS to this value in a shell:\n\n\t%s\n\n"
        "Stop the provider with Ctrl-C.\n",
        handshake::reattach_line(options.registry_address, static_cast<long>(getpid()), dir->socket_path()).c_str());
  } else {
    std::printf("%s\n", handshake::handshake_line(dir->socket_path(), cert_field).c_str());
  }
  std::fflush(stdout);

  stop.wait();
  // Give in-flight answers (the Shutdown reply itself) a moment, then cut the rest.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(250));
  dir->remove();
  std::fflush(stderr);
  // Skip global destructors: gRPC's and the provider's teardown is not worth terraform's wait.
  std::_Exit(0);
}

}  // namespace tfplugin
