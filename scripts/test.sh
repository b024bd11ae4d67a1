#!/usr/bin/env bash
# Runs every test: installs what the tests need, builds, builds the release artifacts, runs CTest
# (Catch2 unit tests and the end-to-end tests against real terraform, litestream, S3 and podman).
set -euo pipefail
cd "$(dirname "$0")/.."
export HS_BUILD_DIR=${HS_BUILD_DIR:-build}
start=$(date +%s)
bash scripts/install-deps.sh release
bash scripts/build.sh
# Release artifacts (static amd64 + arm64 provider zips, the OCI image): the release tests use them.
cmake --build "$HS_BUILD_DIR" -j2 --target release
echo "test.sh: build done in $(( $(date +%s) - start )) s" >&2
ctest --test-dir "$HS_BUILD_DIR" --output-on-failure -j2 --timeout 900 "$@"
echo "test.sh: all done in $(( $(date +%s) - start )) s" >&2
