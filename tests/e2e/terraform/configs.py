"""HCL the terraform end-to-end tests apply. Secrets are marker strings so tests can look for leaks."""

from tfharness import REQUIRED_PROVIDERS

SLACK_SECRET = "SLACKSECRETMARKER"
HEALTHCHECK_SECRET = "HCSECRETMARKER"

# Inputs shared by the resource and the data source (HCL body without the header).
def app_body(name="blog", image="ghcr.io/example/blog:1.0", namespace="home"):
    return f"""
  name          = "{name}"
  namespace     = "{namespace}"
  image         = "{image}"
  args          = ["--db", "/data/blog.db"]
  env           = {{ LOG_LEVEL = "info" }}
  database_path = "/data/blog.db"
  credentials_secret = "blog-s3-credentials"
  metrics_port  = 9101

  ports = [
    {{ name = "http", container_port = 8080 }},
  ]
  resources = {{
    requests = {{ cpu = "100m", memory = "64Mi" }}
    limits   = {{ memory = "256Mi" }}
  }}

  replica {{
    type     = "s3"
    endpoint = "http://minio.nas.lan:9000"
    bucket   = "backups"
    path     = "blog"
    force_path_style = true
    sync_interval = "10s"
  }}
  replica {{
    name = "usb"
    type = "file"
    path = "/mnt/usb/blog"
  }}

  verify {{
    schedule        = "30 3 * * *"
    healthcheck_url = "https://hc-ping.com/{HEALTHCHECK_SECRET}"
    max_age         = "26h"
  }}

  alerts {{
    slack_webhook_url = "https://hooks.slack.com/services/T000/B000/{SLACK_SECRET}"
  }}
"""


def resource_config(outputs=True, **kw):
    resource = REQUIRED_PROVIDERS + f"""
resource "homeserver_sqlite_app" "blog" {{{app_body(**kw)}}}
"""
    return resource + OUTPUTS if outputs else resource


OUTPUTS = f"""
output "id" {{
  value = homeserver_sqlite_app.blog.id
}}
output "manifests" {{
  value     = homeserver_sqlite_app.blog.manifests
  sensitive = true
}}
output "manifests_yaml" {{
  value     = homeserver_sqlite_app.blog.manifests_yaml
  sensitive = true
}}
# terraform's own YAML parser reads every document of the stream: the test compares them with the JSON.
# Splitting at "\\n---\\n" takes each document's last line break with it: put it back.
output "yaml_documents" {{
  value = [for doc in split("\\n---\\n", "\\n${{homeserver_sqlite_app.blog.manifests_yaml}}") :
           yamldecode("${{doc}}\\n") if trimspace(replace(doc, "---", "")) != ""]
  sensitive = true
}}
output "replicator_config" {{
  value = homeserver_sqlite_app.blog.replicator_config
}}
"""


def data_source_config():
    return REQUIRED_PROVIDERS + f"""
resource "homeserver_sqlite_app" "blog" {{{app_body()}}}

data "homeserver_sqlite_app" "blog" {{{app_body()}}}

output "resource" {{
  value     = homeserver_sqlite_app.blog
  sensitive = true
}}
output "data" {{
  value     = data.homeserver_sqlite_app.blog
  sensitive = true
}}
"""


def minimal_app(name="notes", extra="", replicas=None):
    if replicas is None:
        replicas = """
  replica {
    type = "file"
    path = "/mnt/usb/notes"
  }"""
    return f"""
resource "homeserver_sqlite_app" "{name}" {{
  name          = "{name}"
  image         = "ghcr.io/example/notes:2"
  database_path = "/data/notes.db"
{extra}{replicas}
}}
"""
