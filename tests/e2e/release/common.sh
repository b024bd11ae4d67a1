# Shared by the release tests: where the artifacts are, the version, skipping loudly.
# shellcheck shell=bash
set -euo pipefail
: "${HS_SOURCE_DIR:?run through CTest (HS_SOURCE_DIR)}" "${HS_BUILD_DIR:?run through CTest (HS_BUILD_DIR)}"
HS_BUILD_DIR=$(cd "$HS_BUILD_DIR" && pwd)
release_dir=$HS_BUILD_DIR/release
arm64_bin=$HS_BUILD_DIR/release-arm64/bin/static
amd64_bin=$HS_BUILD_DIR/bin/static
version=$(sed -n 's/^#define HOMESERVER_VERSION "\(.*\)"$/\1/p' "$HS_BUILD_DIR/generated/homeserver/version.h")
[[ -n $version ]] || { echo "FAIL: no version in $HS_BUILD_DIR/generated/homeserver/version.h" >&2; exit 1; }

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
need_release() {
  [[ -e $1 ]] || skip "$1 is missing: run 'cmake --build $HS_BUILD_DIR --target release' first"
}
