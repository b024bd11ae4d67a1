#!/usr/bin/env bash
# Runs every test: installs what the tests need, builds, runs the unit tests (fast lane), builds the
# release artifacts, then runs the end-to-end tests (real terraform, litestream, S3 and podman) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
export HS_BUILD_DIR=${HS_BUILD_DIR:-build}
start=$(date +%s)
bash scripts/install-deps.sh release
bash scripts/build.sh
echo "test.sh: build done in $(( $(date +%s) - start )) s" >&2
# Fast lane first: the Catch2 unit tests fail in minutes, before the release build and the e2e tests.
ctest --test-dir "$HS_BUILD_DIR" --output-on-failure -j2 --timeout 900 -L unit "$@"
# Release artifacts (static amd64 + arm64 provider zips, the OCI image): the release tests use them.
cmake --build "$HS_BUILD_DIR" -j2 --target release
echo "test.sh: release built at $(( $(date +%s) - start )) s" >&2
ctest --test-dir "$HS_BUILD_DIR" --output-on-failure -j2 --timeout 900 -LE unit "$@"
echo "test.sh: all done in $(( $(date +%s) - start )) s" >&2
