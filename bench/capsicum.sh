#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# capsicum.sh: what libcapsicum's seccomp enforcement costs
# (capsicum/capsicum-bench): ns per 4 KiB read()/write() without filters,
# in capability mode, on limited and unlimited descriptors among 10 and
# 100 limited ones, and cap_enter() latency. Arguments go to
# capsicum-bench: -n OPS (20000) -r REPS (15) -d DIR (default: a temp dir
# of ours, removed at exit).
# A benchmark, not a test: prints numbers.

set -u
. "$(dirname "$0")/lib.sh"
bench_build
bench_init
dir=$BENCH_TMP
args=()
while [ $# -gt 0 ]; do
	case $1 in
	-d) dir=$2; shift 2 ;;
	-d*) dir=${1#-d}; shift ;;
	*) args+=("$1"); shift ;;
	esac
done
echo "capsicum-bench: $(bench_machine)"
"$BUILD/capsicum/capsicum-bench" -d "$dir" "${args[@]}"
