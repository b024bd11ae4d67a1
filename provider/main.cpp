// terraform-provider-homeserver: terraform starts it; tfplugin::serve does the rest.
#include <homeserver/release_image.h>

#include "resources/homeserver_provider.h"
#include "resources/provider_settings.h"
#include "tfplugin/server.h"

int main(int argc, char** argv) {
  // Release builds pin the default replicator image to the digest of the image built with them.
  hs::provider::set_released_replicator_digest(HOMESERVER_REPLICATOR_IMAGE_DIGEST);
  hs::provider::HomeserverProvider provider;
  return tfplugin::serve(provider, argc, argv);
}
