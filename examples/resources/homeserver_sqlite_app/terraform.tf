# Not part of the registry snippet: lets this directory be applied on its own.
terraform {
  required_providers {
    homeserver = {
      source = "homeserver/homeserver"
    }
  }
}
