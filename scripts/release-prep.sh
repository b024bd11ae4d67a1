#!/usr/bin/env bash
# Prepares what a fully static link for <arch> needs beyond the installed -dev packages:
#  - a minimal static libcurl (scripts/release-curl.sh: Debian's libcurl.a needs GSS-API, whose
#    static archive Debian does not ship);
#  - libcpp-httplib.a: Debian ships cpp-httplib as a shared library only; this compiles the same
#    split source (Debian's source package, its split.py) with OpenSSL support as Debian's
#    cpp-httplib.pc says, but without its zlib and brotli response compression: the replicator's
#    /metrics and /healthz do not need it, and brotli's tables alone were ~0.7 MB of the image's
#    binary. In cpp-httplib 0.11 those two macros only declare the compressor classes, which
#    nothing outside httplib.cc uses, so objects compiled with Debian's defines link to it unchanged;
#  - static archives of libraries whose -dev packages cannot be installed for both architectures at
#    once (libyaml-cpp-dev in Debian 12): the .deb is downloaded with apt and unpacked into the build
#    tree, never installed.
#   scripts/release-prep.sh <amd64|arm64> <work dir> [debs]   (writes <work dir>/<arch>/...)
# With "debs" only the .debs are unpacked (<work dir>/<arch>/debs): the arm64 sub-build's configure
# needs yaml-cpp's headers and static archive from there (replicator/config/CMakeLists.txt), before
# its build runs the rest of this script.
set -euo pipefail
arch=${1:?arch}
work=${2:?work dir}
only=${3:-}
[[ -z $only || $only == debs ]] || { echo "release-prep.sh: third argument must be 'debs' or nothing, got '$only'" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
case $arch in
  amd64) triple=x86_64-linux-gnu ;;
  arm64) triple=aarch64-linux-gnu ;;
  *) echo "release-prep.sh: arch must be amd64 or arm64, got '$arch'" >&2; exit 2 ;;
esac
mkdir -p "$work/$arch"
debs=$work/$arch/debs
mkdir -p "$debs"
for pair in yaml-cpp:libyaml-cpp-dev; do
  lib=${pair%%:*} pkg=${pair#*:}
  [[ -f /usr/lib/$triple/lib$lib.a || -f $debs/usr/lib/$triple/lib$lib.a ]] && continue
  (cd "$debs" && apt-get download "$pkg:$arch" >/dev/null 2>&1) || {
    echo "release-prep.sh: 'apt-get download $pkg:$arch' failed (needs 'dpkg --add-architecture $arch' and apt-get update)" >&2
    exit 1
  }
  dpkg-deb -x "$debs"/${pkg}_*_"$arch".deb "$debs"
  rm -f "$debs"/${pkg}_*_"$arch".deb
  [[ -f $debs/usr/lib/$triple/lib$lib.a ]] || { echo "release-prep.sh: $pkg:$arch has no lib$lib.a" >&2; exit 1; }
done
[[ $only == debs ]] && exit 0

bash "$here/release-curl.sh" "$arch" "$work/curl-src" "$work/$arch/curl"

lib=$work/$arch/lib
mkdir -p "$lib"
# The stamp names the build flags: a change of them rebuilds the archive in an existing tree.
httplib_flags="-DCPPHTTPLIB_OPENSSL_SUPPORT"
httplib_stamp=$lib/.httplib-$(echo "$httplib_flags" | md5sum | cut -c1-12)
if [[ ! -f $lib/libcpp-httplib.a || ! -f $httplib_stamp ]]; then
  rm -f "$lib"/.httplib-*
  (cd "$work/curl-src" && { ls cpp-httplib_*.dsc >/dev/null 2>&1 || apt-get source --download-only cpp-httplib >/dev/null 2>&1; }) || {
    echo "release-prep.sh: 'apt-get source cpp-httplib' failed: run 'scripts/install-deps.sh release' (adds deb-src)" >&2
    exit 1
  }
  hl=$work/$arch/httplib-src
  rm -rf "$hl"
  dpkg-source --no-check -x "$work"/curl-src/cpp-httplib_*.dsc "$hl" >/dev/null
  (cd "$hl" && python3 ./split.py --out "$hl/split" >/dev/null)
  cmp -s "$hl/split/httplib.h" /usr/include/httplib.h || {
    echo "release-prep.sh: cpp-httplib source does not match the installed /usr/include/httplib.h (upgrade libcpp-httplib-dev)" >&2
    exit 1
  }
  # shellcheck disable=SC2086 # $httplib_flags is a list of -D flags
  $triple-g++ -std=c++20 -O2 -fPIC $httplib_flags -I"$hl/split" -c "$hl/split/httplib.cc" -o "$hl/httplib.o"
  $triple-ar rcs "$lib/libcpp-httplib.a.tmp" "$hl/httplib.o"
  mv "$lib/libcpp-httplib.a.tmp" "$lib/libcpp-httplib.a"
  touch "$httplib_stamp"
  rm -rf "$hl"
fi

touch "$work/$arch/.prep-stamp"
