#!/usr/bin/env bash
# Small-database restore: process start to exit for a ~100 KB database from a file replica written
# by litestream v0.3.13, homeserver-replicator vs litestream in the same run, alternating, median of
# RUNS (default 15). This is what an init container waits for on every pod start of a small app
# (litestream users report ~10 s from S3: litestream #266; tests/bench/s3_bench.py --rows 500 is
# the S3 side of this measurement).
#
# Usage: tests/bench/restore_small.sh [BUILD_DIR]   (env: RUNS=15 ROWS=400 WORK=/tmp)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${HS_BUILD_DIR:-$src/build}}" && pwd)
runs=${RUNS:-15}
rows=${ROWS:-400}
ours=$build/bin/homeserver-replicator
[[ -x $ours ]] || { echo "restore_small.sh: $ours is not built" >&2; exit 1; }
ls_bin=$("$src/tests/support/fetch-litestream.sh" "$build") || { echo "SKIPPED: litestream v0.3.13 not available"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIPPED: sqlite3 CLI missing"; exit 77; }

work=$(mktemp -d "${WORK:-/tmp}/hs-bench-small-XXXXXX")
ls_pid=
cleanup() {
  [[ -n $ls_pid ]] && kill "$ls_pid" 2>/dev/null && wait "$ls_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

db=$work/app.db
sqlite3 "$db" "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $rows)
  INSERT INTO t (v) SELECT hex(randomblob(100)) FROM n;" >/dev/null
cat >"$work/litestream.yml" <<YML
dbs:
  - path: $db
    replicas:
      - path: $work/replica
        sync-interval: 200ms
YML
"$ls_bin" replicate -config "$work/litestream.yml" >"$work/litestream.log" 2>&1 &
ls_pid=$!
until ls "$work"/replica/generations/*/snapshots/*.snapshot.lz4 >/dev/null 2>&1; do sleep 0.2; done
sqlite3 "$db" "PRAGMA busy_timeout=5000; INSERT INTO t (v) VALUES ('after the snapshot');" >/dev/null
sleep 1.5
kill -TERM "$ls_pid"; wait "$ls_pid" || true; ls_pid=
want=$(sqlite3 "$db" "SELECT count(*) FROM t")

measure() { # bin out -> seconds
  local bin=$1 out=$2 t0 t1
  t0=$(date +%s.%N)
  "$bin" restore -o "$out" "file://$work/replica" >"$work/restore.log" 2>&1 || { cat "$work/restore.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  [[ $(sqlite3 "$out" "SELECT count(*) FROM t") == "$want" ]] || { echo "$bin restored the wrong rows" >&2; exit 1; }
  rm -f "$out" "$out"-*
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
}
declare -a o l
for ((r = 0; r < runs; r++)); do
  o+=("$(measure "$ours" "$work/o.db")")
  l+=("$(measure "$ls_bin" "$work/l.db")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mo=$(median "${o[@]}"); ml=$(median "${l[@]}")
echo "| restore of a $(( $(stat -c %s "$db") / 1024 )) KB database from a file replica, process start to exit (median of $runs) | $(awk -v x="$ml" 'BEGIN{printf "%.1f", x*1000}') ms | $(awk -v x="$mo" 'BEGIN{printf "%.1f", x*1000}') ms | $(awk -v a="$mo" -v b="$ml" 'BEGIN{printf "%.2f", a/b}') |"
