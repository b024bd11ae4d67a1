#!/usr/bin/env bash
# The `fuzz_smoke` ctest of the normal (gcc) tree, run in the full lane: configures and builds the clang
# fuzz tree <build>/fuzz (-DHOMESERVER_FUZZ=ON, only the `fuzz` target: the libraries the targets use
# plus bin/fuzz/fuzz_*), then runs its smoke ctests (label fuzz), one target at a time for
# HS_FUZZ_SECONDS (default 20) each from the seed corpora. Prints SKIPPED and exits 77 without clang.
set -euo pipefail
src=${HS_SOURCE_DIR:?run through ctest}
build=${HS_BUILD_DIR:?run through ctest}
if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
  echo "SKIPPED: clang not installed (scripts/install-deps.sh test installs clang and libclang-rt-14-dev)"
  exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe/p.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2>"$probe/err"; then
  echo "SKIPPED: clang cannot link libFuzzer+ASan+UBSan (libclang-rt-14-dev missing?): $(head -c 300 "$probe/err")"
  exit 77
fi
fuzz=$build/fuzz
start=$(date +%s)
CC=clang CXX=clang++ cmake -S "$src" -B "$fuzz" -DHOMESERVER_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHS_FUZZ_SECONDS="${HS_FUZZ_SECONDS:-20}" >"$fuzz.configure.log" 2>&1 || { cat "$fuzz.configure.log"; exit 1; }
cmake --build "$fuzz" -j2 --target fuzz >"$fuzz.build.log" 2>&1 || { tail -100 "$fuzz.build.log"; exit 1; }
echo "fuzz_smoke: fuzz tree built in $(( $(date +%s) - start )) s"
# One target at a time: each fuzzes on one core while the other e2e tests use the rest.
rc=0
ctest --test-dir "$fuzz" -L fuzz --output-on-failure -j1 || rc=$?
for log in "$fuzz"/fuzz-logs/*.log; do
  [[ -f $log ]] || continue
  echo "$(basename "$log" .log): $(grep -a 'stat::number_of_executed_units' "$log" | awk '{print $2}') execs;$(grep -a DONE "$log" | tail -1 | sed 's/.*DONE//')"
done
((rc == 0)) || exit "$rc"
echo "fuzz_smoke: done in $(( $(date +%s) - start )) s"
