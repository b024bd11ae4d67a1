#!/usr/bin/env bash
# Each release binary runs in an empty chroot (nothing but the binary, /tmp, and for arm64 the
# qemu-aarch64-static that runs it): the provider from its release zip answers terraform's plugin
# handshake and completes a mutual-TLS session on the socket it announces; the static replicator
# prints its version, and lists an S3 bucket over HTTPS (its own curl + OpenSSL).
source "$(dirname "$0")/common.sh"
[[ $(id -u) == 0 ]] || skip "chroot needs root"
chroot_bin=$(command -v chroot) || skip "chroot is not installed (coreutils)"
command -v unzip >/dev/null || skip "unzip is not installed (scripts/install-deps.sh test)"
need_release "$amd64_bin/homeserver-replicator"

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# new_root ARCH: an empty root with /tmp and, for arm64, the emulator.
new_root() {
  local root=$work/root-$1-$RANDOM
  mkdir -p "$root/tmp"
  chmod 1777 "$root/tmp"
  if [[ $1 == arm64 ]]; then cp "$(command -v qemu-aarch64-static)" "$root/qemu-aarch64-static"; fi
  echo "$root"
}
runner() { [[ $1 == arm64 ]] && echo /qemu-aarch64-static || true; }

archs=(amd64)
if [[ -x $arm64_bin/homeserver-replicator ]]; then
  command -v qemu-aarch64-static >/dev/null || skip "qemu-aarch64-static is missing (apt-get install qemu-user-static)"
  archs+=(arm64)
else
  fail "$arm64_bin/homeserver-replicator is missing although the amd64 release binary exists (release target incomplete)"
fi

# The replicator: static, and runs with nothing around it.
for arch in "${archs[@]}"; do
  bin=${amd64_bin}; [[ $arch == arm64 ]] && bin=$arm64_bin
  readelf -l "$bin/homeserver-replicator" | grep -q 'program interpreter' && fail "$arch replicator is dynamically linked"
  root=$(new_root "$arch")
  cp "$bin/homeserver-replicator" "$root/"
  out=$(chroot "$root" $(runner "$arch") /homeserver-replicator version 2>&1) || fail "$arch replicator in chroot: $out"
  [[ $out == "v$version" ]] || fail "$arch replicator version: want v$version, got '$out'"
  echo "ok: $arch replicator runs in an empty chroot ($out)"
done

# The static replicator's own TLS stack (the minimal libcurl + OpenSSL): an S3 listing over HTTPS
# from a local stand-in with a self-signed certificate. With skip-verify the listing works; without
# it the certificate is refused, and the error says so (verification is on by default).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/https.key" -out "$work/https.pem" 2>/dev/null
python3 "$(dirname "$0")/https_listing.py" "$work/https.pem" "$work/https.key" "$work/https.port" &
pids+=($!)
for _ in $(seq 1 100); do [[ -s $work/https.port ]] && break; sleep 0.1; done
[[ -s $work/https.port ]] || fail "the HTTPS stand-in did not start"
port=$(cat "$work/https.port")
sqlite3 "$work/app.db" 'PRAGMA journal_mode=wal; CREATE TABLE t(x);' >/dev/null  # generations needs the db
for verify in true false; do
  cat >"$work/https-$verify.yml" <<YML
dbs:
  - path: $work/app.db
    replicas:
      - type: s3
        bucket: b
        path: app
        endpoint: https://127.0.0.1:$port
        region: us-east-1
        force-path-style: true
        skip-verify: $verify
        access-key-id: test
        secret-access-key: test
