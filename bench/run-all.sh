#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# run-all.sh: build cell if needed (meson/ninja into $BUILD, default
# /tmp/build-bench), run every benchmark, print a summary at the end.
#
# usage: run-all.sh [-n ITER] [-p] [-o DIR]
#   -n  samples per row for jail-lifecycle.sh (default 50)
#   -p  also run profile-jail.sh (where a jail -c spends its time)
#   -o  keep every benchmark's full output in DIR (default: a temp dir,
#       removed at exit)
# env: BUILD (build dir), BENCH_REV=<commit> to benchmark a commit (git
#      archive export, built in /tmp/build-bench-rev) instead of the tree
# Benchmarks are not tests: exit 0 whatever the numbers; non-zero only
# when something could not be measured at all.

set -u
. "$(dirname "$0")/lib.sh"

N=50 PROF=0 KEEP=
while getopts "n:po:h" opt; do
	case $opt in
	n) N=$OPTARG ;;
	p) PROF=1 ;;
	o) KEEP=$OPTARG ;;
	*) sed -n '3,16s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
bench_need_root
if [ -n "${BENCH_REV:-}" ]; then
	# one commit for every benchmark, even if HEAD moves meanwhile
	BENCH_REV=$(git -C "$REPO" rev-parse --verify "$BENCH_REV^{commit}") ||
		bench_die "BENCH_REV: no such commit"
	export BENCH_REV
fi
bench_init
bench_build
out=${KEEP:-$BENCH_TMP}
mkdir -p "$out" || exit 1

status=0
run() { # run NAME SCRIPT ARGS...
	local name=$1
	shift
	echo "==== $name"
	"$@" 2>&1 | tee "$out/$name.txt"
	local rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] || { echo "==== $name: exit $rc"; [ "$rc" = 77 ] || status=1; }
	echo
}
run jail-lifecycle "$BENCH_DIR/jail-lifecycle.sh" -n "$N" -o "$out/jail-lifecycle.tsv"
run net "$BENCH_DIR/net.sh"
run capsicum "$BENCH_DIR/capsicum.sh"
[ $PROF = 1 ] && run profile-jail "$BENCH_DIR/profile-jail.sh"

echo "==== summary ($(bench_machine))"
grep -E '^(cell |crun |runc |bwrap |nsenter )' "$out/jail-lifecycle.txt" | sed 's/^/  /'
sed -n '/^targets:/,$p' "$out/jail-lifecycle.txt" | sed 's/^/  /'
grep -E 'median|ratio|added' "$out/net.txt" | sed 's/^/  net: /'
grep -E '^(baseline|capability mode, no|limited fd, 10 fds)|cap_enter|vs ' "$out/capsicum.txt" | sed 's/^/  capsicum: /'
[ -n "$KEEP" ] && echo "  full output in $KEEP"
exit $status
