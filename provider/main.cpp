// terraform-provider-homeserver: terraform starts it; tfplugin::serve does the rest.
#include "resources/homeserver_provider.h"
#include "tfplugin/server.h"

int main(int argc, char** argv) {
  hs::provider::HomeserverProvider provider;
  return tfplugin::serve(provider, argc, argv);
}
