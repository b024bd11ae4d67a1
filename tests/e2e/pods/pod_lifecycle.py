#!/usr/bin/env python3
"""The rendered pods, run for real with Debian's podman (`podman kube play`).

terraform renders an app with the provider (native_sidecar = false: podman 4.3 runs an init container
with restartPolicy Always as an ordinary init container that never exits, so the app would never
start) and three replicas that outlive the pod: a file replica on a hostPath and two S3 replicas (a real
Swift S3 on 127.0.0.1, started once for the whole test; each S3 replica's keys through its own
credentials_secret, the resource-level one holding wrong keys; the second one age-encrypted, its
identity from a Secret). The test loads the release image and builds a small app image from Debian packages
(busybox-static + sqlite3) that inserts a row every 100 ms. Then:

  1. first deploy, no replica yet: the restore init container passes, the app starts empty;
  2. `kube down` (the emptyDir is gone: the SD card died); on the host, a restore from the file
     replica alone and one from each S3 replica alone (`restore -replica`; each S3 replica has its own
     Secret; the second one's objects are age-encrypted, decrypted with the identity from its Secret)
     each hold every synced row;
     `kube play` again: every synced row is back before the app's first statement (the app records
     the row count it found at boot);
  3. the CronJob's pod template: verify passes and pings the recording healthcheck receiver;
  4. all replicas corrupted (the same bytes overwritten in the file replica and, through S3 PUT, in
     the bucket): the restore init container fails and the app never starts; verify fails and pings
     /1 with the error;
  5. the file replica's directory missing (a node without the backups): the hostPath (type Directory)
     keeps the pod from starting at all;
  6. replicas unreachable (S3 endpoint stopped, file replica dir empty): the restore init container
     fails and the app never starts.

Changes to the test's own copy of the manifests, all for podman 4.3.1 (see docs/image.md):
restartPolicy Never on the pod template (podman restarts init containers under Always), Secret ->
ConfigMap (podman's kube play cannot read Secrets through envFrom; the credentials_secret, which the
provider only references, is created by the test as a ConfigMap of that name), hostNetwork on the
Deployment's pod (to reach S3 on 127.0.0.1), the CronJob's pod template played as a Pod with
hostNetwork (to reach S3 and the receiver on 127.0.0.1). Everything runs in a private podman
storage and is removed at the end.
"""
import base64
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

try:
    import yaml
except ImportError:
    print("SKIPPED: python3-yaml is not installed (scripts/install-deps.sh test)")
    sys.exit(77)

SOURCE, BUILD = os.environ.get("HS_SOURCE_DIR"), os.environ.get("HS_BUILD_DIR")
# The app: records how many rows it found at boot, then inserts a row every 100 ms. Every statement
# waits for locks (the replicator checkpoints), as a real app's busy timeout would.
APP_LOOP = ("set -e; db=/data/app.db; sq() { sqlite3 -cmd '.timeout 10000' $db \"$1\"; }; "
            "sq 'PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT); "
            "CREATE TABLE IF NOT EXISTS boot(rows INTEGER, max_id INTEGER);' >/dev/null; "
            "sq 'INSERT INTO boot SELECT count(*), coalesce(max(id), 0) FROM t;'; "
            # What secret_env and env_from_secrets gave the app, for the test to read back.
            "sq 'CREATE TABLE IF NOT EXISTS env(token TEXT, greeting TEXT);'; "
            "sq \"INSERT INTO env VALUES ('$APP_TOKEN', '$GREETING');\"; "
            "while true; do sq 'INSERT INTO t(v) VALUES (hex(randomblob(32)));'; sleep 0.1; done")


