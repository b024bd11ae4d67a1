#!/usr/bin/env bash
# Prints the compressed size of each platform's image in the release's OCI archive (what a node
# pulls: manifest + config + layers) next to litestream v0.3.13's static binary gzipped, measured now.
#   scripts/image-size.sh [BUILD_DIR]     (after `cmake --build BUILD_DIR --target release`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-${HS_BUILD_DIR:-build}}" && pwd)
archive=$(ls "$build"/release/homeserver-replicator_*.oci.tar 2>/dev/null | head -1)
[[ -n $archive ]] || { echo "image-size.sh: no $build/release/homeserver-replicator_*.oci.tar: build the release target" >&2; exit 1; }
litestream=$(bash "$here/../tests/support/fetch-litestream.sh" "$build")
ls_gz=$(gzip -9 -c "$litestream" | wc -c)
python3 - "$archive" "$ls_gz" <<'PY'
import json, sys, tarfile
path, ls_gz = sys.argv[1], int(sys.argv[2])
tar = tarfile.open(path)
blob = lambda d: tar.extractfile("blobs/sha256/" + d.split(":")[1]).read()
index = json.loads(blob(json.loads(tar.extractfile("index.json").read())["manifests"][0]["digest"]))
print(f"litestream v0.3.13 static binary, gzip -9: {ls_gz} bytes ({ls_gz / 1e6:.2f} MB)")
for m in index["manifests"]:
    man = json.loads(blob(m["digest"]))
    size = m["size"] + man["config"]["size"] + sum(l["size"] for l in man["layers"])
    print(f"homeserver-replicator image linux/{m['platform']['architecture']}: {size} bytes "
          f"({size / 1e6:.2f} MB), {size / ls_gz:.2f} x litestream's")
PY
