#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Build twice (plain, and ASan+UBSan) and run every test in both builds.
# Ends with "N passed, N failed" (N skipped follows when tests skipped).
set -u
cd "$(dirname "$0")/.."
export CI=${CI:-}

configure() {  # dir, options
	local d=$1; shift
	if [ -f "$d/build.ninja" ]; then
		meson setup --reconfigure "$d" "$@" >/dev/null
	else
		meson setup "$d" "$@" >/dev/null
	fi
}

status=0
configure build || exit 1
configure build-asan -Db_sanitize=address,undefined -Db_lundef=false || exit 1
# A third build, with clang, is compiled and not run: clang refuses a
# goto past a __attribute__((cleanup)) variable, which gcc accepts and
# then cleans up garbage (meson.build).
CC=clang configure build-clang || exit 1
for d in build build-asan build-clang; do
	echo "=== building $d"
	ninja -C "$d" >/dev/null || { echo "build of $d failed"; ninja -C "$d" | tail -30; exit 1; }
done
# A real Debian release through debootstrap (mgr-sandbox), once, in the
# plain build, when the mirror answers (the same mirror install-deps.sh
# used); otherwise the test says it skipped it.
deb=${CELL_TEST_DEBOOTSTRAP:-}
if [ -z "$deb" ] && command -v debootstrap >/dev/null &&
   command -v curl >/dev/null &&
   curl -sfI --max-time 5 https://deb.debian.org/debian/dists/bookworm/Release >/dev/null 2>&1; then
	deb=1
fi
for d in build build-asan; do
	echo "=== testing $d"
	[ "$d" = build ] && dflag=${deb:-0} || dflag=0
	CELL_TEST_DEBOOTSTRAP=$dflag \
	meson test -C "$d" --no-rebuild --print-errorlogs --timeout-multiplier 2 \
		|| status=1
done

python3 - <<'PY'
import json
p = f = s = 0
for d in ("build", "build-asan"):
    try:
        lines = open(f"{d}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        f += 1
        continue
    for line in lines:
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r == "SKIP":
            s += 1
        else:
            f += 1
print(f"{p} passed, {f} failed, {s} skipped")
PY
exit $status
