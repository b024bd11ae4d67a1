#!/usr/bin/env bash
# Builds a minimal static libcurl (HTTP(S) only, OpenSSL, no GSS-API/LDAP/IDN/PSL/HTTP2/zlib, none of
# cookies, HSTS, alt-svc, DoH, MIME, netrc, NTLM, Kerberos/SPNEGO) from Debian's own curl source
# package, for the statically linked replicator. Proxies (HTTPS_PROXY) with basic/digest auth stay.
#
# Why: Debian's libcurl.a is built with GSS-API and LDAP, whose static archives Debian does not ship
# (krb5), so a fully static replicator cannot link it. The replicator only needs HTTPS to S3.
# Same upstream version and Debian patches as the system's libcurl headers the code compiles against.
#
#   scripts/release-curl.sh <amd64|arm64> <work dir> <install prefix>
# Needs deb-src entries (scripts/install-deps.sh release adds them) and dpkg-dev.
set -euo pipefail
arch=${1:?arch (amd64|arm64)}
work=${2:?work dir}
prefix=${3:?install prefix}
case $arch in
  amd64) host=x86_64-linux-gnu ;;
  arm64) host=aarch64-linux-gnu ;;
  *) echo "release-curl.sh: arch must be amd64 or arm64, got '$arch'" >&2; exit 2 ;;
esac
# Bump the stamp's number when the configure flags change: an existing tree then rebuilds.
stamp=$prefix/.hs-curl-stamp-2
if [[ -f $prefix/lib/libcurl.a && -f $stamp ]]; then exit 0; fi
rm -rf "$prefix"

mkdir -p "$work"
cd "$work"
if ! ls curl_*.dsc >/dev/null 2>&1; then
  apt-get source --download-only curl >/dev/null 2>&1 || {
    echo "release-curl.sh: 'apt-get source curl' failed: run 'scripts/install-deps.sh release' (adds deb-src)" >&2
    exit 1
  }
fi
src=$work/src-$arch
rm -rf "$src"
dpkg-source --no-check -x curl_*.dsc "$src" >/dev/null

cd "$src"
export CC=$host-gcc AR=$host-ar RANLIB=$host-ranlib
# The target's OpenSSL through its multiarch pkg-config dir, never the build machine's.
export PKG_CONFIG_LIBDIR=/usr/lib/$host/pkgconfig:/usr/share/pkgconfig
./configure --host=$host --prefix="$prefix" --libdir="$prefix/lib" \
  --disable-shared --enable-static --with-pic \
  --with-openssl --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs \
  --without-gssapi --without-libpsl --without-brotli --without-zstd --without-nghttp2 --without-nghttp3 \
  --without-libidn2 --without-librtmp --without-libssh2 --without-libssh --without-libgsasl --without-zlib \
  --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
  --disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-ftp \
  --disable-file --disable-manual --disable-docs --enable-threaded-resolver \
  --disable-cookies --disable-alt-svc --disable-hsts --disable-doh --disable-mime --disable-netrc \
  --disable-ntlm --disable-kerberos-auth --disable-negotiate-auth >configure.log 2>&1 || {
  tail -30 configure.log >&2; echo "release-curl.sh: configure failed ($src/configure.log)" >&2; exit 1; }
make -C lib -j2 >make.log 2>&1 || { tail -30 make.log >&2; echo "release-curl.sh: make failed" >&2; exit 1; }
make -C lib install >/dev/null
make -C include install >/dev/null
make install-pkgconfigDATA >/dev/null
touch "$stamp"
