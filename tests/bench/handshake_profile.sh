#!/usr/bin/env bash
# Where the provider's start-to-handshake goes, in instructions (valgrind callgrind: the same count on a
# loaded machine as on a quiet one, unlike wall time). Not a test; prints figures for docs/benchmarks.md.
#
# The provider runs as terraform starts it (magic cookie, protocol versions, a client certificate: AutoMTLS)
# and is stopped with SIGTERM once its handshake line is out. The split, from callgrind's inclusive counts:
#   - the dynamic loader (only the development build; the static release binary has none),
#   - the AutoMTLS server certificate (tls::make_server_cert: mostly OpenSSL 3.0's one-time provider, RNG
#     and encoder set-up, which the first TLS use in the process pays whoever calls it),
#   - gRPC's TLS server credentials (grpc_server_add_http2_port: its SSL_CTX, parsing our key and
#     certificate and terraform's client certificate),
#   - the rest of serve() up to the line: our own start-up (socket directory, services, gRPC server).
# Usage: tests/bench/handshake_profile.sh [build-dir]   (default: $HS_BUILD_DIR or ./build)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-${HS_BUILD_DIR:-$here/../../build}}" && pwd)
provider="$build/bin/terraform-provider-homeserver"
[[ -x $provider ]] || { echo "no provider binary at $provider (build target terraform-provider-homeserver)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
command -v callgrind_annotate >/dev/null || { echo "callgrind_annotate is missing (apt-get install valgrind)" >&2; exit 1; }

work=$(mktemp -d /tmp/hs-bench-handshake.XXXXXX)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes -keyout "$work/client.key" \
  -out "$work/client.pem" -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
export TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2
export PLUGIN_PROTOCOL_VERSIONS=5,6 PLUGIN_CLIENT_CERT="$(cat "$work/client.pem")"

# --collect-atstart=yes counts everything; the line is out when stdout has it, then SIGTERM ends the
# process (serve() exits at once, so the shutdown adds little; it is shown as its own line).
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$provider" >"$work/stdout" 2>"$work/valgrind" &
pid=$!
for _ in $(seq 1 300); do
  grep -q '^1|6|' "$work/stdout" 2>/dev/null && break
  sleep 0.1
done
grep -q '^1|6|' "$work/stdout" || { echo "no handshake line within 30 s" >&2; cat "$work/valgrind" >&2; exit 1; }
kill -TERM "$pid"
wait "$pid" || true
pid=

callgrind_annotate --inclusive=yes "$work/cg.out" >"$work/annotated" 2>/dev/null
count() {  # inclusive Ir of the first function whose name matches $1
  awk -v pat="$1" '$0 ~ pat { gsub(",", "", $1); print $1; exit }' "$work/annotated"
}
total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$work/annotated")
loader=$(count 'rtld.c:_dl_start ')
serve=$(count 'tfplugin::serve\(')
cert=$(count 'tfplugin::tls::make_server_cert\(\)')
grpc_tls=$(count 'grpc_server_add_http2_port')
shutdown=$(count 'grpc::Server::ShutdownInternal')
: "${shutdown:=0}"
own=$((serve - cert - grpc_tls - shutdown))
pct() { awk -v a="$1" -v b="$total" 'BEGIN { printf "%5.1f %%", 100 * a / b }'; }
printf 'provider start to handshake, %s, instructions (callgrind):\n' "$provider"
printf '  %-58s %12s  %s\n' "total (start, handshake, SIGTERM shutdown)" "$total" "$(pct "$total")" \
  "dynamic loader (none in the static release binary)" "$loader" "$(pct "$loader")" \
  "AutoMTLS certificate (tls::make_server_cert, OpenSSL 3.0)" "$cert" "$(pct "$cert")" \
  "gRPC TLS server credentials (grpc_server_add_http2_port)" "$grpc_tls" "$(pct "$grpc_tls")" \
  "gRPC server shutdown after SIGTERM" "$shutdown" "$(pct "$shutdown")" \
  "our own start-up: the rest of serve()" "$own" "$(pct "$own")"
