#!/usr/bin/env bash
# clang-format (Debian's clang-format 14, style in .clang-format) over the project's C++ sources.
#   scripts/format.sh          reformat in place
#   scripts/format.sh --check  fail, listing the files, if any is not formatted (the fast lane)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format.sh: clang-format missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files -- 'provider/*.cpp' 'provider/*.h' 'replicator/*.cpp' 'replicator/*.h' \
  'tests/unit/*.cpp' 'tests/unit/*.h' 'tests/fuzz/*.cpp' 'tests/fuzz/*.h')
# An empty list (git refused the checkout, or no .git) must not pass as "all clean".
((${#files[@]})) || { echo "format.sh: git ls-files found no sources to check" >&2; exit 1; }
if [[ ${1:-} == --check ]]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if ((${#bad[@]})); then
    echo "format.sh: ${#bad[@]} file(s) not clang-format clean (run scripts/format.sh):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format.sh: ${#files[@]} files clang-format clean"
else
  clang-format -i "${files[@]}"
fi
