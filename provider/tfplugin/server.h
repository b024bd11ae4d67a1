#pragma once
// serve(): the whole life of a provider process as terraform runs it (go-plugin handshake,
// AutoMTLS, gRPC services, shutdown). A provider's main() is one line:
//
//   int main(int argc, char** argv) { MyProvider p; return tfplugin::serve(p, argc, argv); }

#include <string>

#include "tfplugin/provider.h"

namespace tfplugin {

struct ServeOptions {
  // Printed in the TF_REATTACH_PROVIDERS line of `-debug` mode.
  std::string registry_address = "registry.terraform.io/homeserver/homeserver";
};

// Without terraform's magic cookie: prints that this is a plugin and returns 1.
// With `-debug`: serves without TLS and prints a TF_REATTACH_PROVIDERS line, until Ctrl-C.
// Returns the process exit code.
int serve(Provider& provider, int argc, char** argv, const ServeOptions& options = {});

}  // namespace tfplugin
