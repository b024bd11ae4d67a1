#!/usr/bin/env bash
# The demo: homeserver on its embedded defaults, no external services.
#  1. builds the replicator and the provider;
#  2. an "app" writes to a SQLite database while `homeserver-replicator replicate` streams it to a local
#     file replica (the layout litestream v0.3 uses);
#  3. the database is deleted (the SD card died) and `restore` brings every synced row back, checked with
#     PRAGMA integrity_check, then `verify` checks the backup the way the weekly CronJob does;
#  4. if terraform is installed, the provider renders the Kubernetes objects of examples/basic.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/install-deps.sh build
bash scripts/build.sh
bin=$root/${HS_BUILD_DIR:-build}/bin
demo=$(mktemp -d /tmp/homeserver-demo.XXXXXX)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$demo"; }
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }

cat > "$demo/replicator.yml" <<YML
logging:
  level: info
dbs:
  - path: $demo/data/app.db
    replicas:
      - name: local
        type: file
        path: $demo/replica
        sync-interval: 1s
YML
mkdir -p "$demo/data"
sqlite3 "$demo/data/app.db" "PRAGMA journal_mode=WAL; CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT, at TEXT);" >/dev/null

step "replicating $demo/data/app.db to the file replica $demo/replica"
"$bin/homeserver-replicator" replicate -config "$demo/replicator.yml" > "$demo/replicate.log" 2>&1 &
pid=$!
for i in $(seq 1 200); do
  sqlite3 "$demo/data/app.db" "PRAGMA busy_timeout=5000; INSERT INTO notes(body, at) VALUES('note $i ' || hex(randomblob(32)), datetime('now'));" >/dev/null
  (( i % 50 == 0 )) && echo "   app wrote $i rows"
done
sleep 2.5  # two sync intervals: everything written is now in the replica
kill -TERM "$pid"; wait "$pid" || true; pid=""
sed 's/^/   | /' "$demo/replicate.log" | tail -n 8
written=$(sqlite3 "$demo/data/app.db" "SELECT count(*) FROM notes;")

step "the SD card dies: deleting the database"
rm -rf "$demo/data"
step "restore (as the init container does: -if-db-not-exists -if-replica-exists)"
"$bin/homeserver-replicator" restore -config "$demo/replicator.yml" -if-db-not-exists -if-replica-exists "$demo/data/app.db"
restored=$(sqlite3 "$demo/data/app.db" "SELECT count(*) FROM notes;")
check=$(sqlite3 "$demo/data/app.db" "PRAGMA integrity_check;")
echo "   rows written: $written, rows restored: $restored, integrity_check: $check"
[[ $written == "$restored" && $check == ok ]] || { echo "demo: restore lost data" >&2; exit 1; }

step "verify (what the weekly CronJob runs)"
"$bin/homeserver-replicator" verify -config "$demo/replicator.yml" 2>&1 | sed 's/^/   | /'

if command -v terraform >/dev/null; then
  step "terraform renders the Kubernetes objects of examples/basic with the provider"
  cp -r examples/basic "$demo/tf"
  cat > "$demo/terraformrc" <<HCL
provider_installation {
  dev_overrides { "registry.terraform.io/homeserver/homeserver" = "$bin" }
  direct {}
}
HCL
  export TF_CLI_CONFIG_FILE=$demo/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
  (cd "$demo/tf" && terraform apply -auto-approve -no-color >/dev/null 2>"$demo/tf.err" || { cat "$demo/tf.err"; exit 1; }
   terraform output -no-color)
else
  step "terraform is not installed: skipping the provider part of the demo"
fi
step "done"
