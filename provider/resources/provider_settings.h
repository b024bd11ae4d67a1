#pragma once
// The provider block: settings every homeserver_sqlite_app of a configuration shares.
//
//   provider "homeserver" {
//     image_registry   = "registry.lan:5000/"   # prefix for the default replicator image
//     replicator_image = "..."                  # or a whole image instead of the default
//   }
//
// Precedence for an app's replicator image: the app's own replicator_image, then the provider's
// replicator_image, then image_registry + render's default image, then render's default.

#include <string>

namespace hs::provider {

struct ProviderSettings {
  std::string replicator_image;  // "" = not set
  std::string image_registry;    // "" = not set; normalised to end with "/"
};

// "" when `registry` is a usable prefix ("host[:port][/path]" with an optional trailing "/"),
// else what is wrong, naming the value.
std::string check_image_registry(const std::string& registry);

// Adds the trailing "/" the prefix needs ("registry.lan:5000" -> "registry.lan:5000/").
std::string normalise_image_registry(const std::string& registry);

// The image an app uses when its own replicator_image is unset. In release binaries render's default
// is pinned to the image index digest the provider was released with ("<name>:<V>@sha256:...").
std::string default_replicator_image(const ProviderSettings& settings);

// Set once by main() before serving, from <homeserver/release_image.h>: "sha256:<hex>" in release
// builds (cmake/Release.cmake generates it after building the image), "" in development builds.
void set_released_replicator_digest(std::string digest);

}  // namespace hs::provider