def skip(msg):
    print(f"SKIPPED: {msg}")
    sys.exit(77)


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode:
        fail(f"{' '.join(cmd[:4])} ... exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


class Receiver(http.server.ThreadingHTTPServer):
    """Records healthcheck pings: (path, body)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.pings = []


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def handle_ping(self):
        n = int(self.headers.get("Content-Length") or 0)
        # healthchecks.io pings may carry ?rid=<uuid> (start/finish pairing): keep the path only.
        self.server.pings.append((self.path.split("?")[0], self.rfile.read(n).decode(errors="replace")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    do_GET = do_POST = do_HEAD = handle_ping


class Pods:
    def __init__(self, work):
        self.work = work
        conf = os.path.join(work, "containers.conf")
        with open(conf, "w") as f:  # runc may not raise RLIMIT_NPROC here
            f.write('[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n')
        self.env = dict(os.environ, CONTAINERS_CONF=conf)
        self.store = ["--root", os.path.join(work, "storage"), "--runroot", os.path.join(work, "run"),
                      "--storage-driver", "vfs"]
        self.podman = ["podman", *self.store, "--runtime", "runc", "--cgroup-manager", "cgroupfs"]

    def p(self, *args, check=True):
        return run([*self.podman, *args], check=check, env=self.env)

    def buildah(self, *args):
        return run(["buildah", *self.store, *args], env=self.env).stdout.strip()

    def play(self, path, network=("--network", "none")):
        return self.p("kube", "play", *network, path, check=False)

    def down(self, path, check=True):
        """kube down, then drop every volume (our private storage only): the emptyDir with the
        database is gone, as when the SD card died."""
        # As Kubernetes does: SIGTERM, then up to the grace period for the sidecar's final sync.
        # podman 4.3's `kube down` alone did not wait for it (the replicas lacked the last ~0.4 s of
        # commits; with this stop the sidecar logs its final segments and "litestream shut down").
        # --all is this test's private podman storage only.
        self.p("pod", "stop", "--all", "--time", "30", check=False)
        self.p("kube", "down", path, check=False)
        self.p("volume", "rm", "--all", "--force", check=False)
        left = self.p("volume", "ls", "-q", check=False).stdout.split()
        if left and check:
            fail(f"volumes survived kube down + volume rm: {left}")

    def describe(self):
        out = self.p("ps", "-a", "--format", "{{.Names}} {{.Status}}", check=False).stdout
        for name in out.split("\n"):
            if name.strip():
                logs = self.p("logs", name.split()[0], check=False)
                out += f"--- logs {name.split()[0]}:\n{(logs.stdout + logs.stderr)[-1500:]}\n"
        return out

    def state(self, name):
        r = self.p("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name, check=False)
        return r.stdout.strip() if r.returncode == 0 else "absent"

    def sql(self, container, query):
        return self.p("exec", container, "/usr/bin/sqlite3", "-cmd", ".timeout 5000", "/data/app.db", query).stdout.strip()


def build_app_image(pods, work):
    """busybox-static (a shell) and sqlite3 with its shared libraries, from Debian packages."""
    root = os.path.join(work, "app-rootfs")
    debs = os.path.join(work, "debs")
    os.makedirs(debs)
    r = run(["apt-get", "download", "busybox-static"], check=False, cwd=debs)
    if r.returncode:
        skip(f"apt-get download busybox-static failed: {r.stderr.strip()}")
    deb = [f for f in os.listdir(debs) if f.endswith(".deb")][0]
    run(["dpkg-deb", "-x", os.path.join(debs, deb), os.path.join(debs, "x")])
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy(os.path.join(debs, "x/bin/busybox"), os.path.join(root, "bin/busybox"))
    for applet in ("sh", "sleep", "cat"):
        os.symlink("busybox", os.path.join(root, "bin", applet))
    sqlite3 = shutil.which("sqlite3")
    files = [sqlite3] + re.findall(r"(/\S+\.so[^\s]*)", run(["ldd", sqlite3]).stdout)
    for f in files:
        dest = os.path.join(root, f.lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(os.path.realpath(f), dest)
    os.makedirs(os.path.join(root, "tmp"), mode=0o1777)
    ctr = pods.buildah("from", "scratch")
    pods.buildah("copy", ctr, root, "/")
    pods.buildah("config", "--env", "PATH=/bin:/usr/bin", ctr)
    pods.buildah("commit", "-q", ctr, "localhost/hs-test-app:1")
    pods.buildah("rm", ctr)


def render(work, provider_dir, version, replica_dir, ping_url, s3, age_recipient):
    d = os.path.join(work, "tf")
    os.makedirs(d)
    cli = os.path.join(work, "dev.tfrc")
    with open(cli, "w") as f:
        f.write('provider_installation {\n  dev_overrides {\n'
                f'    "registry.terraform.io/homeserver/homeserver" = "{provider_dir}"\n  }}\n  direct {{}}\n}}\n')
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write(f"""
terraform {{
  required_providers {{
    homeserver = {{ source = "homeserver/homeserver" }}
  }}
}}
resource "homeserver_sqlite_app" "app" {{
  name             = "notes"
  image            = "localhost/hs-test-app:1"
  command          = ["/bin/sh", "-c", {json.dumps(APP_LOOP)}]
  database_path    = "/data/app.db"
  native_sidecar   = false
  replicator_image = "localhost/homeserver-replicator:{version}"
  # Wrong keys on purpose: the S3 replica's own credentials_secret must win over this one.
  credentials_secret = "{CREDENTIALS}"
  secret_env         = {{ APP_TOKEN = {{ secret = "{APP_SECRET}", key = "token" }} }}
  env_from_secrets   = ["{APP_ENV_SECRET}"]
  # podman runs a liveness probe as a healthcheck; exec, as the test image has no curl.
  liveness_probe {{
    exec   = ["/bin/sh", "-c", "test -f /data/app.db"]
    period = "5s"
  }}
  replica {{
    name          = "file"
    type          = "file"
    path          = "{replica_dir}"
    sync_interval = "1s"
  }}
  replica {{
    name             = "s3"
    type             = "s3"
    endpoint         = "{s3.endpoint}"
    bucket           = "{s3.bucket}"
    region           = "{s3.region}"
    path             = "{S3_PREFIX}"
    force_path_style = true
    credentials_secret = "{REPLICA_CREDENTIALS}"
    sync_interval    = "1s"
  }}
  # A second S3 replica with a Secret of its own, keys under the LITESTREAM_* names.
  replica {{
    name             = "s3b"
    type             = "s3"
    endpoint         = "{s3.endpoint}"
    bucket           = "{s3.bucket}"
    region           = "{s3.region}"
    path             = "{S3B_PREFIX}"
    force_path_style = true
    credentials_secret = "{REPLICA2_CREDENTIALS}"
    sync_interval    = "1s"
    # Encrypted before upload; the identity only from a Secret's key (never in state).
    age {{
      recipients      = ["{age_recipient}"]
      identity_secret = "{AGE_SECRET}"
    }}
  }}
  verify {{
    schedule = "0 3 * * *"
  }}
  # The ping URL from a key of the test's Secret (alerts_secret), not from an attribute.
  alerts_secret {{
    name            = "{ALERTS_SECRET}"
    healthcheck_url = "ping"
  }}
}}
output "manifests_yaml" {{
  value     = homeserver_sqlite_app.app.manifests_yaml
  sensitive = true
}}
""")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "TF_CLI_CONFIG_FILE": cli,
           "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    terraform = shutil.which("terraform") or "/usr/local/bin/terraform"
    run([terraform, f"-chdir={d}", "apply", "-auto-approve", "-input=false", "-no-color"], env=env)
    out = run([terraform, f"-chdir={d}", "output", "-raw", "manifests_yaml"], env=env).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


CREDENTIALS, S3_PREFIX = "notes-s3", "notes"
REPLICA_CREDENTIALS, APP_SECRET, APP_ENV_SECRET = "notes-s3-replica", "notes-app", "notes-app-env"
ALERTS_SECRET = "notes-alerts"
S3B_PREFIX, REPLICA2_CREDENTIALS, AGE_SECRET = "notes-b", "notes-s3b-replica", "notes-age"
APP_TOKEN, GREETING = "tok-123", "hello"


def podman_copies(objects, work, s3, ping_url, age_identity):
    """The test's copies for podman 4.3.1: (deployment yaml, verify pod yaml)."""
    # The Secret credentials_secret names exists outside terraform; here it is a ConfigMap.
    # The Secrets the provider only references exist outside terraform; here they are ConfigMaps. The
    # resource-level one holds wrong keys, the S3 replica's own one the right keys under the AWS_* names.
    def config_map(name, data):
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    config_maps = [config_map(CREDENTIALS, {"LITESTREAM_ACCESS_KEY_ID": "wrong", "LITESTREAM_SECRET_ACCESS_KEY": "wrong"}),
                   config_map(REPLICA_CREDENTIALS, {"AWS_ACCESS_KEY_ID": s3.access_key_id,
                                                    "AWS_SECRET_ACCESS_KEY": s3.secret_access_key}),
                   config_map(REPLICA2_CREDENTIALS, {"LITESTREAM_ACCESS_KEY_ID": s3.access_key_id,
                                                     "LITESTREAM_SECRET_ACCESS_KEY": s3.secret_access_key}),
                   config_map(APP_SECRET, {"token": APP_TOKEN}),
                   config_map(APP_ENV_SECRET, {"GREETING": GREETING}),
                   config_map(ALERTS_SECRET, {"ping": ping_url}),
                   config_map(AGE_SECRET, {"identity": age_identity})]
    deployment, cron = None, None
    for o in objects:
        kind = o["kind"]
        if kind == "ConfigMap":
            config_maps.append(o)
        elif kind == "Secret":  # -> ConfigMap with the same name and decoded values
            data = {k: base64.b64decode(v).decode() for k, v in (o.get("data") or {}).items()}
            data.update(o.get("stringData") or {})
            config_maps.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": o["metadata"], "data": data})
        elif kind == "Deployment":
            deployment = o
        elif kind == "CronJob":
            cron = o
    if not deployment or not cron:
        fail(f"rendered objects lack a Deployment or CronJob: {[o['kind'] for o in objects]}")

    def fix_pod_spec(spec):
        spec["restartPolicy"] = "Never"
        for c in spec.get("initContainers", []) + spec.get("containers", []):
            for ref in c.get("envFrom", []):
                if "secretRef" in ref:
                    ref["configMapRef"] = ref.pop("secretRef")
            for e in c.get("env", []):
                src = e.get("valueFrom", {})
                if "secretKeyRef" in src:
                    src["configMapKeyRef"] = src.pop("secretKeyRef")
        return spec

    fix_pod_spec(deployment["spec"]["template"]["spec"])["hostNetwork"] = True
    template = cron["spec"]["jobTemplate"]["spec"]["template"]
    pod_spec = fix_pod_spec(template["spec"])
    pod_spec["hostNetwork"] = True
    verify_pod = {"apiVersion": "v1", "kind": "Pod",
                  "metadata": {"name": "notes-verify", "labels": template.get("metadata", {}).get("labels", {})},
                  "spec": pod_spec}
    paths = []
    for name, main in (("deployment.yaml", deployment), ("verify.yaml", verify_pod)):
        path = os.path.join(work, name)
        with open(path, "w") as f:
            yaml.safe_dump_all(config_maps + [main], f)
        paths.append(path)
    return paths, deployment


DIAGNOSE = []  # callables that describe the pods when a wait fails


def wait_for(what, cond, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.5)
    fail(f"timed out after {timeout} s waiting for {what}\n" + "".join(d() for d in DIAGNOSE))


def main():
    if not SOURCE or not BUILD:
        fail("run through CTest (HS_SOURCE_DIR, HS_BUILD_DIR)")
    build = os.path.abspath(BUILD)
    version = re.search(r'#define HOMESERVER_VERSION "([^"]+)"',
                        open(os.path.join(build, "generated/homeserver/version.h")).read())[1]
    image = os.path.join(build, "release", f"homeserver-replicator_{version}.oci.tar")
    provider = os.path.join(build, "bin", "terraform-provider-homeserver")
    if not os.path.isfile(provider):  # a release-only build has just the static one: as good for rendering
        provider = os.path.join(build, "bin", "static", "terraform-provider-homeserver")
    replicator = os.path.join(build, "bin", "static", "homeserver-replicator")
    for path, how in ((image, f"cmake --build {BUILD} --target release"),
                      (provider, f"cmake --build {BUILD} --target terraform-provider-homeserver"),
                      (replicator, f"cmake --build {BUILD} --target release")):
        if not os.path.isfile(path):
            skip(f"{path} is missing: run '{how}'")
    for tool in ("podman", "buildah", "runc", "sqlite3", "apt-get", "age-keygen"):
        if not shutil.which(tool):
            skip(f"{tool} is not installed (scripts/install-deps.sh test)")
    if not (shutil.which("terraform") or os.access("/usr/local/bin/terraform", os.X_OK)):
        skip("terraform is not installed")
    if os.geteuid() != 0:
        skip("podman kube play with hostPath and runc needs root here")
    sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
    from s3server import S3Server, Skip
    s3 = S3Server(parent=build)
    try:
        s3.start()
    except Skip as e:
        skip(str(e))
    try:
        run_lifecycle(build, version, image, provider, replicator, s3)
    finally:
        s3.stop()


def s3_put(s3, key, path):
    """Overwrites one object of the test bucket through Swift's own API (the bucket is a Swift
    container; tempauth's account:user is the S3 access key id). Standard library only: SigV4
    tools (curl --user) split the access key at its colon."""
    auth = urllib.request.Request(f"{s3.endpoint}/auth/v1.0", headers={
        "X-Auth-User": s3.access_key_id, "X-Auth-Key": s3.secret_access_key})
    with urllib.request.urlopen(auth, timeout=30) as r:
        token, storage = r.headers["X-Auth-Token"], r.headers["X-Storage-Url"]
    with open(path, "rb") as f:
        body = f.read()
    put = urllib.request.Request(f"{storage}/{s3.bucket}/{urllib.parse.quote(key)}", data=body,
                                 method="PUT", headers={"X-Auth-Token": token})
    with urllib.request.urlopen(put, timeout=30) as r:
        if r.status != 201:
            fail(f"Swift PUT {key}: HTTP {r.status}")


def age_keypair(work):
    """(recipient, identity) from the real age-keygen."""
    path = os.path.join(work, "s3b.age")
    run(["age-keygen", "-o", path])
    text = open(path).read()
    return (re.search(r"^# public key: (age1\S+)$", text, re.M)[1],
            re.search(r"^(AGE-SECRET-KEY-1\S+)$", text, re.M)[1])


def s3_objects(s3, prefix):
    """{key: first bytes} of the bucket's objects under prefix, through Swift's own API."""
    auth = urllib.request.Request(f"{s3.endpoint}/auth/v1.0", headers={
        "X-Auth-User": s3.access_key_id, "X-Auth-Key": s3.secret_access_key})
    with urllib.request.urlopen(auth, timeout=30) as r:
        token, storage = r.headers["X-Auth-Token"], r.headers["X-Storage-Url"]
    listing = urllib.request.Request(f"{storage}/{s3.bucket}?format=json&prefix={urllib.parse.quote(prefix)}",
                                     headers={"X-Auth-Token": token})
    with urllib.request.urlopen(listing, timeout=30) as r:
        keys = [o["name"] for o in json.load(r)]
    heads = {}
    for key in keys:
        get = urllib.request.Request(f"{storage}/{s3.bucket}/{urllib.parse.quote(key)}",
                                     headers={"X-Auth-Token": token, "Range": "bytes=0-63"})
        with urllib.request.urlopen(get, timeout=30) as r:
            heads[key] = r.read()
    return heads


def host_restore(replicator, out, args, env=None):
    """Restores on the host; returns (row count, max id) of the restored database."""
    run([replicator, "restore", "-o", out, *args], env=env)
    rows, max_id = run(["sqlite3", out, "SELECT count(*), max(id) FROM t;"]).stdout.strip().split("|")
    return int(rows), int(max_id)


def run_lifecycle(build, version, image, provider, replicator, s3):

    # Not under /tmp: the rendered pods mount an emptyDir at /tmp, and the file replica's hostPath
    # must not overlap it (the provider rejects that). The build tree itself may live under /tmp (a CI
    # clone), so the work dir goes to /var/tmp then.
    parent = "/var/tmp" if os.path.realpath(build).startswith("/tmp/") else build
    work = tempfile.mkdtemp(prefix="pods-test-", dir=parent)
    pods = Pods(work)
    DIAGNOSE.append(pods.describe)
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    played = []
    try:
        replica_dir = os.path.join(work, "replica")
        os.makedirs(replica_dir)
        os.chown(replica_dir, 1000, 1000)  # hostPath is not chowned to the fsGroup: the pod's user writes here
        ping_url = f"http://127.0.0.1:{receiver.server_address[1]}/ping/notes"

        pods.p("load", "-q", "-i", image)
        build_app_image(pods, work)
        age_recipient, age_identity = age_keypair(work)
        objects = render(work, os.path.dirname(provider), version, replica_dir, ping_url, s3, age_recipient)
        if age_identity in json.dumps(objects):
            fail("the age identity appears in the rendered objects")
        (deploy_yaml, verify_yaml), deployment = podman_copies(objects, work, s3, ping_url, age_identity)
        host_config = os.path.join(work, "replicator.yml")
        with open(host_config, "w") as f:  # the rendered replicator config, for restores on the host
            f.write(next(o for o in objects if o["kind"] == "ConfigMap"
                         and "replicator.yml" in (o.get("data") or {}))["data"]["replicator.yml"])
        # The S3 replica (index 1) has its own credentials_secret: the config names its variables.
        s3_env = dict(os.environ, HOMESERVER_REPLICA_1_AWS_ACCESS_KEY_ID=s3.access_key_id,
                      HOMESERVER_REPLICA_1_AWS_SECRET_ACCESS_KEY=s3.secret_access_key,
                      HOMESERVER_REPLICA_2_ACCESS_KEY_ID=s3.access_key_id,
                      HOMESERVER_REPLICA_2_SECRET_ACCESS_KEY=s3.secret_access_key,
                      HOMESERVER_REPLICA_2_AGE_IDENTITY=age_identity)
        pod = deployment["metadata"]["name"] + "-pod-0"  # podman 4.3 names a Deployment's pod <name>-pod-0
        app, init = f"{pod}-app", None
        init_names = [c["name"] for c in deployment["spec"]["template"]["spec"].get("initContainers", [])]
        if not init_names:
            fail("the rendered Deployment has no restore init container")
        init = f"{pod}-{init_names[0]}"

        # 1. First deploy: no replica yet, the app starts on an empty database.
        r = pods.play(deploy_yaml, network=())  # hostNetwork: S3 is on the host's 127.0.0.1
        played.append(deploy_yaml)
        if r.returncode:
            fail(f"kube play: {r.stdout}\n{r.stderr}")
        wait_for("the app to run", lambda: pods.state(app).startswith("running"))
        boot = pods.sql(app, "SELECT group_concat(rows) FROM boot;")
        if boot != "0":
            fail(f"first deploy: the app found {boot} rows at boot, want 0")
        got = pods.sql(app, "SELECT token || ',' || greeting FROM env LIMIT 1;")
        if got != f"{APP_TOKEN},{GREETING}":
            fail(f"secret_env / env_from_secrets: the app saw {got!r}, want {APP_TOKEN},{GREETING}")
        print("ok: first deploy without a replica: app started on an empty database, with APP_TOKEN from "
              "secret_env and GREETING from env_from_secrets")

        # Let rows accumulate and replicate, then the SD card dies.
        wait_for("rows in the replica", lambda: os.path.isdir(os.path.join(replica_dir, "generations")), 60)
        time.sleep(6)
        # Committed before the SIGTERM of `kube down`: every replica must hold at least these rows
        # (the sidecar's forced final sync). The app keeps writing for a few ms after that copy, so a
        # replica whose last upload ran later may hold a few rows more; none may hold fewer.
        before_down = int(pods.sql(app, "SELECT count(*) FROM t;"))
        pods.down(deploy_yaml)
        counts = {}
        for name, extra in (("file", {}), ("s3", {}), ("s3b", {})):
            rows, max_id = host_restore(replicator, os.path.join(work, f"host-{name}.db"),
                                        ["-config", host_config, "-replica", name, "/data/app.db"],
                                        env=s3_env)  # the config's ${...} must all be set to load
            if rows != max_id or rows < before_down:
                fail(f"restore from the {name} replica alone: {rows} rows (max id {max_id}); the app had "
                     f"committed {before_down} before kube down")
            counts[name] = (rows, max_id)
        if before_down < 10:
            fail(f"only {before_down} rows committed in ~6 s")
        synced_rows, synced_max = max(counts.values())
        heads = s3_objects(s3, S3B_PREFIX + "/generations/")
        plain = [k for k, head in heads.items() if not head.startswith(b"age-encryption.org/v1\n")]
        if not heads or plain:
            fail(f"replica s3b (age block) should hold only age-encrypted objects: {len(heads)} objects, "
                 f"not encrypted: {plain[:3]}")
        print(f"ok: on the host, the file replica alone and each S3 replica alone (two Secrets: AWS_* and "
              f"LITESTREAM_* names; s3b's {len(heads)} objects age-encrypted, identity from its Secret) restore "
              f"every row committed before kube down ({before_down}; per replica {counts})")

        # 2. Play again: every synced row is back before the app's first statement.
        r = pods.play(deploy_yaml, network=())
        if r.returncode:
            fail(f"kube play (second): {r.stdout}\n{r.stderr}")
        wait_for("the app to run again", lambda: pods.state(app).startswith("running"))
        boot_rows, boot_max = pods.sql(app, "SELECT rows, max_id FROM boot ORDER BY rowid DESC LIMIT 1;").split("|")
        if int(boot_rows) < int(synced_rows) or int(boot_max) < int(synced_max):
            fail(f"restore brought back {boot_rows} rows (max id {boot_max}) before the app started; "
                 f"the replica held {synced_rows} (max id {synced_max})")
        got = pods.sql(app, f"SELECT count(*) FROM t WHERE id <= {synced_max};")
        if int(got) != synced_rows:
            fail(f"rows with id <= {synced_max}: {got}, want {synced_rows}")
        print(f"ok: kube down + play: all {synced_rows} synced rows restored before the app started "
              f"(it found {boot_rows} at boot)")
        pods.down(deploy_yaml)

        # 3. The CronJob's pod: verify passes and pings the receiver.
        receiver.pings.clear()
        r = pods.play(verify_yaml, network=())
        played.append(verify_yaml)
        verify_ctr = "notes-verify-" + objects_verify_container(verify_yaml)
        status = wait_for("verify to finish", lambda: (s := pods.state(verify_ctr)).startswith("exited") and s, 180)
        if status != "exited 0":
            logs = pods.p("logs", verify_ctr, check=False)
            fail(f"verify on a good replica: {status}\n{logs.stdout}{logs.stderr}")
        wait_for("a success ping", lambda: any(p == "/ping/notes" or p == "/ping/notes/0" for p, _ in receiver.pings), 30)
        print(f"ok: verify pod passed and pinged {[p for p, _ in receiver.pings]}")
        pods.down(verify_yaml)

        # 4. Corrupt every replica (restore may read any): restore fails and the app never starts;
        # verify fails and pings /1. The file replica's layout is the S3 replica's under its prefix.
        corrupted = 0
        for dirpath, _, names in os.walk(replica_dir):
            for n in names:
                if n.endswith(".lz4"):
                    path = os.path.join(dirpath, n)
                    with open(path, "r+b") as f:
                        size = os.path.getsize(path)
                        f.seek(max(0, size // 2))
                        f.write(b"\xde\xad\xbe\xef" * 8)
                    for prefix in (S3_PREFIX, S3B_PREFIX):
                        s3_put(s3, prefix + "/" + os.path.relpath(path, replica_dir), path)
                    corrupted += 1
        if not corrupted:
            fail("no replica objects to corrupt")
        r = pods.play(deploy_yaml, network=())
        wait_for("the restore init container to fail",
                 lambda: (s := pods.state(init)).startswith("exited") and s != "exited 0", 120)
        time.sleep(3)
        app_state = pods.state(app)
        if app_state.startswith("running") or app_state.startswith("exited"):
            fail(f"corrupted replica: the app container ran ({app_state})")
        print(f"ok: all replicas corrupted: restore failed ({pods.state(init)}), app never started ({app_state})")
        pods.down(deploy_yaml)

        receiver.pings.clear()
        pods.play(verify_yaml, network=())
        status = wait_for("verify to finish", lambda: (s := pods.state(verify_ctr)).startswith("exited") and s, 180)
        if status == "exited 0":
            fail("verify passed on a corrupted replica")
        wait_for("a failure ping", lambda: any(p.endswith("/1") for p, _ in receiver.pings), 30)
        body = next(b for p, b in receiver.pings if p.endswith("/1"))
        if not body.strip():
            fail("the failure ping carries no error text")
        print(f"ok: verify on the corrupted replica failed ({status}) and pinged /1: {body.strip()[:120]!r}")
        pods.down(verify_yaml)

        # 5. The file replica's directory is missing, as on a node without the backups: the hostPath has type
        # Directory, so the pod does not start at all (DirectoryOrCreate would have made an empty replica and
        # let -if-replica-exists start the app on an empty database while the S3 replica holds every row).
        shutil.rmtree(replica_dir)
        r = pods.play(deploy_yaml, network=())
        time.sleep(3)
        init_state, app_state = pods.state(init), pods.state(app)
        if any(st.startswith(("running", "exited")) for st in (init_state, app_state)):
            fail(f"file replica directory missing: a container ran (restore {init_state}, app {app_state})\n"
                 f"{r.stdout}{r.stderr}")
        print(f"ok: file replica directory missing: the pod did not start (restore {init_state}, app {app_state}): "
              f"{(r.stderr or r.stdout).strip()[-160:]!r}")
        pods.down(deploy_yaml)

        # 6. Replicas unreachable: the S3 endpoint is gone, the file replica directory is there but empty.
        # Restore must fail (never start the app on an empty database as if there were no backup).
        os.makedirs(replica_dir)
        os.chown(replica_dir, 1000, 1000)
        s3.stop_proxy()
        r = pods.play(deploy_yaml, network=())
        wait_for("the restore init container to fail",
                 lambda: (s := pods.state(init)).startswith("exited") and s != "exited 0", 120)
        time.sleep(3)
        app_state = pods.state(app)
        if app_state.startswith("running") or app_state.startswith("exited"):
            fail(f"replicas unreachable: the app container ran ({app_state})")
        logs = pods.p("logs", init, check=False)
        print(f"ok: replicas unreachable: restore failed ({pods.state(init)}), app never started ({app_state}): "
              f"{(logs.stdout + logs.stderr).strip()[-160:]!r}")
        pods.down(deploy_yaml)
        print("PASS")
    finally:
        for path in played:
            pods.down(path, check=False)
        pods.p("rm", "-a", "-f", check=False)
        pods.p("pod", "rm", "-a", "-f", check=False)
        receiver.shutdown()
        shutil.rmtree(work, ignore_errors=True)


def objects_verify_container(verify_yaml):
    with open(verify_yaml) as f:
        pod = [d for d in yaml.safe_load_all(f) if d and d["kind"] == "Pod"][0]
    return pod["spec"]["containers"][0]["name"]


if __name__ == "__main__":
    main()
