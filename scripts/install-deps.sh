#!/usr/bin/env bash
# Installs everything homeserver needs on a fresh Debian 12 machine (run as root).
# This is the one place that lists the project's system packages.
#   scripts/install-deps.sh build    compilers and libraries (enough for the demo)
#   scripts/install-deps.sh test     build + what the tests start (S3 server, podman, npm tools)
#   scripts/install-deps.sh release  test + arm64 cross toolchain, qemu, image tools
#   scripts/install-deps.sh list [LEVEL]   prints the packages LEVEL names, one a line, installs nothing
#                                          (scripts/check-deps.py checks the builds against it)
set -euo pipefail
level=${1:-test}
list_only=false
if [[ $level == list ]]; then
  list_only=true
  level=${2:-test}
fi

BUILD_PKGS=(build-essential cmake ninja-build pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev libsqlite3-dev libcurl4-openssl-dev
  nlohmann-json3-dev catch2 libyaml-cpp-dev liblz4-dev libxxhash-dev libssl-dev libpugixml-dev libcpp-httplib-dev
  sqlite3 lz4)
TEST_PKGS=(python3 curl openssl procps psmisc unzip zip xattr
  swift swift-proxy swift-account swift-container swift-object memcached
  podman buildah skopeo runc catatonit gnupg python3-yaml
  age  # interop: the age tool decrypts our encrypted replica objects (tests/e2e/age)
  clang libclang-rt-14-dev  # the fuzz targets (tests/fuzz): libFuzzer, ASan, UBSan
  clang-format)  # scripts/format.sh --check, the first step of scripts/test.sh
RELEASE_PKGS=(crossbuild-essential-arm64 qemu-user-static dpkg-dev)
# libyaml-cpp-dev cannot be installed for amd64 and arm64 at once: release-prep.sh unpacks the arm64 one.
RELEASE_ARM64_PKGS=(libgrpc++-dev:arm64 libprotobuf-dev:arm64 libssl-dev:arm64 libsqlite3-dev:arm64
  libcurl4-openssl-dev:arm64 liblz4-dev:arm64 libpugixml-dev:arm64 libcpp-httplib-dev:arm64 libbrotli-dev:arm64)

pkgs=("${BUILD_PKGS[@]}")
[[ $level == test || $level == release ]] && pkgs+=("${TEST_PKGS[@]}")
# Node.js may already come from elsewhere with its own npm (Debian's npm then conflicts).
if [[ $level != build ]] && ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi
[[ $level == release ]] && pkgs+=("${RELEASE_PKGS[@]}")
if $list_only; then
  printf '%s\n' "${pkgs[@]}"
  [[ $level == release ]] && printf '%s\n' "${RELEASE_ARM64_PKGS[@]}"
  exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ $level == release ]]; then
  # The static replicator links a minimal libcurl built from Debian's curl source package
  # (scripts/release-curl.sh): Debian's libcurl.a needs GSS-API, which has no static archive.
  # Its deb-src entries are derived from the machine's own apt sources (scripts/deb-src-sources.py):
  # no archive host is written here, so mirrors and snapshots serve the sources as they serve binaries.
  eval "$(apt-config shell src_main Dir::Etc::sourcelist/f src_parts Dir::Etc::sourceparts/d)"
  src_main=${src_main:-/etc/apt/sources.list} src_parts=${src_parts:-/etc/apt/sources.list.d}
  src_list=${src_parts%/}/homeserver-deb-src.sources
  src_new=$(python3 "$(dirname "$0")/deb-src-sources.py" "$src_main" "$src_parts" "$src_list")
  if [[ ! -f $src_list || $(<"$src_list") != "$src_new" ]]; then
    echo "install-deps: writing $src_list (deb-src twins of this machine's apt sources)" >&2
    printf '%s\n' "$src_new" >"$src_list"
    apt-get update -qq
  elif ! compgen -G '/var/lib/apt/lists/*_Sources*' >/dev/null; then
    apt-get update -qq   # the lists were cleaned (container images): apt-get source needs them
  fi
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    apt-get update -qq
  fi
  missing=()
  for p in "${RELEASE_ARM64_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}" >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
echo "install-deps: $level dependencies present" >&2
