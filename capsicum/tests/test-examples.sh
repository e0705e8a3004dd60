#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The FreeBSD-style example programs run sandboxed: same output as the
# system tools, and a path open after cap_enter fails with ECAPMODE.
set -u
# LeakSanitizer cannot stop the world in capability mode (no /proc)
[ "${CAPSICUM_SANITIZED:-0}" = 1 ] && export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
CAT=$1 WC=$2
T=$(mktemp -d /tmp/capsicum-examples-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
check() { if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: got [$2] want [$3]"; fail=1; fi; }

printf 'one two\nthree\n' > "$T/a"
printf 'four five six\n' > "$T/b"
check cat_two_files "$("$CAT" "$T/a" "$T/b")" "$(cat "$T/a" "$T/b")"
check cat_stdin "$(printf 'piped\n' | "$CAT")" "piped"
probe=$(CAP_EXAMPLE_PROBE=1 "$CAT" "$T/a" 2>&1 >/dev/null)
check cat_probe_capmode "$(echo "$probe" | sed -n 1p)" "probe: open: Not permitted in capability mode"
check cat_probe_notcapable "$(echo "$probe" | sed -n 2p)" "probe: write to $T/a: Capabilities insufficient"
check wc_two_files "$("$WC" "$T/a" "$T/b" | awk '{print $1, $2, $3}' | tr '\n' ' ')" "2 3 14 1 3 14 3 6 28 "
check wc_stdin "$(printf 'a b c\n' | "$WC" | awk '{print $1, $2, $3}')" "1 3 6"
check wc_probe "$(CAP_EXAMPLE_PROBE=1 "$WC" "$T/a" 2>&1 >/dev/null)" "probe: open: Not permitted in capability mode"
exit $fail
