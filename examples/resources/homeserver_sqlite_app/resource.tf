# A blog whose SQLite database is replicated to MinIO on the NAS and to a USB disk on the node,
# verified every night, with alerts to ntfy and metrics for Prometheus.
resource "homeserver_sqlite_app" "blog" {
  name      = "blog"
  namespace = "web"
  image     = "ghcr.io/example/blog:3.2.1"
  command   = ["/usr/local/bin/blog"]
  args      = ["serve", "--db", "/data/blog.db"]
  env = {
    BLOG_TITLE = "My blog"
    TZ         = "Europe/Berlin"
  }
  ports = [{ name = "http", container_port = 8080 }]
  resources = {
    requests = { cpu = "100m", memory = "128Mi" }
    limits   = { memory = "512Mi" }
  }

  database_path = "/data/blog.db"

  # The USB disk is on this node: the pods run only there (and fail to start if the directory is missing).
  node_selector = { "kubernetes.io/hostname" = "pi4" }

  # kubectl -n web create secret generic blog-s3-credentials \
  #   --from-literal=LITESTREAM_ACCESS_KEY_ID=... --from-literal=LITESTREAM_SECRET_ACCESS_KEY=...
  credentials_secret = "blog-s3-credentials"

  replica {
    name             = "nas"
    type             = "s3"
    endpoint         = "http://minio.nas.lan:9000"
    bucket           = "backups"
    path             = "blog"
    force_path_style = true
  }

  replica {
    name      = "usb"
    type      = "file"
    path      = "/mnt/usb/backups/blog"
    retention = "168h"
  }

  verify {
    schedule        = "15 3 * * *"
    time_zone       = "Europe/Berlin"
    healthcheck_url = var.healthcheck_url
    max_age         = "25h"
  }

  alerts {
    ntfy_url = var.ntfy_url
    rate     = 1
    interval = "2h"
    window   = 6
  }

  metrics_port = 9090
}

variable "healthcheck_url" {
  type      = string
  sensitive = true
  default   = "https://hc-ping.com/0f7e1c3a-0000-4000-8000-000000000001"
}

variable "ntfy_url" {
  type      = string
  sensitive = true
  default   = "https://ntfy.sh/homeserver-blog-alerts-x7q"
}