YML
done
for arch in "${archs[@]}"; do
  bin=${amd64_bin}; [[ $arch == arm64 ]] && bin=$arm64_bin
  run=("$bin/homeserver-replicator"); [[ $arch == arm64 ]] && run=(qemu-aarch64-static "${run[@]}")
  out=$(timeout 120 "${run[@]}" generations -config "$work/https-true.yml" "$work/app.db" 2>&1) ||
    fail "$arch static replicator, S3 listing over HTTPS (skip-verify) failed: $out"
  [[ $out == name* ]] || fail "$arch static replicator, S3 listing over HTTPS: want the generations header, got: $out"
  # generations, like litestream's, logs a replica it cannot list at ERROR and goes on (exit 0).
  out=$(timeout 120 "${run[@]}" generations -config "$work/https-false.yml" "$work/app.db" 2>&1) || true
  grep -q 'level=ERROR.*SSL certificate problem' <<<"$out" ||
    fail "$arch static replicator without skip-verify: want an ERROR naming the refused certificate, got: $out"
  echo "ok: $arch static replicator lists S3 over HTTPS (skip-verify), refuses the self-signed certificate otherwise"
done

# The provider: from the zip terraform would download.
zip_amd64=$release_dir/terraform-provider-homeserver_${version}_linux_amd64.zip
if [[ ! -f $zip_amd64 ]]; then
  [[ -f $HS_BUILD_DIR/bin/terraform-provider-homeserver ]] && fail "provider is built but $zip_amd64 is missing"
  skip "the provider is not built in $HS_BUILD_DIR (HOMESERVER_BUILD_PROVIDER off?): replicator checks passed, provider not tested"
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -sha512 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/client.key" -out "$work/client.pem" 2>/dev/null
for arch in "${archs[@]}"; do
  zip=$release_dir/terraform-provider-homeserver_${version}_linux_$arch.zip
  [[ -f $zip ]] || fail "$zip is missing"
  listing=$(unzip -Z1 "$zip")
  [[ $listing == "terraform-provider-homeserver_v$version" ]] || fail "$zip must hold exactly terraform-provider-homeserver_v$version, holds: $listing"
  root=$(new_root "$arch")
  unzip -q "$zip" -d "$root"
  exe=/terraform-provider-homeserver_v$version
  readelf -l "$root$exe" | grep -q 'program interpreter' && fail "$arch provider is dynamically linked"
  env -i TMPDIR=/tmp TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2 \
    PLUGIN_PROTOCOL_VERSIONS=5,6 PLUGIN_MIN_PORT=10000 PLUGIN_MAX_PORT=25000 \
    PLUGIN_CLIENT_CERT="$(cat "$work/client.pem")" \
    "$chroot_bin" "$root" $(runner "$arch") "$exe" >"$work/$arch.out" 2>"$work/$arch.err" &
  pids+=($!)
  line=
  for _ in $(seq 1 300); do
    line=$(head -n1 "$work/$arch.out" 2>/dev/null || true)
    [[ -n $line ]] && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $line ]] || fail "$arch provider printed no handshake in 30 s; stderr: $(cat "$work/$arch.err")"
  IFS='|' read -r core proto net addr kind cert <<<"$line"
  [[ $core == 1 && $proto == 6 && $net == unix && $kind == grpc && -n $cert ]] ||
    fail "$arch provider handshake '$line' is not '1|6|unix|<socket>|grpc|<cert>'"
  [[ -S $root$addr ]] || fail "$arch provider announced $addr but there is no socket at $root$addr"
  # Field 6 is the server's DER certificate, base64 without padding: the TLS session must verify
  # against it, with our client certificate accepted.
  pad=$(( (4 - ${#cert} % 4) % 4 )); b64=$cert$(printf '%*s' $pad '' | tr ' ' '=')
  echo "$b64" | base64 -d >"$work/server.der" || fail "$arch handshake certificate is not base64"
  openssl x509 -inform DER -in "$work/server.der" -out "$work/server.pem" || fail "$arch handshake certificate is not DER"
  tls=$(echo | timeout 60 openssl s_client -unix "$root$addr" -servername localhost -CAfile "$work/server.pem" \
        -verify_return_error -cert "$work/client.pem" -key "$work/client.key" -alpn h2 2>&1 | tr -d '\0') || true
  grep -q 'Verify return code: 0 (ok)' <<<"$tls" || fail "$arch provider TLS session failed: $(tail -5 <<<"$tls")"
  echo "ok: $arch provider in an empty chroot: handshake '$core|$proto|$net|$addr|$kind|…', mTLS session verified"
  kill "${pids[-1]}" 2>/dev/null || true
done
echo "PASS"
