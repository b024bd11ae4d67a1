#!/usr/bin/env bash
# Configures and builds homeserver into ./build (or $HS_BUILD_DIR): -j2, gRPC code compiled once.
# $HS_CMAKE_ARGS: extra configure arguments (scripts/test.sh: -DHOMESERVER_WERROR=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${HS_BUILD_DIR:-build}
# shellcheck disable=SC2086  # HS_CMAKE_ARGS is a list of words
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${HS_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j2 "$@"
