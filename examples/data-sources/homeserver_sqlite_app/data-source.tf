# Renders the same objects as the resource, without keeping anything in state: handy to preview
# manifests or to feed them to another tool.
data "homeserver_sqlite_app" "notes" {
  name          = "notes"
  image         = "ghcr.io/example/notes:1.4.2"
  ports         = [{ name = "http", container_port = 8080 }]
  database_path = "/data/notes.db"

  replica {
    type = "file"
    path = "/srv/backups/notes"
  }
}

output "notes_replicator_config" {
  value = data.homeserver_sqlite_app.notes.replicator_config
}

output "notes_objects" {
  # The keys ("Kind/name") are not secret; the values may be (the Secret holds alert URLs).
  value = nonsensitive(keys(data.homeserver_sqlite_app.notes.manifests))
}
