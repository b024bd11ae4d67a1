# Vaultwarden as a real home deployment: secrets only from Secrets (nothing sensitive in the state or the
# plan), a health endpoint for the probes, a Service, an image from a private registry, and three replicas:
# MinIO on the NAS and Wasabi off-site, each with its own Secret, plus a USB disk on the node the app is
# pinned to. Create the Secrets once, outside terraform:
#
#   kubectl create namespace apps
#   kubectl -n apps create secret generic vaultwarden-admin --from-literal=admin-token=<token>
#   kubectl -n apps create secret generic vaultwarden-env --from-env-file=vaultwarden.env   # SMTP_* etc.
#   kubectl -n apps create secret generic minio-backup \
#     --from-literal=AWS_ACCESS_KEY_ID=<minio key> --from-literal=AWS_SECRET_ACCESS_KEY=<minio secret>
#   kubectl -n apps create secret generic wasabi-backup \
#     --from-literal=AWS_ACCESS_KEY_ID=<wasabi key> --from-literal=AWS_SECRET_ACCESS_KEY=<wasabi secret>
#   age-keygen -o offsite.age    # prints the public key for age.recipients below; keep the file safe offline too
#   kubectl -n apps create secret generic vaultwarden-age --from-literal=identity="$(grep AGE-SECRET-KEY offsite.age)"
#   kubectl -n apps create secret docker-registry registry-lan --docker-server=registry.lan:5000 ...
#   kubectl -n apps create secret generic vaultwarden-alerts \
#     --from-literal=ntfy-url=https://ntfy.sh/<topic> --from-literal=healthcheck-url=https://hc-ping.com/<uuid>
#
# and the USB backup directory on the node (the pod fails to start where it is missing):
#   sudo install -d -o 1000 -g 1000 /mnt/usb/backups/vaultwarden

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
  image     = "registry.lan:5000/vaultwarden/server:1.30.5"
  env = {
    DATABASE_URL = "/data/db.sqlite3"
    ROCKET_PORT  = "8080"
  }
  secret_env = {
    ADMIN_TOKEN = { secret = "vaultwarden-admin", key = "admin-token" }
  }
  env_from_secrets = ["vaultwarden-env"]
  ports            = [{ name = "http", container_port = 8080 }]
  resources = {
    requests = { cpu = "50m", memory = "64Mi" }
    limits   = { memory = "256Mi" }
  }

  readiness_probe {
    http_path = "/alive"
    port      = "http"
    period    = "10s"
  }
  liveness_probe {
    http_path         = "/alive"
    port              = "http"
    initial_delay     = "10s"
    period            = "30s"
    timeout           = "5s"
    failure_threshold = 3
  }
  startup_probe {
    tcp_port          = 8080
    period            = "2s"
    failure_threshold = 60
  }

  service {
    type = "ClusterIP"
  }

  image_pull_secrets = ["registry-lan"]
  node_selector      = { "kubernetes.io/hostname" = "pi4" }
  tolerations = [{
    key      = "node-role.kubernetes.io/control-plane"
    operator = "Exists"
    effect   = "NoSchedule"
  }]

  database_path = "/data/db.sqlite3"

  replica {
    name               = "nas"
    type               = "s3"
    endpoint           = "http://nas.lan:9000"
    bucket             = "backups"
    path               = "vaultwarden"
    force_path_style   = true
    credentials_secret = "minio-backup"
    retention          = "72h"
  }

  replica {
    name               = "wasabi"
    type               = "s3"
    endpoint           = "https://s3.eu-central-2.wasabisys.com"
    region             = "eu-central-2"
    bucket             = "offsite-backups"
    path               = "vaultwarden"
    credentials_secret = "wasabi-backup"
    sync_interval      = "1m"
    snapshot_interval  = "24h"
    retention          = "720h"

    # Off-site objects are encrypted before they leave the cluster (litestream 0.3's `age` format).
    age {
      recipients      = ["age1ut7ck5wrdmxh4mdvazfkxz409m3v899z7p7qvd592a9gjsu3d90sfysqyj"]
      identity_secret = "vaultwarden-age"
    }
  }

  replica {
    name = "usb"
    type = "file"
    path = "/mnt/usb/backups/vaultwarden"
  }

  verify {
    schedule  = "30 4 * * *"
    time_zone = "Europe/Berlin"
    max_age   = "26h"
  }

  alerts {
    rate     = 1
    interval = "2h"
  }

  # The ntfy and healthcheck URLs stay in the Secret: they are not in the state or the plan.
  alerts_secret {
    name            = "vaultwarden-alerts"
    ntfy_url        = "ntfy-url"
    healthcheck_url = "healthcheck-url"
  }

  metrics_port = 9090
}

output "objects" {
  value = nonsensitive(keys(homeserver_sqlite_app.vaultwarden.manifests))
}

# terraform output -raw manifests_yaml | kubectl apply -f -
output "manifests_yaml" {
  value     = homeserver_sqlite_app.vaultwarden.manifests_yaml
  sensitive = true
}
