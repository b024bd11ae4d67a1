#!/usr/bin/env bash
# make-seeds.sh [BUILD_DIR]: (re)writes the seed corpora tests/fuzz/corpus/<name>/ that come from real
# runs, so they can be regenerated and reviewed. Not part of the tests (the corpora are committed).
#   wal, lz4, layout: a replica written by the real litestream 0.3.13 (tests/support/fetch-litestream.sh)
#     from a SQLite database (page sizes 512 and 4096): its objects, their decompressed WAL indexes,
#     its listing;
#   s3_xml: the same litestream replicating to Swift's s3api (tests/support/s3server.py), whose
#     listings (v1, v2, delimiter, paging), error bodies and multipart/delete answers are fetched with
#     curl --aws-sigv4;
#   config, render: the golden files and examples already in the tree (copied).
# The tfplugin corpora come from terraform itself: see make-tfplugin-seeds.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(realpath "${1:-${HS_BUILD_DIR:-$root/build}}")
litestream=$(bash "$root/tests/support/fetch-litestream.sh" "$build")
corpus=$here/corpus
tmp=$(mktemp -d)
s3dir=
ls_pid=
cleanup() {
  [[ -n $ls_pid ]] && kill "$ls_pid" 2>/dev/null && wait "$ls_pid" 2>/dev/null || true
  [[ -n $s3dir ]] && python3 "$root/tests/support/s3server.py" stop "$s3dir" || true
  rm -rf "$tmp"
}
trap cleanup EXIT

eval "$(python3 "$root/tests/support/s3server.py" start --parent "$tmp")"
s3dir=$HS_S3_DIR
export LITESTREAM_ACCESS_KEY_ID=$HS_S3_ACCESS_KEY_ID LITESTREAM_SECRET_ACCESS_KEY=$HS_S3_SECRET_ACCESS_KEY

for ps in 512 4096; do
  db=$tmp/db$ps/app.db
  mkdir -p "$(dirname "$db")"
  sqlite3 "$db" "PRAGMA page_size=$ps; PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);" >/dev/null
  cat >"$tmp/ls$ps.yml" <<YML
dbs:
  - path: $db
    min-checkpoint-page-count: 8
    checkpoint-interval: 1s
    replicas:
      - type: file
        path: $tmp/replica$ps
        sync-interval: 100ms
      - type: s3
        bucket: $HS_S3_BUCKET
        path: seeds/db$ps
        endpoint: $HS_S3_ENDPOINT
        region: $HS_S3_REGION
        force-path-style: true
        sync-interval: 100ms
YML
  "$litestream" replicate -config "$tmp/ls$ps.yml" >"$tmp/ls$ps.log" 2>&1 &
  ls_pid=$!
  for i in 1 2 3 4 5 6; do
    sqlite3 "$db" "PRAGMA busy_timeout=5000; INSERT INTO t(v) VALUES ('row $i ' || hex(randomblob($i * 20)));" >/dev/null
    sleep 0.4
  done
  # A checkpoint starts a new WAL index; then a little more.
  sqlite3 "$db" "PRAGMA busy_timeout=5000; PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t(v) VALUES ('after checkpoint');" >/dev/null
  sleep 1.5
  kill "$ls_pid"; wait "$ls_pid" 2>/dev/null || true; ls_pid=
done

# Regenerated seeds replace the old ones; regress-* inputs (crashes found) always stay.
reset() { mkdir -p "$@"; find "$@" -type f ! -name 'regress-*' -delete; }
reset "$corpus/wal" "$corpus/lz4" "$corpus/layout" "$corpus/s3_xml"
for ps in 512 4096; do
  rep=$tmp/replica$ps
  (cd "$rep" && find . -type f | sed 's|^\./||' | sort) >"$corpus/layout/litestream-file-replica-$ps.txt"
  # Every object up to 64 KiB as it is stored (LZ4 frames).
  find "$rep" -name '*.lz4' -size -65k | sort | while read -r f; do
    cp "$f" "$corpus/lz4/litestream-$ps-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
  # Each WAL index: its segments decompressed and concatenated, in offset order.
  for wal in "$rep"/generations/*/wal; do
    for idx in $(ls "$wal" | sed 's/_.*//' | sort -u); do
      out=$corpus/wal/litestream-$ps-index-$idx.wal
      for seg in $(ls "$wal" | grep "^${idx}_" | sort); do lz4 -dc "$wal/$seg"; done >"$out"
      (( $(stat -c %s "$out") <= 65536 )) || rm -f "$out"
    done
  done
