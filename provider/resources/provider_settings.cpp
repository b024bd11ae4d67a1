#include "resources/provider_settings.h"

#include "render/app_spec.h"
#include "render/syntax.h"

#include <utility>

namespace hs::provider {

std::string check_image_registry(const std::string& registry) {
  if (registry.empty()) return "must not be empty (leave image_registry unset instead)";
  std::string why = hs::render::syntax::check_image(registry);
  if (!why.empty()) return why;
  // An image reference's registry part: host (letters, digits, '.', '-'), optional ':port', optional
  // path components. Anything else would make an image reference nobody can pull.
  for (char c : registry) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '/' || c == '_';
    if (!ok)
      return "\"" + registry + "\" is not a registry prefix: only lowercase letters, digits and . - _ : / are " +
             "allowed (e.g. \"registry.lan:5000/\")";
  }
  if (registry.front() == '/' || registry.front() == ':' || registry.find("//") != std::string::npos)
    return "\"" + registry + "\" is not a registry prefix (e.g. \"registry.lan:5000/\" or \"ghcr.io/me/\")";
  return "";
}

std::string normalise_image_registry(const std::string& registry) {
  if (registry.empty() || registry.back() == '/') return registry;
  return registry + "/";
}

namespace {
std::string& released_digest() {
  static std::string digest;
  return digest;
}
}  // namespace

void set_released_replicator_digest(std::string digest) {
  released_digest() = std::move(digest);
}

std::string default_replicator_image(const ProviderSettings& settings) {
  if (!settings.replicator_image.empty()) return settings.replicator_image;
  std::string image = normalise_image_registry(settings.image_registry) + hs::render::default_replicator_image();
  // A pushed copy keeps the digest (skopeo copy --all), so the pin survives image_registry.
  if (!released_digest().empty()) image += "@" + released_digest();
  return image;
}

}  // namespace hs::provider
