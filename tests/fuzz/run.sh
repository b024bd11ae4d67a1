#!/usr/bin/env bash
# run.sh BINARY [SECONDS] [libFuzzer flags...]: fuzzes bin/fuzz/fuzz_<name> from its seed corpus
# tests/fuzz/corpus/<name>/ (read only: new inputs go to $HS_BUILD_DIR/fuzz-corpus/<name>/, crashes to
# $HS_BUILD_DIR/fuzz-artifacts/<name>/, the output to $HS_BUILD_DIR/fuzz-logs/<name>.log). Prints
# libFuzzer's final line (execs, coverage, corpus). Exits non-zero on a crash, a leak, a timeout or an OOM.
set -euo pipefail
bin=$1 seconds=${2:-20}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$bin"); name=${name#fuzz_}
build=${HS_BUILD_DIR:-$(dirname "$(dirname "$(dirname "$bin")")")}
seeds=$here/corpus/$name
work=$build/fuzz-corpus/$name
artifacts=$build/fuzz-artifacts/$name
log=$build/fuzz-logs/$name.log
mkdir -p "$work" "$artifacts" "$(dirname "$log")"
[[ -d $seeds ]] || { echo "run.sh: no seed corpus $seeds" >&2; exit 1; }
dict=()
[[ -f $here/$name.dict ]] && dict=(-dict="$here/$name.dict")
# UB aborts with a stack trace (the build already makes it fatal); leaks are reported at exit.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# -timeout: one input taking 10 s is a hang; -rss_limit_mb: the machine is shared.
rc=0
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "${dict[@]}" "$@" "$work" "$seeds" >"$log" 2>&1 || rc=$?
if ((rc != 0)); then
  tail -60 "$log"
  echo "run.sh: fuzz_$name failed (exit $rc); the input is in $artifacts/, the output in $log" >&2
  exit "$rc"
fi
done_line=$(grep -a 'DONE' "$log" | tail -1)
execs=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{print $2}')
echo "fuzz_$name: ${execs:-?} execs in ${seconds} s; ${done_line#*DONE}"
