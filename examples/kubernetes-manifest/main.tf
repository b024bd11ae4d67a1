# Applies the rendered objects with the hashicorp/kubernetes provider, one kubernetes_manifest per
# object, so terraform tracks (and deletes) each of them.
#
# kubernetes_manifest needs the cluster reachable at plan time, and the namespace must exist first.

terraform {
  required_providers {
    homeserver = {
      source = "homeserver/homeserver"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.30"
    }
  }
}

provider "kubernetes" {
  config_path = "~/.kube/config"
}

resource "kubernetes_namespace" "apps" {
  metadata {
    name = "apps"
  }
}

resource "homeserver_sqlite_app" "feeds" {
  name          = "miniflux"
  namespace     = kubernetes_namespace.apps.metadata[0].name
  image         = "ghcr.io/example/feeds:2.1.0"
  args          = ["--listen", "0.0.0.0:8080"]
  ports         = [{ name = "http", container_port = 8080 }]
  database_path = "/var/lib/feeds/feeds.db"

  replica {
    type      = "file"
    path      = "/srv/backups/feeds"
    retention = "168h"
  }

  # Prometheus scrapes the replicator here; /healthz backs the sidecar's probes.
  metrics_port = 9090
}

resource "kubernetes_manifest" "feeds" {
  # `manifests` is sensitive as a whole (the Secret, when there is one, holds alert URLs); its keys
  # ("Deployment/miniflux", ...) are not, and for_each needs them in the clear.
  for_each = toset(nonsensitive(keys(homeserver_sqlite_app.feeds.manifests)))
  manifest = jsondecode(homeserver_sqlite_app.feeds.manifests[each.key])
}
