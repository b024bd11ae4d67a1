#!/usr/bin/env bash
# Replicator benchmark against litestream v0.3.13 in the same run (see replicator_bench.py for the
# workload and what is measured), then the crash-safety test with more kill -9 rounds than CI.
#   tests/bench/replicator.sh [BUILD_DIR]        env: ROWS (100000) BATCH (10) CRASH_ROUNDS (60, 0 = skip)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(realpath "${1:-${HS_BUILD_DIR:-$src/build}}")
ours=${OURS:-"$build/bin/homeserver-replicator"}  # OURS=: e.g. the static release binary
[[ -x $ours ]] || { echo "SKIPPED: $ours not built"; exit 77; }
litestream=$("$src/tests/support/fetch-litestream.sh" "$build") || { echo "SKIPPED: litestream not available"; exit 77; }
for tool in sqlite3 lz4; do command -v $tool >/dev/null || { echo "SKIPPED: $tool missing"; exit 77; }; done

python3 "$here/replicator_bench.py" "$ours" "$litestream"

rounds=${CRASH_ROUNDS:-60}
if ((rounds > 0)); then
  echo
  echo "Crash safety: $rounds rounds of kill -9 under write load"
  HS_BUILD_DIR=$build HS_SOURCE_DIR=$src HS_CRASH_ROUNDS=$rounds python3 "$src/tests/e2e/replicate/replicate_crash.py" | tail -3
fi
