# The smallest useful app: a notes service whose SQLite database is replicated every second to a
# directory on the node (a single-node cluster, e.g. k3s on a Raspberry Pi, with a USB disk).
#
#   terraform apply
#   terraform output -raw manifests_yaml | kubectl apply -f -
#
# Prepare the backup directory on the node for the pod's user (1000 by default):
#   sudo install -d -o 1000 -g 1000 /srv/backups/notes

terraform {
  required_providers {
    homeserver = {
      source = "homeserver/homeserver"
    }
  }
}

resource "homeserver_sqlite_app" "notes" {
  name          = "notes"
  image         = "ghcr.io/example/notes:1.4.2"
  ports         = [{ name = "http", container_port = 8080 }]
  database_path = "/data/notes.db"

  replica {
    type = "file"
    path = "/srv/backups/notes"
  }
}

output "id" {
  value = homeserver_sqlite_app.notes.id
}

output "replicator_config" {
  value = homeserver_sqlite_app.notes.replicator_config
}

output "manifests_yaml" {
  value     = homeserver_sqlite_app.notes.manifests_yaml
  sensitive = true
}
