#!/usr/bin/env bash
# Provider benchmark (not a test; prints figures for docs/benchmarks.md):
#  1. `terraform plan` of 100 homeserver_sqlite_app vs 100 terraform_data in the same run (median of RUNS,
#     alternating so both see the same machine load), plus 1 app to show the fixed per-plan cost;
#     and 100 terraform_data carrying the very bytes one app plans (manifests, manifests_yaml, replicator_config,
#     from render-cli): terraform's own cost of handling such planned objects, with no provider process;
#  2. provider start-to-handshake: exec with terraform's env to the handshake line on stdout (median of 50),
#     for the build's binary and, when built (release target), the static one users get.
# Usage: tests/bench/provider.sh [build-dir]   (default: $HS_BUILD_DIR or ./build)   RUNS=7 by default.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-${HS_BUILD_DIR:-$here/../../build}}" && pwd)
provider="$build/bin/terraform-provider-homeserver"
terraform=${HS_TERRAFORM:-/usr/local/bin/terraform}
runs=${RUNS:-7}
[[ -x $provider ]] || { echo "no provider binary at $provider (build target terraform-provider-homeserver)" >&2; exit 1; }
[[ -x $terraform ]] || { echo "no terraform at $terraform" >&2; exit 1; }

work=$(mktemp -d /tmp/hs-bench-provider.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TF_CLI_CONFIG_FILE=$work/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
cat >"$TF_CLI_CONFIG_FILE" <<HCL
provider_installation {
  dev_overrides { "registry.terraform.io/homeserver/homeserver" = "$build/bin" }
  direct {}
}
HCL

required='terraform {
  required_providers {
    homeserver = { source = "homeserver/homeserver" }
  }
}'
app_body='  name          = "app-${count.index}"
  image         = "ghcr.io/example/app:1"
  database_path = "/data/app.db"
  replica {
    type   = "s3"
    bucket = "backups"
    path   = "app-${count.index}"
  }
  verify {
    schedule = "30 3 * * *"
  }'
mkdir -p "$work/apps100" "$work/apps1" "$work/data100"
printf '%s\nresource "homeserver_sqlite_app" "app" {\n  count = 100\n%s\n}\n' "$required" "$app_body" >"$work/apps100/main.tf"
printf '%s\nresource "homeserver_sqlite_app" "app" {\n  count = 1\n%s\n}\n' "$required" "$app_body" >"$work/apps1/main.tf"
cat >"$work/data100/main.tf" <<'HCL'
resource "terraform_data" "app" {
  count = 100
  input = { name = "app-${count.index}", image = "ghcr.io/example/app:1", database_path = "/data/app.db" }
}
HCL

python3 - "$terraform" "$provider" "$work" "$runs" "$build" <<'PY'
import json, os, statistics, subprocess, sys, time
terraform, provider, work, runs, build = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

# 100 terraform_data with one app's planned values as input (the app of apps100 with index 0).
cli = os.path.join(build, "tests/render-cli")
payload = None
if os.access(cli, os.X_OK):
    spec = {"name": "app-0", "image": "ghcr.io/example/app:1", "database_path": "/data/app.db",
            "replica": [{"type": "s3", "bucket": "backups", "path": "app-0"}], "verify": {"schedule": "30 3 * * *"}}
    out = json.loads(subprocess.run([cli, "-"], input=json.dumps(spec), capture_output=True, text=True,
                                    check=True).stdout)
    esc = lambda x: x.replace("${", "$${").replace("%{", "%%{")  # JSON syntax strings are templates too
    payload = {"manifests": {k: esc(json.dumps(v, separators=(",", ":"))) for k, v in out["manifests"].items()},
               "manifests_yaml": esc(out["manifests_yaml"]), "replicator_config": esc(out["replicator_config"])}
    os.makedirs(os.path.join(work, "payload100"))
    with open(os.path.join(work, "payload100", "main.tf.json"), "w") as f:
        json.dump({"locals": {"p": payload},
                   "resource": {"terraform_data": {"app": {"count": 100, "input": "${local.p}"}}}}, f)

def plan(name):
    d = os.path.join(work, name)
    env = dict(os.environ, TF_DATA_DIR=os.path.join(d, ".tfdata"))
    t = time.monotonic()
    p = subprocess.run([terraform, "plan", "-input=false", "-no-color", "-refresh=false"], cwd=d, env=env,
                       capture_output=True, text=True)
    dt = time.monotonic() - t
    if p.returncode != 0 or "100 to add" not in p.stdout and "1 to add" not in p.stdout:
        sys.exit(f"plan in {name} failed:\n{p.stdout}\n{p.stderr}")
    return dt

times = {"apps100": [], "apps1": [], "data100": []}
if payload:
    times["payload100"] = []
for name in times:
    if name.startswith(("data", "payload")):
        subprocess.run([terraform, "init", "-input=false"], cwd=os.path.join(work, name), capture_output=True,
                       env=dict(os.environ, TF_DATA_DIR=os.path.join(work, name, ".tfdata")), check=True)
plan("apps100"); plan("data100")  # warm the page cache
for _ in range(runs):
    for name in times:
        times[name].append(plan(name))
med = {k: statistics.median(v) * 1000 for k, v in times.items()}
print(f"terraform plan, median of {runs} (ms): 100 homeserver_sqlite_app {med['apps100']:.0f}, "
      f"1 homeserver_sqlite_app {med['apps1']:.0f}, 100 terraform_data {med['data100']:.0f}")
print(f"  ratio 100 apps / 100 terraform_data: {med['apps100'] / med['data100']:.2f}x; "
      f"per extra app: {(med['apps100'] - med['apps1']) / 99:.2f} ms")
if payload:
    size = len(json.dumps(payload))
    print(f"  100 terraform_data carrying one app's planned values ({size} bytes each): {med['payload100']:.0f} ms; "
          f"ratio 100 apps / these: {med['apps100'] / med['payload100']:.2f}x")

# Start-to-handshake, as terraform starts it: the magic cookie, protocol versions and a client cert (mTLS).
cert = os.path.join(work, "client.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-nodes",
                "-keyout", os.path.join(work, "client.key"), "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE="d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
           PLUGIN_PROTOCOL_VERSIONS="5,6", PLUGIN_MIN_PORT="10000", PLUGIN_MAX_PORT="25000",
           PLUGIN_CLIENT_CERT=open(cert).read())
binaries = [("build", provider)]
static = os.path.join(build, "bin/static/terraform-provider-homeserver")
if os.access(static, os.X_OK):
    binaries.append(("static release", static))
samples = {label: [] for label, _ in binaries}
for _ in range(50):
    for label, binary in binaries:  # alternating: both see the same load
        t = time.monotonic()
        p = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=work)
        line = p.stdout.readline()
        samples[label].append(time.monotonic() - t)
        p.kill(); p.wait()  # only the process started here, by its handle
        if not line.startswith(b"1|6|"):
            sys.exit(f"unexpected handshake line from {binary}: {line!r}")
for label, s in samples.items():
    print(f"provider exec-to-handshake (mTLS), {label} binary, median of 50: {statistics.median(s) * 1000:.1f} ms "
          f"(min {min(s) * 1000:.1f}, max {max(s) * 1000:.1f})")
PY
