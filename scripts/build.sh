#!/usr/bin/env bash
# Configures and builds homeserver into ./build (or $HS_BUILD_DIR): -j2, gRPC code compiled once.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${HS_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 "$@"
