#!/usr/bin/env python3
"""Writes the replicator image as an OCI image archive (oci-archive), without any base image.

Layout of the archive (a tar of an OCI image layout):
    oci-layout, index.json  -> one image index (ref.name = homeserver-replicator:<version>,
                               which podman load names localhost/homeserver-replicator:<version>)
    blobs/sha256/<index>    -> linux/amd64 and linux/arm64 image manifests
    blobs/sha256/...        -> per arch: config + one gzip layer

Each layer holds only the static replicator, the CA bundle and an nsswitch.conf: no shell, no
package manager, no /etc/passwd (the user is numeric). Everything is reproducible: tar entries are
sorted with fixed owner/mode/mtime (the commit time), gzip has no timestamp, JSON is canonical, so
the same inputs give the same index digest, which the provider pins (<name>:<V>@sha256:<digest>).

Usage: image-build.py --version V --binary amd64=PATH --binary arm64=PATH --out FILE.oci.tar
                      [--source-dir DIR] [--source-url URL] [--ca-bundle FILE] [--uid N]
Writes FILE and FILE.digest ("sha256:<index digest>").
"""
import argparse
import datetime
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

ENTRYPOINT = "/usr/local/bin/homeserver-replicator"
CA_BUNDLE_PATH = "etc/ssl/certs/ca-certificates.crt"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
PLATFORMS = {"amd64": {"architecture": "amd64", "os": "linux"},
             "arm64": {"architecture": "arm64", "os": "linux", "variant": "v8"}}
ELF_MACHINE = {"amd64": 0x3E, "arm64": 0xB7}


def fail(msg):
    sys.exit(f"image-build.py: {msg}")


