#!/usr/bin/env bash
# scripts/check-deps.py against this build dir: passes with scripts/install-deps.sh as it is, and
# fails naming the package once install-deps.sh no longer names the one that owns the build's SQLite.
set -euo pipefail
src=$HS_SOURCE_DIR build=$HS_BUILD_DIR
command -v dpkg-query >/dev/null || { echo "SKIPPED: no dpkg (not a Debian machine)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 "$src/scripts/check-deps.py" "$build" >"$work/ok.log" 2>&1 || {
  cat "$work/ok.log"; echo "FAIL: check-deps fails on this build with install-deps.sh unchanged"; exit 1; }

lib=$(sed -n 's/^SQLite3_LIBRARY:FILEPATH=//p' "$build/CMakeCache.txt")
[[ -n $lib ]] || { echo "FAIL: no SQLite3_LIBRARY in $build/CMakeCache.txt"; exit 1; }
pkg=$(dpkg -S "$lib" | sed 's/:.*//' | head -1)   # libsqlite3-dev
grep -qw -- "$pkg" "$src/scripts/install-deps.sh" || { echo "FAIL: $pkg is not in install-deps.sh"; exit 1; }
# install-deps.sh without that one name (the arm64 one stays: it does not cover amd64).
sed -E "s/(^|[ (])$pkg([ )])/\\1\\2/" "$src/scripts/install-deps.sh" >"$work/install-deps.sh"
! bash "$work/install-deps.sh" list release | grep -qx -- "$pkg" || { echo "FAIL: could not remove $pkg"; exit 1; }
if python3 "$src/scripts/check-deps.py" --install-deps "$work/install-deps.sh" "$build" >"$work/bad.log" 2>&1; then
  cat "$work/bad.log"; echo "FAIL: check-deps passed although install-deps.sh no longer names $pkg"; exit 1
fi
grep -q "MISSING $lib: package $pkg" "$work/bad.log" || {
  cat "$work/bad.log"; echo "FAIL: check-deps failed without naming $lib and $pkg"; exit 1; }
echo "PASS: check-deps passes with install-deps.sh, and without '$pkg' it fails naming $lib"
