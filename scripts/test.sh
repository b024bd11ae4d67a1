#!/usr/bin/env bash
# Runs every test: installs what the tests need, checks clang-format, builds (warnings are errors), checks that every
# library the build resolved comes from a package install-deps.sh installs, runs the unit tests
# (fast lane), builds the release artifacts, runs the end-to-end tests (real terraform, litestream,
# S3 and podman) with CTest, then the unit tests again under ASan + UBSan (full lane).
set -euo pipefail
cd "$(dirname "$0")/.."
export HS_BUILD_DIR=${HS_BUILD_DIR:-build}
sanitize_dir=${HS_SANITIZE_BUILD_DIR:-$HS_BUILD_DIR/asan}
start=$(date +%s)
bash scripts/install-deps.sh release
bash scripts/format.sh --check  # seconds: a formatting slip fails before any build
HS_CMAKE_ARGS="-DHOMESERVER_WERROR=ON" bash scripts/build.sh
echo "test.sh: build done in $(( $(date +%s) - start )) s" >&2
python3 scripts/check-deps.py "$HS_BUILD_DIR"
# Fast lane first: the Catch2 unit tests fail in minutes, before the release build and the e2e tests.
ctest --test-dir "$HS_BUILD_DIR" --output-on-failure -j2 --timeout 900 -L unit "$@"
# Release artifacts (static amd64 + arm64 provider zips, the OCI image): the release tests use them.
cmake --build "$HS_BUILD_DIR" -j2 --target release
echo "test.sh: release built at $(( $(date +%s) - start )) s" >&2
python3 scripts/check-deps.py "$HS_BUILD_DIR" "$HS_BUILD_DIR/release-arm64"
# Full lane: the replicator and the unit tests with ASan + UBSan. That second build (~10 min on 2
# cores) compiles while the end-to-end tests run, at the lowest CPU and I/O priority, in the time
# their waits leave idle; the tests keep the cores whenever they want them. The provider is left
# out: its gRPC stack is not what the sanitizers are for. Not -Werror: the sanitizers make GCC
# report false-positive -Wmaybe-uninitialized/-Wstringop-overflow.
sanitize_log="$HS_BUILD_DIR/sanitize-build.log"
mkdir -p "$HS_BUILD_DIR"
# Its own session, so a failed run stops the whole build (kill -- -PID) and nothing else.
setsid nice -n 19 ionice -c 3 bash -c 'set -e
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOMESERVER_SANITIZE=ON -DHOMESERVER_WERROR=OFF \
    -DHOMESERVER_BUILD_PROVIDER=OFF
  cmake --build "$1" -j2' sanitize-build "$sanitize_dir" >"$sanitize_log" 2>&1 &
sanitize_pid=$!
trap 'kill -- -"$sanitize_pid" 2>/dev/null || true' EXIT
e2e_rc=0
ctest --test-dir "$HS_BUILD_DIR" --output-on-failure -j2 --timeout 900 -LE unit "$@" || e2e_rc=$?
echo "test.sh: e2e done at $(( $(date +%s) - start )) s" >&2
[ "$e2e_rc" -eq 0 ] || exit "$e2e_rc"
if ! wait "$sanitize_pid"; then
  tail -n 60 "$sanitize_log" >&2
  echo "test.sh: the ASan + UBSan build failed (log: $sanitize_log)" >&2
  exit 1
fi
trap - EXIT
echo "test.sh: sanitizer build done at $(( $(date +%s) - start )) s" >&2
ctest --test-dir "$sanitize_dir" --output-on-failure -j2 --timeout 900 -L unit "$@"
echo "test.sh: all done in $(( $(date +%s) - start )) s" >&2
