#!/usr/bin/env bash
# The replicator image archive: an OCI index with linux/amd64 + linux/arm64, reproducible, static
# entrypoint, numeric non-root user, no shell, annotations; accepted by skopeo and `podman load`, and
# the amd64 image runs under podman (private storage, so nothing of the machine's is touched).
source "$(dirname "$0")/common.sh"
tar_file=$release_dir/homeserver-replicator_$version.oci.tar
need_release "$tar_file"
for tool in skopeo podman runc python3; do
  command -v $tool >/dev/null || skip "$tool is not installed (scripts/install-deps.sh test)"
done
work=$(mktemp -d)
P=(podman --root "$work/storage" --runroot "$work/run" --storage-driver vfs --runtime runc --cgroup-manager cgroupfs)
cleanup() { "${P[@]}" rm -a -f >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
# runc may not raise RLIMIT_NPROC here: our own containers.conf, not the machine's.
printf '[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n' >"$work/containers.conf"
export CONTAINERS_CONF=$work/containers.conf

# Structure, annotations, sizes, and the .digest file against the archive.
python3 - "$tar_file" "$version" <<'PY'
import hashlib, io, json, sys, tarfile, gzip
path, version = sys.argv[1], sys.argv[2]
tar = tarfile.open(path)
blob = lambda d: tar.extractfile("blobs/sha256/" + d.split(":")[1]).read()
def fail(msg): sys.exit("FAIL: " + msg)
top = json.loads(tar.extractfile("index.json").read())
(desc,) = top["manifests"]
if desc["annotations"].get("org.opencontainers.image.ref.name") != f"homeserver-replicator:{version}":
    fail(f"ref.name is {desc['annotations']}")
data = blob(desc["digest"])
if "sha256:" + hashlib.sha256(data).hexdigest() != desc["digest"]:
    fail("index blob does not match its digest")
recorded = open(path + ".digest").read().strip()
if recorded != desc["digest"]:
    fail(f"{path}.digest says {recorded}, archive index is {desc['digest']}")
index = json.loads(data)
for key in ("version", "revision", "source", "created"):
    if not index["annotations"].get("org.opencontainers.image." + key):
        fail(f"index lacks annotation org.opencontainers.image.{key}")
if index["annotations"]["org.opencontainers.image.version"] != version:
    fail("version annotation is not " + version)
plats = sorted((m["platform"]["os"], m["platform"]["architecture"]) for m in index["manifests"])
if plats != [("linux", "amd64"), ("linux", "arm64")]:
    fail(f"platforms are {plats}")
for m in index["manifests"]:
    man = json.loads(blob(m["digest"]))
    cfg = json.loads(blob(man["config"]["digest"]))
    c = cfg["config"]
    user = c.get("User", "")
    uid = user.split(":")[0]
    if not uid.isdigit() or int(uid) == 0:
        fail(f"{m['platform']} User '{user}' is not a numeric non-root user")
    if c.get("Entrypoint") != ["/usr/local/bin/homeserver-replicator"]:
        fail(f"Entrypoint is {c.get('Entrypoint')}")
    (layer,) = man["layers"]
    raw = gzip.decompress(blob(layer["digest"]))
    names = tarfile.open(fileobj=io.BytesIO(raw)).getnames()
    if names != sorted(names):
        fail("layer entries are not sorted")
    for forbidden in ("bin/sh", "usr/bin/sh", "etc/passwd", "usr/bin/apt", "usr/bin/dpkg"):
        if forbidden in names:
            fail(f"layer contains {forbidden}")
    for required in ("usr/local/bin/homeserver-replicator", "etc/ssl/certs/ca-certificates.crt"):
        if required not in names:
            fail(f"layer lacks {required}")
    print(f"ok: linux/{m['platform']['architecture']}: user {user}, {layer['size']} bytes compressed")
PY

# Reproducible: the same inputs give the same bytes (two builds now, from the release binaries).
for n in 1 2; do
  SOURCE_DATE_EPOCH=1700000000 python3 "$HS_SOURCE_DIR/scripts/image-build.py" --version "$version" \
    --source-dir "$HS_SOURCE_DIR" --binary amd64="$amd64_bin/homeserver-replicator" \
    --binary arm64="$arm64_bin/homeserver-replicator" --out "$work/again$n.oci.tar" 2>/dev/null
done
cmp -s "$work/again1.oci.tar" "$work/again2.oci.tar" || fail "two image builds from the same inputs differ"
echo "ok: reproducible ($(cat "$work/again1.oci.tar.digest"))"

# skopeo: copy every platform, byte for byte (the index digest survives the copy).
skopeo copy -q --all "oci-archive:$tar_file" "oci:$work/copy:$version" || fail "skopeo copy --all oci-archive: failed"
copied=$(skopeo inspect --raw "oci:$work/copy:$version" | sha256sum | cut -d' ' -f1)
[[ sha256:$copied == "$(cat "$tar_file.digest")" ]] || fail "skopeo copy changed the index digest (sha256:$copied)"
echo "ok: skopeo copy --all keeps the index digest"

# podman load, then run the amd64 image: the entrypoint answers, there is no shell.
"${P[@]}" load -q -i "$tar_file" >/dev/null || fail "podman load rejected $tar_file"
ref=localhost/homeserver-replicator:$version
out=$("${P[@]}" run --rm --network none "$ref" version 2>&1) || fail "podman run $ref version: $out"
[[ $out == "v$version" ]] || fail "podman run $ref version printed '$out'"
out=$("${P[@]}" run --rm --network none "$ref@$(cat "$tar_file.digest")" version 2>&1) ||
  fail "podman cannot run the image pinned by its index digest: $out"
uid=$("${P[@]}" run --rm --network none --entrypoint /usr/local/bin/homeserver-replicator "$ref" version >/dev/null 2>&1 && "${P[@]}" image inspect --format '{{.Config.User}}' "$ref")
[[ $uid == 65532:65532 ]] || fail "image user is '$uid'"
if "${P[@]}" run --rm --network none --entrypoint /bin/sh "$ref" -c true >/dev/null 2>&1; then
  fail "the image has a shell"
fi
echo "ok: podman load + run ($out, user $uid, no shell)"
echo PASS
