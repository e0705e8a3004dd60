#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/soak.sh [N]: N (default 1000) create/exec/remove cycles, half of
# them with vnet, then the same counts as at the start.
#
# Counted before and after (printed side by side):
#   host-wide   open files (file-nr), mounts (host mountinfo), network
#               namespaces (lsns), interfaces (ip link), cgroup
#               directories, processes
#   this run    cgroup directories named after the soak's jails, their
#               processes, mounts under the soak's temp dir, network
#               namespaces of processes in those cgroups, interfaces named
#               after the soak, files under the run dir (CELL_RUN_DIR)
# A difference in the "this run" counts fails. Host-wide counts move with
# whatever else runs on the machine; they fail only with
# CELL_SOAK_STRICT=1 (a quiet host).
#
# Uses CELL_BUILD_DIR (default build/) binaries and a private run dir.
set -u
N=${1:-1000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${CELL_BUILD_DIR:-$SRC/build}
JAIL=$B/src/jail
JEXEC=$B/src/jexec
JLS=$B/src/jls
T=$(mktemp -d /tmp/cell-soak.XXXXXX)
export CELL_RUN_DIR=$T/run
P=soak$$
R=$T/root
cleanup() {
	for i in 0 1; do "$JAIL" -r ${P}_$i >/dev/null 2>&1; done
	"$JLS" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$R"/bin "$R"/etc "$R"/proc "$R"/dev "$R"/sys "$R"/tmp
cp /bin/busybox "$R"/bin/
for a in sh true echo; do ln -sf busybox "$R/bin/$a"; done
mkdir -p "$CELL_RUN_DIR"

cg_dirs() { find /sys/fs/cgroup -maxdepth 4 -type d -path "*/cell/${P}*" 2>/dev/null; }
counts() {
	local fds mounts netns links cgs procs
	fds=$(cut -f1 /proc/sys/fs/file-nr)
	mounts=$(wc -l </proc/self/mountinfo)
	netns=$(lsns -n -t net 2>/dev/null | wc -l)
	links=$(ip -o link 2>/dev/null | wc -l)
	cgs=$(find /sys/fs/cgroup -type d 2>/dev/null | wc -l)
	procs=$(ls /proc | grep -c '^[0-9]')
	local mycg mypr mymnt myns mylink files
	mycg=$(cg_dirs | wc -l)
	mypr=$(cg_dirs | while read -r d; do cat "$d"/cgroup.procs 2>/dev/null; done | sort -u | wc -l)
	mymnt=$(grep -c " $T" /proc/self/mountinfo)
	myns=$(cg_dirs | while read -r d; do cat "$d"/cgroup.procs 2>/dev/null; done |
		while read -r p; do readlink /proc/$p/ns/net; done | sort -u | wc -l)
	mylink=$(ip -o link 2>/dev/null | grep -c "$P")
	files=$(find "$CELL_RUN_DIR" -mindepth 1 -not -path "$CELL_RUN_DIR/bpf*" 2>/dev/null | wc -l)  # bpf/: the compiled-filter cache, one file per policy seen
	echo "host fds=$fds mounts=$mounts netns=$netns links=$links cgroups=$cgs procs=$procs"
	echo "run cgroups=$mycg procs=$mypr mounts=$mymnt netns=$myns links=$mylink files=$files"
}

# one unrecorded cycle first: what stays by design (the lock, jails/, the
# compiled-filter cache) exists from here on, and only leaks can differ
"$JAIL" -c name=${P}_w path="$R" persist >/dev/null 2>&1
"$JAIL" -r ${P}_w >/dev/null 2>&1
before=$(counts)
fails=0
start=$EPOCHREALTIME
for ((i = 0; i < N; i++)); do
	v=$((i % 2))
	name=${P}_$v
	extra=""
	[ $v = 1 ] && extra=vnet
	if ! "$JAIL" -c name=$name path="$R" $extra persist >/dev/null 2>"$T/err"; then
		fails=$((fails + 1)); echo "cycle $i: create: $(cat "$T/err")" >&2; continue
	fi
	out=$("$JEXEC" $name echo ok 2>&1)
	[ "$out" = ok ] || { fails=$((fails + 1)); echo "cycle $i: exec: $out" >&2; }
	"$JAIL" -r $name >/dev/null 2>"$T/err" ||
		{ fails=$((fails + 1)); echo "cycle $i: remove: $(cat "$T/err")" >&2; }
done
end=$EPOCHREALTIME
after=$(counts)
secs=$(echo "$end - $start" | bc)
echo "soak: $N cycles (half vnet) in ${secs}s, $fails failed cycles"
echo "before: $(echo "$before" | head -1)"
echo "after:  $(echo "$after" | head -1)"
echo "before: $(echo "$before" | tail -1)"
echo "after:  $(echo "$after" | tail -1)"
rc=0
[ "$fails" = 0 ] || rc=1
if [ "$(echo "$before" | tail -1)" != "$(echo "$after" | tail -1)" ]; then
	echo "soak: FAIL: this run's counts differ"; rc=1
fi
if [ "${CELL_SOAK_STRICT:-0}" = 1 ] &&
   [ "$(echo "$before" | head -1)" != "$(echo "$after" | head -1)" ]; then
	echo "soak: FAIL: host-wide counts differ (CELL_SOAK_STRICT=1)"; rc=1
fi
[ $rc = 0 ] && echo "soak: ok, nothing leaked"
exit $rc
