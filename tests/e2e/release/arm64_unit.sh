#!/usr/bin/env bash
# The unit tests, cross-built for arm64 in the release's sub-build (which compiled the libraries
# already) and run under qemu-aarch64-static (CMAKE_CROSSCOMPILING_EMULATOR of the toolchain file).
source "$(dirname "$0")/common.sh"
dir=$HS_BUILD_DIR/release-arm64
need_release "$dir/CMakeCache.txt"
command -v qemu-aarch64-static >/dev/null || skip "qemu-aarch64-static is missing (apt-get install qemu-user-static)"
grep -q '^HOMESERVER_BUILD_TESTS:BOOL=ON' "$dir/CMakeCache.txt" ||
  skip "$dir was configured without tests (HOMESERVER_BUILD_TESTS=OFF in the main build)"
# The replicator's unit tests (what runs on the Pi); the provider runs on the terraform host and its
# arm64 binary is checked by the handshake in release_static_chroot. Cross-building the provider's
# tests as well would double the CI time of this test for no check the Pi needs.
provider_tests='^(tfplugin_|render_|resources_)'
# Build targets are the test executables, not the test names: one executable can back several
# tests (replica_client_test runs as replica_client_test and, through the age decorator, as
# replica_client_age), and a test name given as a target is "No rule to make target".
mapfile -t names < <(ctest --test-dir "$dir" -L unit --show-only=json-v1 | python3 -c '
import json, os, re, sys
seen = []
for t in json.load(sys.stdin)["tests"]:
    # The command is [emulator,] executable, args...: the executable is the one built in this tree.
    exe = os.path.basename(next(c for c in t["command"] if c.startswith(sys.argv[2] + "/")))
    if not re.match(sys.argv[1], exe) and exe not in seen:
        seen.append(exe)
print("\n".join(seen))' "$provider_tests" "$(cd "$dir" && pwd)")
((${#names[@]})) || fail "no unit tests registered in $dir"
cmake --build "$dir" -j2 --target "${names[@]}" >"$dir/unit-build.log" 2>&1 ||
  fail "cross-building the unit tests (${names[*]}) failed; the end of $dir/unit-build.log:
$(tail -n 25 "$dir/unit-build.log")"
file_arch=$(readelf -h "$dir/tests/${names[0]}" | sed -n 's/ *Machine: *//p')
[[ $file_arch == *AArch64* ]] || fail "${names[0]} is built for '$file_arch', not AArch64"
# qemu-user answers /proc/self/stat itself and leaves utime/stime/rss at 0 (linux-user's
# open_self_stat), so metrics_test's process_* checks cannot pass under qemu; it runs natively on
# amd64 and on a real Pi. Said loudly, never dropped silently.
excluded=metrics_test
echo "NOTE: $excluded is not run under qemu-user (emulated /proc/self/stat has zero CPU time and RSS)"
ctest --test-dir "$dir" -L unit -E "^($excluded)\$|$provider_tests" --output-on-failure -j2 --timeout 600
echo "PASS: the unit tests of ${#names[@]} executables passed on arm64 under qemu, except $excluded (not run)"