def canonical_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def check_static_elf(arch, path):
    """The image has no libraries: refuse a binary of the wrong arch or with a dynamic loader."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError as e:
        fail(f"--binary {arch}: cannot read {path}: {e.strerror}")
    if head[:4] != b"\x7fELF":
        fail(f"--binary {arch}: {path} is not an ELF executable")
    machine = int.from_bytes(head[18:20], "little")
    if machine != ELF_MACHINE[arch]:
        fail(f"--binary {arch}: {path} is built for ELF machine {machine:#x}, not {arch}")
    out = subprocess.run(["readelf", "-l", path], capture_output=True, text=True, check=True).stdout
    if "program interpreter" in out:
        fail(f"--binary {arch}: {path} is dynamically linked; the image has no shared libraries")


def layer_tar(binary, ca_bundle, uid, mtime):
    """Uncompressed layer: directories, then files, in sorted order, all owned by root."""
    entries = []  # (path, type, mode, data)
    for d in ["etc", "etc/ssl", "etc/ssl/certs", "tmp", "usr", "usr/local", "usr/local/bin"]:
        entries.append((d, tarfile.DIRTYPE, 0o1777 if d == "tmp" else 0o755, None))
    with open(ca_bundle, "rb") as f:
        entries.append((CA_BUNDLE_PATH, tarfile.REGTYPE, 0o644, f.read()))
    # Static glibc resolves with its built-in files and dns services; this names their order.
    entries.append(("etc/nsswitch.conf", tarfile.REGTYPE, 0o644, b"hosts: files dns\n"))
    with open(binary, "rb") as f:
        entries.append((ENTRYPOINT.lstrip("/"), tarfile.REGTYPE, 0o755, f.read()))
    entries.sort(key=lambda e: e[0])
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, kind, mode, data in entries:
            info = tarfile.TarInfo(path)
            info.type, info.mode, info.mtime = kind, mode, mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return buf.getvalue()


class Layout:
    """Blobs of an OCI image layout, kept in memory (the whole image is a few MB)."""

    def __init__(self):
        self.blobs = {}

    def add(self, media_type, data, **extra):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return {"mediaType": media_type, "digest": digest, "size": len(data), **extra}

    def write_archive(self, out, index_descriptor):
        files = {"oci-layout": canonical_json({"imageLayoutVersion": "1.0.0"}),
                 "index.json": canonical_json({"schemaVersion": 2, "mediaType": MT_INDEX,
                                               "manifests": [index_descriptor]})}
        for digest, data in self.blobs.items():
            files["blobs/sha256/" + digest.split(":", 1)[1]] = data
        dirs = ["blobs", "blobs/sha256"]
        tmp = out + ".tmp"
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)  # a fresh build has no release/
        with tarfile.open(tmp, "w", format=tarfile.USTAR_FORMAT) as tar:
            for d in dirs:
                info = tarfile.TarInfo(d)
                info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
                tar.addfile(info)
            for name in sorted(files):
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(files[name]), 0o644, 0
                tar.addfile(info, io.BytesIO(files[name]))
        os.replace(tmp, out)


def git(source_dir, *args):
    try:
        return subprocess.run(["git", "-C", source_dir, *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def write_digest_header(path, digest):
    """The provider's release build pins its default image to this digest (cmake/Release.cmake).
    Rewritten only when the digest changes, so the provider is not recompiled for nothing."""
    text = ("#pragma once\n// Generated by scripts/image-build.py: the index digest of the replicator image\n"
            "// released with this provider (homeserver-replicator:<V>@<digest>).\n"
            f'#define HOMESERVER_REPLICATOR_IMAGE_DIGEST "{digest}"\n')
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", required=True)
    ap.add_argument("--binary", action="append", required=True, metavar="ARCH=PATH")
    ap.add_argument("--out", required=True)
    ap.add_argument("--source-dir", default=".")
    ap.add_argument("--source-url", default="https://github.com/homeserver/homeserver")
    ap.add_argument("--ca-bundle", default="/etc/ssl/certs/ca-certificates.crt")
    ap.add_argument("--uid", type=int, default=65532)
    ap.add_argument("--digest-header", help="also write a C++ header defining HOMESERVER_REPLICATOR_IMAGE_DIGEST")
    args = ap.parse_args()

    binaries = {}
    for spec in args.binary:
        arch, sep, path = spec.partition("=")
        if not sep or arch not in PLATFORMS:
            fail(f"--binary must be ARCH=PATH with ARCH one of {sorted(PLATFORMS)}, got '{spec}'")
        check_static_elf(arch, path)
        binaries[arch] = path
    if not os.path.isfile(args.ca_bundle):
        fail(f"--ca-bundle {args.ca_bundle} does not exist (install ca-certificates)")
    if args.uid <= 0:
        fail(f"--uid must be a positive (non-root) user id, got {args.uid}")

    revision = git(args.source_dir, "rev-parse", "HEAD") or "unknown"
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or git(args.source_dir, "log", "-1", "--format=%ct") or 0)
    created = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    annotations = {"org.opencontainers.image.version": args.version,
                   "org.opencontainers.image.revision": revision,
                   "org.opencontainers.image.source": args.source_url,
                   "org.opencontainers.image.created": created,
                   "org.opencontainers.image.title": "homeserver-replicator"}

    layout = Layout()
    manifests = []
    for arch in sorted(binaries):
        tar = layer_tar(binaries[arch], args.ca_bundle, args.uid, epoch)
        gz = gzip.compress(tar, compresslevel=9, mtime=0)
        layer = layout.add(MT_LAYER, gz)
        config = {"created": created, "architecture": PLATFORMS[arch]["architecture"], "os": "linux",
                  "config": {"User": f"{args.uid}:{args.uid}", "Entrypoint": [ENTRYPOINT],
                             "Env": ["PATH=/usr/local/bin",
                                     "SSL_CERT_FILE=/" + CA_BUNDLE_PATH],
                             "WorkingDir": "/", "Labels": annotations},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
                  "history": [{"created": created, "created_by": "scripts/image-build.py"}]}
        if "variant" in PLATFORMS[arch]:
            config["variant"] = PLATFORMS[arch]["variant"]
        manifest = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
                    "config": layout.add(MT_CONFIG, canonical_json(config)),
                    "layers": [layer], "annotations": annotations}
        manifests.append(layout.add(MT_MANIFEST, canonical_json(manifest), platform=PLATFORMS[arch]))
        print(f"image-build.py: linux/{arch}: layer {len(gz)} bytes compressed, {len(tar)} uncompressed",
              file=sys.stderr)
    index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": manifests, "annotations": annotations}
    index_desc = layout.add(MT_INDEX, canonical_json(index),
                            annotations={"org.opencontainers.image.ref.name": f"homeserver-replicator:{args.version}"})
    layout.write_archive(args.out, index_desc)
    with open(args.out + ".digest", "w") as f:
        f.write(index_desc["digest"] + "\n")
    if args.digest_header:
        write_digest_header(args.digest_header, index_desc["digest"])
    print(f"image-build.py: {args.out}: index {index_desc['digest']}", file=sys.stderr)


if __name__ == "__main__":
    main()
