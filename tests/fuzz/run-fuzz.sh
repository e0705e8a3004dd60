#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Build the libFuzzer targets with clang (ASan + UBSan) and run one.
#   tests/fuzz/run-fuzz.sh [-t target] [seconds]     (default: jailconf, 30)
# Environment: BUILD (default /tmp/build-fuzz), JOBS (default 1).
# New inputs go to $BUILD/corpus-<target>; the seed corpus is only read.
# Crashes are written to $BUILD/crash-* and the script exits non-zero.
set -eu

target=jailconf
if [ "${1:-}" = "-t" ]; then
	target=$2
	shift 2
fi
secs=${1:-30}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-/tmp/build-fuzz}
jobs=${JOBS:-1}

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$src" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dwerror=false -Dbuildtype=debugoptimized
fi
# cell-oci's targets are registered from tests/oci (they link lib/oci)
case $target in
oci*) dir=tests/oci ;;
*) dir=tests/fuzz ;;
esac
ninja -C "$build" "$dir/fuzz_$target"

work="$build/corpus-$target"
mkdir -p "$work"
cd "$build"
par=""
if [ "$jobs" -gt 1 ]; then
	# each worker logs to $build/fuzz-N.log
	par="-jobs=$jobs -workers=$jobs"
fi
rm -f "$build"/crash-* "$build"/leak-* "$build"/timeout-* "$build"/oom-*
rc=0
# shellcheck disable=SC2086
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	"./$dir/fuzz_$target" -max_total_time="$secs" -max_len=8192 \
	-timeout=10 -rss_limit_mb=2048 $par \
	-artifact_prefix="$build/" -print_final_stats=1 \
	"$work" "$src/tests/fuzz/corpus/$target" || rc=$?
found=$(ls "$build"/crash-* "$build"/leak-* "$build"/timeout-* \
	"$build"/oom-* 2>/dev/null || true)
if [ -n "$found" ]; then
	echo "run-fuzz: failing inputs:" >&2
	echo "$found" >&2
	exit 1
fi
exit "$rc"
