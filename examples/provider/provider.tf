terraform {
  required_providers {
    homeserver = {
      source  = "homeserver/homeserver"
      version = "~> 0.1"
    }
  }
}

# Both settings are optional. The provider talks to no cluster: it only renders manifests.
provider "homeserver" {
  # Registry prefix of the default replicator image (your own registry on the LAN).
  image_registry = "registry.lan:5000/"

  # Or pin the replicator image of every app explicitly (an app's own replicator_image still wins):
  # replicator_image = "registry.lan:5000/homeserver-replicator:0.1.0"
}
