#!/usr/bin/env bash
# Prepares what a fully static link for <arch> needs beyond the installed -dev packages:
#  - a minimal static libcurl (scripts/release-curl.sh: Debian's libcurl.a needs GSS-API, whose
#    static archive Debian does not ship);
#  - static archives of libraries whose -dev packages cannot be installed for both architectures at
#    once (libyaml-cpp-dev in Debian 12): the .deb is downloaded with apt and unpacked into the build
#    tree, never installed.
#   scripts/release-prep.sh <amd64|arm64> <work dir>   (writes <work dir>/<arch>/...)
set -euo pipefail
arch=${1:?arch}
work=${2:?work dir}
here=$(cd "$(dirname "$0")" && pwd)
case $arch in
  amd64) triple=x86_64-linux-gnu ;;
  arm64) triple=aarch64-linux-gnu ;;
  *) echo "release-prep.sh: arch must be amd64 or arm64, got '$arch'" >&2; exit 2 ;;
esac
mkdir -p "$work/$arch"
bash "$here/release-curl.sh" "$arch" "$work/curl-src" "$work/$arch/curl"

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
touch "$work/$arch/.prep-stamp"
