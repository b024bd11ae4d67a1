#!/usr/bin/env bash
# Fetches the real litestream v0.3.13 static binary (npm @flydotio/litestream-linux-x64@1.0.1)
# into the build tree and prints its path. Never committed; tests call this in their setup.
# Usage: tests/support/fetch-litestream.sh [BUILD_DIR]
set -euo pipefail
build=${1:-${HS_BUILD_DIR:-build}}
dest="$build/third_party/litestream"
bin="$dest/litestream"
mkdir -p "$dest"
# Tests run in parallel: one fetch at a time, the others wait for it and reuse the binary.
exec 9>"$dest/.lock"
flock 9
if [[ ! -x $bin ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent @flydotio/litestream-linux-x64@1.0.1 >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  install -m 0755 "$tmp/package/litestream" "$bin.partial"
  mv "$bin.partial" "$bin"
fi
"$bin" version | grep -qx 'v0.3.13' || { echo "fetch-litestream: $bin is not litestream v0.3.13" >&2; exit 1; }
realpath "$bin"
