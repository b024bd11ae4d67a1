# Renders one multi-document YAML stream for kubectl (or GitOps: commit it to the repository your
# Flux/Argo CD watches). No cluster credentials in terraform at all.
#
#   terraform apply
#   terraform output -raw manifests_yaml | kubectl apply -f -
#
# The output is sensitive because the stream contains the Secret with alert/healthcheck URLs when
# they are set. To write it to a file instead, hashicorp/local's local_sensitive_file does it:
#
#   resource "local_sensitive_file" "paste" {
#     filename = "${path.module}/paste.yaml"
#     content  = homeserver_sqlite_app.paste.manifests_yaml
#   }

terraform {
  required_providers {
    homeserver = {
      source = "homeserver/homeserver"
    }
  }
}

resource "homeserver_sqlite_app" "paste" {
  name          = "paste"
  image         = "ghcr.io/example/paste:0.9.0"
  ports         = [{ name = "http", container_port = 3000 }]
  database_path = "/data/paste.db"

  replica {
    type = "file"
    path = "/srv/backups/paste"
  }

  verify {
    schedule = "@daily"
  }
}

output "manifests_yaml" {
  value     = homeserver_sqlite_app.paste.manifests_yaml
  sensitive = true
}
