#!/usr/bin/env python3
"""Terraform installs the released provider the ways users do, from build/release:

1. the provider registry protocol over HTTPS on 127.0.0.1 (test CA trusted through SSL_CERT_FILE,
   SHA256SUMS signed by a throwaway GPG key in a private GNUPGHOME): `terraform init` installs,
   verifies and writes the lock file, then `plan`/`apply` run on the installed binary;
2. a wrong checksum and a wrong signature each make `terraform init` fail;
3. a filesystem_mirror (packed layout) and a network_mirror (index.json + <V>.json with zh: hashes),
   as an air-gapped home lab would use them.
"""
import hashlib
import http.server
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading

SOURCE = os.environ.get("HS_SOURCE_DIR")
BUILD = os.environ.get("HS_BUILD_DIR")
NAME = "terraform-provider-homeserver"

RESOURCE_TF = """
resource "homeserver_sqlite_app" "notes" {
  name          = "notes"
  image         = "ghcr.io/example/notes:1.4.2"
  database_path = "/data/notes.db"
  replica {
    type = "file"
    path = "/srv/backups/notes"
  }
}
output "config" { value = homeserver_sqlite_app.notes.replicator_config }
output "manifests_yaml" {
  value     = homeserver_sqlite_app.notes.manifests_yaml
  sensitive = true
}
"""


def skip(msg):
    print(f"SKIPPED: {msg}")
    sys.exit(77)


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Registry(http.server.ThreadingHTTPServer):
    """Serves the registry protocol and a network mirror from `files`; `mode` bends it for the
    negative tests ("ok", "bad-zip", "bad-sig")."""

    def __init__(self, files, version, key_id, armor):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files, self.version, self.key_id, self.armor, self.mode = files, version, key_id, armor, "ok"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def send(self, body, ctype="application/json", status=200):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def file_bytes(self, name):
        with open(os.path.join(self.server.files, name), "rb") as f:
            data = f.read()
        if self.server.mode == "bad-zip" and name.endswith(".zip"):
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        return data

    def do_GET(self):
        s, v = self.server, self.server.version
        base = f"/v1/providers/homeserver/homeserver"
        mirror = "/mirror/registry.terraform.io/homeserver/homeserver"
        if self.path == "/.well-known/terraform.json":
            return self.send({"providers.v1": "/v1/providers/"})
        if self.path == f"{base}/versions":
            return self.send({"versions": [{"version": v, "protocols": ["6.0"], "platforms": [
                {"os": "linux", "arch": "amd64"}, {"os": "linux", "arch": "arm64"}]}]})
        m = re.fullmatch(rf"{base}/{re.escape(v)}/download/linux/(amd64|arm64)", self.path)
        if m:
            zip_name = f"{NAME}_{v}_linux_{m[1]}.zip"
            key_id = s.key_id if s.mode != "bad-sig" else s.other_key_id
            armor = s.armor if s.mode != "bad-sig" else s.other_armor
            return self.send({
                "protocols": ["6.0"], "os": "linux", "arch": m[1], "filename": zip_name,
                "download_url": f"/files/{zip_name}",
                "shasums_url": f"/files/{NAME}_{v}_SHA256SUMS",
                "shasums_signature_url": f"/files/{NAME}_{v}_SHA256SUMS.sig",
                "shasum": sha256(os.path.join(s.files, zip_name)),
                "signing_keys": {"gpg_public_keys": [{"key_id": key_id, "ascii_armor": armor}]}})
        if self.path == f"{mirror}/index.json":
            return self.send({"versions": {v: {}}})
        if self.path == f"{mirror}/{v}.json":
            archives = {}
            for arch in ("amd64", "arm64"):
                zip_name = f"{NAME}_{v}_linux_{arch}.zip"
                archives[f"linux_{arch}"] = {"url": zip_name,
                                             "hashes": ["zh:" + sha256(os.path.join(s.files, zip_name))]}
            return self.send({"archives": archives})
        for prefix in ("/files/", mirror + "/"):
            if self.path.startswith(prefix):
                name = self.path[len(prefix):]
                if "/" not in name and os.path.isfile(os.path.join(s.files, name)):
                    return self.send(self.file_bytes(name), "application/octet-stream")
        self.send({"errors": ["not found"]}, status=404)


