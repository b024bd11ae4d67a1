#!/usr/bin/env bash
# Packs the provider binaries the way the Terraform registry takes them from a release page:
#   terraform-provider-homeserver_<V>_linux_<arch>.zip   (one file: terraform-provider-homeserver_v<V>)
#   terraform-provider-homeserver_<V>_manifest.json      (plugin protocol versions)
#   terraform-provider-homeserver_<V>_SHA256SUMS         (the zips and the manifest)
#   terraform-provider-homeserver_<V>_SHA256SUMS.sig     (binary detached signature, with --gpg-key)
# Zips are reproducible: fixed mtime (the commit's, else 2000-01-01), no extra attributes.
#   release-package.sh --version V --out DIR --binary amd64=PATH [--binary arm64=PATH] [--gpg-key KEY]
set -euo pipefail
version= out= key=${HOMESERVER_GPG_KEY:-}
declare -A bins=()
while (($#)); do
  case $1 in
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --binary) bins[${2%%=*}]=${2#*=}; shift 2 ;;
    --gpg-key) [[ -n ${2-} ]] && key=$2; shift $(( $# > 1 ? 2 : 1 )) ;;
    *) echo "release-package.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "release-package.sh: --version must be X.Y.Z, got '$version'" >&2; exit 2; }
[[ -n $out ]] || { echo "release-package.sh: --out is required" >&2; exit 2; }
((${#bins[@]})) || { echo "release-package.sh: at least one --binary ARCH=PATH is required" >&2; exit 2; }

name=terraform-provider-homeserver
mkdir -p "$out"
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$(dirname "$0")" log -1 --format=%ct 2>/dev/null || echo 946684800)}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

files=()
for arch in $(printf '%s\n' "${!bins[@]}" | sort); do
  bin=${bins[$arch]}
  [[ -x $bin ]] || { echo "release-package.sh: --binary $arch: '$bin' is not an executable file" >&2; exit 1; }
  if readelf -l "$bin" | grep -q 'program interpreter'; then
    echo "release-package.sh: --binary $arch: '$bin' is dynamically linked; release binaries must be static" >&2
    exit 1
  fi
  mkdir -p "$stage/$arch"
  cp "$bin" "$stage/$arch/${name}_v$version"
  chmod 0755 "$stage/$arch/${name}_v$version"
  touch -d "@$epoch" "$stage/$arch/${name}_v$version"
  zip_name=${name}_${version}_linux_$arch.zip
  rm -f "$out/$zip_name"
  (cd "$stage/$arch" && TZ=UTC zip -q -X -D "$out/$zip_name.tmp" "${name}_v$version")
  mv "$out/$zip_name.tmp" "$out/$zip_name"
  files+=("$zip_name")
done

manifest=${name}_${version}_manifest.json
printf '{"version":1,"metadata":{"protocol_versions":["6.0"]}}\n' >"$out/$manifest"
files+=("$manifest")

sums=${name}_${version}_SHA256SUMS
(cd "$out" && sha256sum "${files[@]}" | LC_ALL=C sort -k2 >"$sums.tmp" && mv "$sums.tmp" "$sums")
rm -f "$out/$sums.sig"
if [[ -n $key ]]; then
  gpg --batch --yes --local-user "$key" --output "$out/$sums.sig" --detach-sign "$out/$sums" || {
    echo "release-package.sh: signing with HOMESERVER_GPG_KEY='$key' failed (is it a secret key in \$GNUPGHOME?)" >&2
    exit 1
  }
fi
echo "release-package.sh: $out: ${files[*]} $sums${key:+ $sums.sig}" >&2
