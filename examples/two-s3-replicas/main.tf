# Vaultwarden with two S3 replicas: MinIO on the NAS (fast restores at home) and Wasabi off-site
# (survives the house). Their keys live in one Secret you create once, outside terraform, so no
# credential ever lands in the terraform state or the replicator config:
#
#   kubectl create namespace apps
#   kubectl -n apps create secret generic vaultwarden-s3 \
#     --from-literal=LITESTREAM_ACCESS_KEY_ID=<minio key> \
#     --from-literal=LITESTREAM_SECRET_ACCESS_KEY=<minio secret> \
#     --from-literal=WASABI_ACCESS_KEY_ID=<wasabi key> \
#     --from-literal=WASABI_SECRET_ACCESS_KEY=<wasabi secret>
#
# The NAS replica uses the shared LITESTREAM_* keys; the Wasabi replica names its own variables.
# A nightly CronJob restores the newest backup and checks it.

terraform {
  required_providers {
    homeserver = {
      source = "homeserver/homeserver"
    }
  }
}

resource "homeserver_sqlite_app" "vaultwarden" {
  name      = "vaultwarden"
  namespace = "apps"
  image     = "vaultwarden/server:1.30.5"
  env = {
    DATABASE_URL      = "/data/db.sqlite3"
    WEBSOCKET_ENABLED = "true"
    ROCKET_PORT       = "8080"
  }
  ports = [{ name = "http", container_port = 8080, protocol = "TCP" }]
  resources = {
    requests = { cpu = "50m", memory = "64Mi" }
    limits   = { memory = "256Mi" }
  }

  database_path      = "/data/db.sqlite3"
  credentials_secret = "vaultwarden-s3"

  replica {
    name             = "nas"
    type             = "s3"
    endpoint         = "http://nas.lan:9000"
    bucket           = "backups"
    path             = "vaultwarden"
    force_path_style = true
    sync_interval    = "1s"
    retention        = "72h"
  }

  replica {
    name              = "wasabi"
    type              = "s3"
    endpoint          = "https://s3.eu-central-2.wasabisys.com"
    region            = "eu-central-2"
    bucket            = "offsite-backups"
    path              = "vaultwarden"

    access_key_id_env     = "WASABI_ACCESS_KEY_ID"
    secret_access_key_env = "WASABI_SECRET_ACCESS_KEY"

    sync_interval     = "1m"
    snapshot_interval = "24h"
    retention         = "720h"
  }

  verify {
    schedule  = "30 4 * * *"
    time_zone = "Europe/Berlin"
    max_age   = "26h"
  }
}

output "id" {
  value = homeserver_sqlite_app.vaultwarden.id
}

output "objects" {
  value = nonsensitive(keys(homeserver_sqlite_app.vaultwarden.manifests))
}

output "replicator_config" {
  value = homeserver_sqlite_app.vaultwarden.replicator_config
}
