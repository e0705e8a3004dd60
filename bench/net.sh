#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# net.sh: what VNET networking costs (tests/net/net-bench): a jail netns
# with lo up vs with an epair on a bridge and an address, teardown, and
# iperf3 TCP jail-to-jail over the bridge vs loopback. Everything happens
# in a stand-in host netns that net-bench makes; the real host network is
# not touched. Arguments go to net-bench:
#   -n STARTS (50)  -t SECONDS (3)  -r RUNS (3)  -s starts only
#   -T throughput only  -N bridge-nf-call-iptables=0 in the stand-in host
#   -m MTU
# A benchmark, not a test: prints numbers, exit 77 when it cannot run.

set -u
. "$(dirname "$0")/lib.sh"
bench_need_root
bench_build
command -v iperf3 >/dev/null ||
	echo "net.sh: iperf3 not installed: throughput part skipped by net-bench" >&2
echo "net-bench: $(bench_machine)"
exec "$BUILD/tests/net/net-bench" "$@"
