#!/usr/bin/env bash
# Link launcher (CMake RULE_LAUNCH_LINK) for the fully static release variants of our executables.
#
# CMake resolves imported targets (gRPC, protobuf, OpenSSL, curl, sqlite3, ...) to shared objects.
# Rather than keeping a second, hand-written list of libraries, this takes the very link line of the
# normal build and swaps each shared object for the static archive Debian ships beside it, adds
# -static, and appends `pkg-config --static --libs` of the given modules for the archives' own
# (private) dependencies. Everything sits in one --start-group so archive order does not matter.
#
#   release-static-link.sh [--pkgconfig-path DIRS] [--replace NAME=ARCHIVE]... [--pkg MODULE]... -- LINK...
#     --pkgconfig-path  PKG_CONFIG_LIBDIR for the target architecture (multiarch dir first)
#     --replace         use ARCHIVE for libNAME.so (e.g. curl=/path/libcurl.a) instead of Debian's
#     --archive-dir     another directory to look for libNAME.a in (unpacked -dev .debs)
#     --pkg             pkg-config module whose static link flags are appended
set -euo pipefail
declare -A replace=()
pkgs=()
archive_dirs=()
pc_path=
while (($#)); do
  case $1 in
    --pkgconfig-path) pc_path=$2; shift 2 ;;
    --replace) replace[${2%%=*}]=${2#*=}; shift 2 ;;
    --archive-dir) archive_dirs+=("$2"); shift 2 ;;
    --pkg) pkgs+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "release-static-link.sh: unknown option '$1' (expected --pkgconfig-path, --replace, --archive-dir, --pkg or --)" >&2; exit 2 ;;
  esac
done
(($#)) || { echo "release-static-link.sh: no link command after --" >&2; exit 2; }

out=()
grouped=0
for arg in "$@"; do
  case $arg in
    -Wl,-rpath,*|-Wl,-rpath-link,*|-Wl,-Bdynamic|-rdynamic) continue ;;
    *.so|*.so.[0-9]*)
      base=$(basename "$arg")
      name=${base%%.so*}; name=${name#lib}
      if [[ -n ${replace[$name]:-} ]]; then
        archive=${replace[$name]}
      else
        archive=$(dirname "$arg")/lib$name.a
        for d in "${archive_dirs[@]}"; do
          [[ -f $archive ]] || archive=$d/lib$name.a
        done
      fi
      if [[ ! -f $archive ]]; then
        echo "release-static-link.sh: no static archive for $arg (looked for $archive); install the -dev package that ships it" >&2
        exit 1
      fi
      arg=$archive ;;
  esac
  # Open the group at the first library so objects and flags stay where the compiler driver put them.
  if ((!grouped)) && [[ $arg == *.a || $arg == -l* ]]; then out+=(-Wl,--start-group); grouped=1; fi
  out+=("$arg")
done
((grouped)) || out+=(-Wl,--start-group)

extra=()
if ((${#pkgs[@]})); then
  [[ -n $pc_path ]] && export PKG_CONFIG_LIBDIR=$pc_path
  # The replaced archives may bring their own .pc (e.g. a minimal curl): search their dirs first.
  for a in "${replace[@]}"; do
    d=$(dirname "$a")/pkgconfig
    [[ -d $d ]] && export PKG_CONFIG_PATH=$d${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  done
  read -r -a extra <<<"$(pkg-config --static --libs "${pkgs[@]}")"
fi
# c-ares and glibc's static getaddrinfo warn that name lookups need the same glibc at run time; glibc
# 2.36 has files+dns built in, which is all a static binary in a container or chroot uses.
exec "${out[@]}" "${extra[@]}" -Wl,--end-group -static
