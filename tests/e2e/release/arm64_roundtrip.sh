#!/usr/bin/env bash
# The static arm64 replicator (what the Raspberry Pi runs) under qemu-aarch64-static: it replicates
# a live SQLite database to a file replica while rows are inserted, and restores every row that was
# synced before it stopped, into a database that passes integrity_check.
source "$(dirname "$0")/common.sh"
bin=$arm64_bin/homeserver-replicator
need_release "$bin"
command -v qemu-aarch64-static >/dev/null || skip "qemu-aarch64-static is missing (apt-get install qemu-user-static)"
command -v sqlite3 >/dev/null || skip "sqlite3 is missing (scripts/install-deps.sh build)"
work=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
run() { qemu-aarch64-static "$bin" "$@"; }

db=$work/app.db
sqlite3 "$db" 'PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);' >/dev/null
cat >"$work/replicator.yml" <<YML
dbs:
  - path: $db
    replicas:
      - type: file
        path: $work/replica
        sync-interval: 200ms
YML
# Started directly (not through run()), so $! is qemu itself and the kill below reaches it.
qemu-aarch64-static "$bin" replicate -config "$work/replicator.yml" >"$work/replicate.log" 2>&1 &
pid=$!
for i in $(seq 1 40); do
  # The replicator briefly locks the database for checkpoints, as litestream does: wait for it.
  sqlite3 -cmd '.timeout 10000' "$db" \
    "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n<50) INSERT INTO t(v) SELECT hex(randomblob(64)) FROM s;"
  sleep 0.05
done
want=$(sqlite3 -cmd '.timeout 10000' "$db" 'SELECT count(*), sum(length(v)) FROM t;')
# Give the 200 ms sync loop (slow under qemu) time, then stop it as Kubernetes does: SIGTERM.
synced=
for _ in $(seq 1 60); do
  sleep 1
  kill -0 "$pid" 2>/dev/null || fail "replicate exited early: $(tail -20 "$work/replicate.log")"
  if run restore -o "$work/probe.db" "file://$work/replica" >/dev/null 2>&1; then
    got=$(sqlite3 "$work/probe.db" 'SELECT count(*), sum(length(v)) FROM t;' 2>/dev/null || true)
    rm -f "$work/probe.db"*
    [[ $got == "$want" ]] && { synced=1; break; }
  fi
done
kill -TERM "$pid"; wait "$pid" || true; pid=
[[ -n $synced ]] || fail "the replica never held all $want rows; log: $(tail -20 "$work/replicate.log")"

run restore -o "$work/restored.db" "file://$work/replica" >"$work/restore.log" 2>&1 ||
  fail "arm64 restore failed: $(tail -20 "$work/restore.log")"
got=$(sqlite3 "$work/restored.db" 'SELECT count(*), sum(length(v)) FROM t;')
[[ $got == "$want" ]] || fail "restored (count, bytes) $got, want $want"
check=$(sqlite3 "$work/restored.db" 'PRAGMA integrity_check;')
[[ $check == ok ]] || fail "restored database integrity_check: $check"
echo "ok: arm64 replicate -> restore under qemu: $want (rows, bytes) back, integrity ok"
echo PASS