done

# Swift's own answers (s3get.py signs with SigV4).
s3() { python3 "$here/s3get.py" "$@"; }
ep=$HS_S3_ENDPOINT/$HS_S3_BUCKET
x=$corpus/s3_xml
s3 GET "$ep?prefix=seeds/db512/" >"$x/swift-list-v1.xml"
s3 GET "$ep?list-type=2&prefix=seeds/db512/" >"$x/swift-list-v2.xml"
s3 GET "$ep?prefix=seeds/db512/generations/&delimiter=/" >"$x/swift-list-v1-delimiter.xml"
s3 GET "$ep?list-type=2&prefix=seeds/&delimiter=/" >"$x/swift-list-v2-delimiter.xml"
s3 GET "$ep?prefix=seeds/db4096/&max-keys=2" >"$x/swift-list-v1-truncated.xml"
s3 GET "$ep?list-type=2&prefix=seeds/db4096/&max-keys=2" >"$x/swift-list-v2-truncated.xml"
s3 GET "$ep?prefix=nothing-here/" >"$x/swift-list-empty.xml"
s3 GET "$HS_S3_ENDPOINT/no-such-bucket-here?list-type=2" >"$x/swift-error-nosuchbucket.xml"
s3 GET "$ep/no/such/key" >"$x/swift-error-nosuchkey.xml"
HS_S3_SECRET_ACCESS_KEY=wrong s3 GET "$ep?list-type=2" >"$x/swift-error-signature.xml"
s3 POST "$ep/seeds/multipart-object?uploads" >"$x/swift-initiate-multipart.xml"
upload=$(sed -n 's:.*<UploadId>\(.*\)</UploadId>.*:\1:p' "$x/swift-initiate-multipart.xml")
etag=$(S3GET_ETAG=1 s3 PUT "$ep/seeds/multipart-object?partNumber=1&uploadId=$upload" "$(cat "$tmp/ls512.yml")")
s3 POST "$ep/seeds/multipart-object?uploadId=$upload" \
  "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>$etag</ETag></Part></CompleteMultipartUpload>" \
  >"$x/swift-complete-multipart.xml"
s3 POST "$ep/seeds/multipart-object?uploadId=no-such-upload" \
  '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>' \
  >"$x/swift-complete-multipart-error.xml"
s3 POST "$ep?delete" \
  '<Delete><Quiet>true</Quiet><Object><Key>seeds/multipart-object</Key></Object><Object><Key>seeds/none</Key></Object></Delete>' \
  >"$x/swift-delete-result.xml"
s3 POST "$ep?delete" '<Delete><Object></Object></Delete>' >"$x/swift-delete-error.xml"
find "$corpus/s3_xml" -empty -delete
# The S3 replica's keys, as a listing hands them to the layout parsers.
grep -o '<Key>[^<]*</Key>' "$x/swift-list-v1.xml" | sed 's:</\?Key>::g' >"$corpus/layout/litestream-s3-keys-512.txt"

# Trees already in the repository.
reset "$corpus/config" "$corpus/render"
cp "$root"/tests/unit/render/golden/*.replicator.yml "$corpus/config/"
cp "$tmp/ls512.yml" "$corpus/config/litestream-seeds.yml"
cp "$root"/tests/unit/render/specs/*.json "$corpus/render/"
echo "make-seeds: wrote $(find "$corpus" -type f | wc -l) files under $corpus" >&2
