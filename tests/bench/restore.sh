#!/usr/bin/env bash
# Restore benchmark: time and peak RSS to restore a ~1 GB database (snapshot + WAL across several
# WAL indexes) from a file replica written by the real litestream v0.3.13, with
# homeserver-replicator and with litestream itself, in the same run, alternating, median of N.
#
# Usage: tests/bench/restore.sh [BUILD_DIR] (env: SIZE_MB=1024 WAL_MB=128 RUNS=3 WORK=/tmp KEEP=1)
# Prints a Markdown table for docs/benchmarks.md. Cleans up its work dir; stops only its own PIDs.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${HS_BUILD_DIR:-$src/build}}" && pwd)
size_mb=${SIZE_MB:-1024}
wal_mb=${WAL_MB:-128}
runs=${RUNS:-3}
ours=$build/bin/homeserver-replicator
[[ -x $ours ]] || { echo "restore.sh: $ours is not built" >&2; exit 1; }
ls_bin=$("$src/tests/support/fetch-litestream.sh" "$build") || { echo "SKIPPED: litestream v0.3.13 not available"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIPPED: sqlite3 CLI missing"; exit 77; }
[[ -x /usr/bin/time ]] || { echo "SKIPPED: GNU time missing"; exit 77; }

work=$(mktemp -d "${WORK:-/tmp}/hs-bench-restore-XXXXXX")
ls_pid=
cleanup() {
  [[ -n $ls_pid ]] && kill "$ls_pid" 2>/dev/null && wait "$ls_pid" 2>/dev/null || true
  if [[ -n ${KEEP:-} ]]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

db=$work/app.db
cat >"$work/litestream.yml" <<YML
dbs:
  - path: $db
    monitor-interval: 200ms
    min-checkpoint-page-count: 2000
    replicas:
      - name: local
        path: $work/replica
        sync-interval: 500ms
YML

# 1. The database: ~size_mb of rows (half random hex text: compresses like real app data, not
#    like zeros), built before litestream starts, so it lands in the generation's snapshot.
echo "# building a ${size_mb} MB database" >&2
rows=$((size_mb * 1024 * 1024 / 2100))
sqlite3 "$db" <<SQL >/dev/null
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $rows)
INSERT INTO t (k, v) SELECT abs(random()) % 1000000, hex(randomblob(512)) || printf('%.1000c', 'x') FROM n;
CREATE INDEX t_k ON t(k);
PRAGMA wal_checkpoint(TRUNCATE);
SQL

# 2. litestream snapshots it, then replicates wal_mb of further writes across several WAL indexes.
echo "# litestream replicate: snapshot + ${wal_mb} MB of WAL" >&2
"$ls_bin" replicate -config "$work/litestream.yml" >"$work/litestream.log" 2>&1 &
ls_pid=$!
until ls "$work"/replica/generations/*/snapshots/*.snapshot.lz4 >/dev/null 2>&1; do sleep 0.5; done
batches=$((wal_mb * 1024 * 1024 / (200 * 2100)))
for ((b = 0; b < batches; b++)); do
  sqlite3 "$db" "PRAGMA busy_timeout=10000; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 200)
    INSERT INTO t (k, v) SELECT abs(random()) % 1000000, hex(randomblob(512)) || printf('%.1000c', 'y') FROM n;
    UPDATE t SET k = k + 1 WHERE id % 997 = $b;" >/dev/null
done
sleep 3
kill -TERM "$ls_pid"; wait "$ls_pid" || true; ls_pid=
gen=$(ls "$work/replica/generations")
n_idx=$(ls "$work/replica/generations/$gen/wal" | cut -c1-8 | sort -u | wc -l)
n_seg=$(ls "$work/replica/generations/$gen/wal" | wc -l)
db_bytes=$(stat -c %s "$db")
snap_bytes=$(stat -c %s "$work"/replica/generations/"$gen"/snapshots/*.snapshot.lz4 | awk '{s+=$1} END {print s}')
wal_bytes=$(du -cb "$work/replica/generations/$gen/wal" | tail -1 | cut -f1)
src_rows=$(sqlite3 "$db" "SELECT count(*) FROM t")
echo "# replica: db $((db_bytes >> 20)) MiB, snapshot $((snap_bytes >> 20)) MiB lz4, $n_seg WAL segments in $n_idx indexes ($((wal_bytes >> 20)) MiB lz4)" >&2

# 3. Restores, alternating tools; each output is checked and removed.
measure() { # tool out -> "seconds maxrss_kb"
  local tool=$1 out=$2 bin
  [[ $tool == ours ]] && bin=$ours || bin=$ls_bin
  sync
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" restore -o "$out" "file://$work/replica" >"$work/$tool.log" 2>&1 ||
    { echo "restore with $tool failed:" >&2; tail -5 "$work/$tool.log" >&2; exit 1; }
  local rows
  rows=$(sqlite3 "$out" "SELECT count(*) FROM t")
  [[ $rows == "$src_rows" ]] || { echo "$tool restored $rows rows, want $src_rows" >&2; exit 1; }
  cat "$work/time.txt"
  rm -f "$out" "$out"-* "$out".tmp*
}
declare -a t_ours t_ls m_ours m_ls
for ((r = 0; r < runs; r++)); do
  read -r t m < <(measure ours "$work/out-ours.db"); t_ours+=("$t"); m_ours+=("$m")
  read -r t m < <(measure litestream "$work/out-ls.db"); t_ls+=("$t"); m_ls+=("$m")
  echo "# run $((r + 1)): ours ${t_ours[-1]} s ${m_ours[-1]} KB, litestream ${t_ls[-1]} s ${m_ls[-1]} KB" >&2
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mt_o=$(median "${t_ours[@]}"); mt_l=$(median "${t_ls[@]}")
mm_o=$(median "${m_ours[@]}"); mm_l=$(median "${m_ls[@]}")
ratio=$(awk -v a="$mt_l" -v b="$mt_o" 'BEGIN {printf "%.2f", a / b}')
rss_ratio=$(awk -v a="$mm_o" -v b="$mm_l" 'BEGIN {printf "%.2f", a / b}')

cat <<MD
Restore of a $((db_bytes >> 20)) MiB database ($src_rows rows) from a file replica written by litestream v0.3.13:
snapshot $((snap_bytes >> 20)) MiB LZ4 + $n_seg WAL segments in $n_idx WAL indexes ($((wal_bytes >> 20)) MiB LZ4);
median of $runs runs each, alternating, on $(nproc) cores ($(date -u +%Y-%m-%d)).

| | homeserver-replicator | litestream v0.3.13 | ratio |
|---|---|---|---|
| restore wall time (s) | $mt_o | $mt_l | **${ratio}x faster** |
| peak RSS (MB) | $((mm_o / 1024)) | $((mm_l / 1024)) | ${rss_ratio}x |
| verifies LZ4 + WAL checksums, gaps, integrity_check | yes | no | |

Runs (s): ours ${t_ours[*]}; litestream ${t_ls[*]}.
MD