def main():
    if not SOURCE or not BUILD:
        fail("run through CTest (HS_SOURCE_DIR, HS_BUILD_DIR)")
    build = os.path.abspath(BUILD)
    header = open(os.path.join(build, "generated/homeserver/version.h")).read()
    version = re.search(r'#define HOMESERVER_VERSION "([^"]+)"', header)[1]
    release = os.path.join(build, "release")
    zips = {a: os.path.join(release, f"{NAME}_{version}_linux_{a}.zip") for a in ("amd64", "arm64")}
    for z in zips.values():
        if not os.path.isfile(z):
            skip(f"{z} is missing: run 'cmake --build {BUILD} --target release' (with the provider) first")
    terraform = shutil.which("terraform") or "/usr/local/bin/terraform"
    if not os.access(terraform, os.X_OK):
        skip("terraform is not installed (/usr/local/bin/terraform)")
    for tool in ("gpg", "openssl"):
        if not shutil.which(tool):
            skip(f"{tool} is not installed (scripts/install-deps.sh test)")

    work = tempfile.mkdtemp(prefix="hs-registry-")
    gnupg = os.path.join(work, "gnupg")
    server = None
    try:
        os.mkdir(gnupg, 0o700)
        genv = dict(os.environ, GNUPGHOME=gnupg)

        def new_key(uid):
            r = run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", uid, "rsa2048", "sign", "never"], env=genv)
            if r.returncode:
                fail(f"gpg key generation: {r.stderr}")
            fpr = re.search(r"^fpr:+([0-9A-F]{40}):", run(["gpg", "--batch", "--with-colons", "--list-keys", uid],
                                                            env=genv).stdout, re.M)[1]
            armor = run(["gpg", "--batch", "--armor", "--export", fpr], env=genv).stdout
            return fpr, fpr[-16:], armor

        fpr, key_id, armor = new_key("homeserver release test <release@example.invalid>")
        _, other_key_id, other_armor = new_key("someone else <other@example.invalid>")

        # The release target signs when HOMESERVER_GPG_KEY names a key: check that path with ours.
        pkg = os.path.join(work, "pkg")
        r = run(["bash", os.path.join(SOURCE, "scripts/release-package.sh"), "--version", version, "--out", pkg,
                 "--binary", f"amd64={os.path.join(build, 'bin/static', NAME)}",
                 "--binary", f"arm64={os.path.join(build, 'release-arm64/bin/static', NAME)}",
                 "--gpg-key", fpr], env=genv)
        if r.returncode:
            fail(f"release-package.sh with a key: {r.stderr}")
        sig = os.path.join(pkg, f"{NAME}_{version}_SHA256SUMS.sig")
        if run(["gpg", "--batch", "--verify", sig, sig[:-4]], env=genv).returncode:
            fail("the SHA256SUMS.sig written by release-package.sh does not verify")

        # Serve the release's own files, its SHA256SUMS signed by the throwaway key.
        files = os.path.join(work, "files")
        os.mkdir(files)
        sums = f"{NAME}_{version}_SHA256SUMS"
        for n in [os.path.basename(z) for z in zips.values()] + [sums, f"{NAME}_{version}_manifest.json"]:
            shutil.copy(os.path.join(release, n), files)
        r = run(["gpg", "--batch", "--local-user", fpr, "--output", os.path.join(files, sums + ".sig"),
                 "--detach-sign", os.path.join(files, sums)], env=genv)
        if r.returncode:
            fail(f"signing the release's SHA256SUMS: {r.stderr}")

        # Test CA and a localhost certificate.
        ca_key, ca_pem = os.path.join(work, "ca.key"), os.path.join(work, "ca.pem")
        srv_key, srv_csr, srv_pem = (os.path.join(work, n) for n in ("srv.key", "srv.csr", "srv.pem"))
        ext = os.path.join(work, "ext.cnf")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        for cmd in (["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hs test CA",
                     "-keyout", ca_key, "-out", ca_pem],
                    ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", srv_key,
                     "-out", srv_csr],
                    ["openssl", "x509", "-req", "-in", srv_csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
                     "-days", "2", "-extfile", ext, "-out", srv_pem]):
            r = run(cmd)
            if r.returncode:
                fail(f"{' '.join(cmd[:2])}: {r.stderr}")

        server = Registry(files, version, key_id, armor)
        server.other_key_id, server.other_armor = other_key_id, other_armor
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(srv_pem, srv_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        host = f"localhost:{port}"

        def tf_env(cli_config):
            cfg = os.path.join(work, f"cli-{abs(hash(cli_config))}.tfrc")
            with open(cfg, "w") as f:
                f.write(cli_config)
            return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "SSL_CERT_FILE": ca_pem,
                    "TF_CLI_CONFIG_FILE": cfg, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}

        def project(name, source):
            d = os.path.join(work, name)
            os.mkdir(d)
            with open(os.path.join(d, "main.tf"), "w") as f:
                f.write('terraform {\n  required_providers {\n    homeserver = {\n'
                        f'      source  = "{source}"\n      version = "{version}"\n    }}\n  }}\n}}\n' + RESOURCE_TF)
            return d

        def tf(d, env, *args):
            return run([terraform, f"-chdir={d}", *args, "-no-color"], env=env)

        def install_and_apply(name, source, env, addr):
            d = project(name, source)
            r = tf(d, env, "init", "-input=false")
            if r.returncode:
                fail(f"{name}: terraform init failed:\n{r.stdout}\n{r.stderr}")
            lock = open(os.path.join(d, ".terraform.lock.hcl")).read()
            if f'provider "{addr}"' not in lock or f'"{version}"' not in lock or "h1:" not in lock:
                fail(f"{name}: lock file lacks the provider, version or h1: hash:\n{lock}")
            zh = {f"zh:{sha256(z)}" for z in zips.values()}
            # Only a signed registry install records zh: hashes; from mirrors terraform records h1: only.
            if not zh <= set(re.findall(r'"(zh:[0-9a-f]{64})"', lock)) and name == "registry":
                fail(f"{name}: lock file lacks the zh: hashes of both release zips:\n{lock}")
            installed = os.path.join(d, ".terraform/providers", addr, version, "linux_amd64", f"{NAME}_v{version}")
            if not os.path.isfile(installed):
                fail(f"{name}: {installed} was not installed")
            r = tf(d, env, "plan", "-input=false")
            if r.returncode or "1 to add" not in r.stdout:
                fail(f"{name}: terraform plan:\n{r.stdout}\n{r.stderr}")
            r = tf(d, env, "apply", "-input=false", "-auto-approve")
            if r.returncode or "1 added" not in r.stdout:
                fail(f"{name}: terraform apply:\n{r.stdout}\n{r.stderr}")
            # The released provider pins the default image to the released image's index digest.
            digest = open(os.path.join(release, f"homeserver-replicator_{version}.oci.tar.digest")).read().strip()
            pinned = f"homeserver-replicator:{version}@{digest}"
            manifests = tf(d, env, "output", "-raw", "manifests_yaml").stdout
            if pinned not in manifests:
                images = sorted(set(re.findall(r"image: *(\S+)", manifests)))
                fail(f"{name}: the default replicator image is not {pinned}; rendered images: {images}")
            print(f"ok: {name}: init installed {addr} {version}, lock file written, plan + apply ran, "
                  f"default image pinned to {digest[:19]}...")
            return r.stderr

        direct = tf_env("provider_installation {\n  direct {}\n}\n")
        r = install_and_apply("registry", f"{host}/homeserver/homeserver", direct, f"{host}/homeserver/homeserver")

        # Negative: the zip does not match SHA256SUMS; SHA256SUMS signed by a key the registry does not list.
        for mode, want in (("bad-zip", r"checksum|doesn't match|does not match"),
                           ("bad-sig", r"signature|authentication|openpgp")):
            server.mode = mode
            d = project(mode, f"{host}/homeserver/homeserver")
            r = tf(d, direct, "init", "-input=false")
            server.mode = "ok"
            if r.returncode == 0:
                fail(f"{mode}: terraform init succeeded although the release was tampered with")
            if not re.search(want, r.stdout + r.stderr, re.I):
                fail(f"{mode}: terraform init failed without saying why ({want}):\n{r.stdout}\n{r.stderr}")
            print(f"ok: {mode}: terraform init refuses the tampered release")

        # Air-gapped: a filesystem mirror in the packed layout (just the release zips in a directory).
        mirror = os.path.join(work, "mirror", "registry.terraform.io", "homeserver", "homeserver")
        os.makedirs(mirror)
        for z in zips.values():
            shutil.copy(z, mirror)
        fs_env = tf_env('provider_installation {\n  filesystem_mirror {\n'
                        f'    path    = "{os.path.join(work, "mirror")}"\n'
                        '    include = ["registry.terraform.io/homeserver/*"]\n  }\n}\n')
        install_and_apply("filesystem-mirror", "homeserver/homeserver", fs_env, "registry.terraform.io/homeserver/homeserver")

        net_env = tf_env('provider_installation {\n  network_mirror {\n'
                         f'    url     = "https://{host}/mirror/"\n'
                         '    include = ["registry.terraform.io/homeserver/*"]\n  }\n}\n')
        install_and_apply("network-mirror", "homeserver/homeserver", net_env, "registry.terraform.io/homeserver/homeserver")
        # The mirror's zh: hashes are checked: a zip that does not match them is refused.
        server.mode = "bad-zip"
        d = project("network-mirror-bad-zip", "homeserver/homeserver")
        r = tf(d, net_env, "init", "-input=false")
        server.mode = "ok"
        if r.returncode == 0:
            fail("network mirror: terraform init accepted a zip that does not match the mirror's zh: hash")
        print("ok: network mirror: a zip that does not match its zh: hash is refused")
        print("PASS")
    finally:
        if server:
            server.shutdown()
        if os.path.isdir(gnupg):  # gpg started an agent for our private GNUPGHOME: stop it
            run(["gpgconf", "--kill", "gpg-agent"], env=dict(os.environ, GNUPGHOME=gnupg))
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
