#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# oci.sh: cell-oci next to crun and runc, on one bundle, in one run.
#
#   run          RUNTIME run --bundle B ID        (/bin/true; medians)
#   podman       podman --runtime RUNTIME run --rm --rootfs ROOT /bin/true
#   detached     COUNT containers "run -d" (sleep), the time to start them
#                all, host memory per container (MemAvailable before and
#                after, divided by COUNT), then the time to delete them all
#
# This host is hybrid (v1 controllers + a cgroup2 mount with controllers):
# crun 1.8 refuses it, so, as jail-lifecycle.sh does, every crun command
# (and podman with crun) runs in a private mount namespace where
# /sys/fs/cgroup/unified is unmounted; the host is not changed. Samples
# are taken inside that namespace for crun, so the unshare is not counted.
#
# usage: oci.sh [-n ITER] [-c COUNT] [-P]
#   -n  samples per run row (default 30)   -c  detached containers (1000)
#   -P  skip the podman rows
# This is a benchmark, not a test: it exits 0 whatever the numbers are.

set -u
. "$(dirname "$0")/lib.sh"
N=30
COUNT=1000
PODMAN=1
while getopts "n:c:Ph" opt; do
	case $opt in
	n) N=$OPTARG ;;
	c) COUNT=$OPTARG ;;
	P) PODMAN=0 ;;
	*) sed -n '3,22s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
[[ $N =~ ^[1-9][0-9]*$ && $COUNT =~ ^[1-9][0-9]*$ ]] || bench_die "bad -n/-c"
bench_need_root
for t in crun runc jq unshare; do
	command -v $t >/dev/null || bench_die "$t not installed"
done
bench_init
BENCH_TARGETS=(src/oci/cell-oci src/jls)
bench_build
CELLOCI=$BUILD/src/oci/cell-oci
# every runtime's state (CELL_RUN_DIR, each --root) on a tmpfs, as /run
# is on a systemd host (bench_state)
bench_state
STATE=$BENCH_STATE
export CELL_RUN_DIR=$STATE/run
ROOT=$BENCH_TMP/root
bench_rootfs "$ROOT" || bench_die "cannot build the busybox root"
BT=$BENCH_TMP/bundle-true
BS=$BENCH_TMP/bundle-sleep
bench_bundle "$BT" "$ROOT" /bin/true || bench_die "bundle"
bench_bundle "$BS" "$ROOT" /bin/sleep 100000 || bench_die "bundle"
ID=cellbench$$

HYBRID=0
[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && HYBRID=1
# where RUNTIME's commands run: crun in the private namespace on hybrid
wrap() {
	if [ "$1" = crun ] && [ $HYBRID = 1 ]; then
		shift
		unshare -m bash -c 'mount --make-rprivate / && umount /sys/fs/cgroup/unified && "$@"' _ "$@"
	else
		shift
		"$@"
	fi
}
rt_bin() {
	case $1 in
	cell-oci) echo "$CELLOCI --root $STATE/cell" ;;
	crun) echo "crun --root $STATE/crun" ;;
	runc) echo "runc --root $STATE/runc" ;;
	esac
}

# sample_run RUNTIME OUT: N timed "run" of /bin/true, in one shell (the
# private namespace for crun), appended to OUT in microseconds
sample_run() {
	local rt=$1 out=$2 bin
	bin=$(rt_bin "$rt")
	wrap "$rt" bash -c '
		. "$1"; bin=$2; n=$3; b=$4; id=$5; out=$6
		for ((i = 0; i < n + 3; i++)); do
			bench_time_us $bin run --bundle "$b" "$id"
			$bin delete -f "$id" >/dev/null 2>&1
			[ $i -ge 3 ] && echo $BENCH_US >>"$out"
		done' _ "$REPO/bench/lib.sh" "$bin" "$N" "$BT" "${ID}r" "$out"
}

echo "oci.sh: $(bench_machine)"
echo "  $(bench_source); $(crun --version | head -1); $(runc --version | head -1)"
bench_state_where "$STATE"
[ $HYBRID = 1 ] && echo "  hybrid cgroup host: crun runs with /sys/fs/cgroup/unified unmounted in a private mount namespace"
echo
printf '%-34s %10s %10s %8s\n' "row" "median ms" "p90 ms" "x crun"
for rt in crun runc cell-oci; do
	sample_run $rt "$BENCH_TMP/run-$rt"
done
# the kernel's part alone: the config's namespaces (pid net ipc uts mnt),
# a chroot into the same root and a /proc; no runtime can go below it
for ((i = 0; i < N + 3; i++)); do
	bench_time_us unshare -fpnium --root="$ROOT" --mount-proc /bin/true
	[ $i -ge 3 ] && echo $BENCH_US >>"$BENCH_TMP/run-floor"
done
CM=$(bench_median "$BENCH_TMP/run-crun")
for rt in crun runc cell-oci; do
	m=$(bench_median "$BENCH_TMP/run-$rt")
	printf '%-34s %10s %10s %8s\n' "$rt run /bin/true" "$m" \
		"$(bench_pct "$BENCH_TMP/run-$rt" 90)" "$(bench_ratio "$m" "$CM")"
done
m=$(bench_median "$BENCH_TMP/run-floor")
printf '%-34s %10s %10s %8s\n' "floor: unshare -fpnium" "$m" \
	"$(bench_pct "$BENCH_TMP/run-floor" 90)" "$(bench_ratio "$m" "$CM")"
echo "  target: cell-oci run at most 0.35x crun's median ($(awk -v c="$CM" 'BEGIN { printf "%.3f", 0.35 * c }') ms; the floor is $m ms)"

if [ $PODMAN = 1 ] && command -v podman >/dev/null; then
	# podman's cgroupfs manager makes libpod_parent/ and a libpod-ID
	# directory per container in every hierarchy, and a container that
	# crun or runc refused leaves its own behind: at exit the pod
	# directories this run made go (those there before stay), and
	# libpod_parent itself if this run made it
	ls -d /sys/fs/cgroup/*/libpod_parent/libpod-* 2>/dev/null | sort \
		>"$BENCH_TMP/pods-before"
	if ! ls -d /sys/fs/cgroup/*/libpod_parent >/dev/null 2>&1; then
		bench_on_exit 'for h in /sys/fs/cgroup/*/libpod_parent; do find "$h" -mindepth 1 -depth -type d -exec rmdir {} \;; rmdir "$h"; done'
	fi
	bench_on_exit "ls -d /sys/fs/cgroup/*/libpod_parent/libpod-* 2>/dev/null | sort | comm -13 '$BENCH_TMP/pods-before' - | while read -r d; do find \"\$d\" -mindepth 1 -depth -type d -exec rmdir {} \\; ; rmdir \"\$d\"; done"
	# conmon passes no environment: cell-oci gets the bench's state dir
	# through a wrapper, not /run/cell
	# and its --root: podman passes --runtime-flag root= to create and
	# start but not to delete, which would then look in cell-oci's
	# default root, find nothing, and leave the container (its state,
	# jail and cgroup) until the repair at exit
	printf '#!/bin/sh\ncase "$1" in --root*) ;; *) set -- --root=%s "$@" ;; esac\nCELL_RUN_DIR=%s exec %s "$@"\n' \
		"$STATE/podman-cell-oci" "$CELL_RUN_DIR" "$CELLOCI" >"$BENCH_TMP/cell-oci-podman"
	chmod +x "$BENCH_TMP/cell-oci-podman"
	# after every podman rm below (hooks run last first): a container
	# whose delete podman's asynchronous clean-up never ran is repaired
	# (its cgroup removed) by any cell command in that state dir
	bench_on_exit "$BUILD/src/jls"
	for rt in crun runc cell-oci; do
		exe=$(command -v $rt 2>/dev/null)
		[ $rt = cell-oci ] && exe=$BENCH_TMP/cell-oci-podman
		# podman passes no --root of its own: keep each runtime's
		# state in the bench's temp dir
		P="podman --runtime $exe --runtime-flag root=$STATE/podman-$rt --cgroup-manager=cgroupfs --root $BENCH_TMP/podman/root --runroot $BENCH_TMP/podman/run --storage-driver vfs --events-backend none"
		bench_on_exit "$P rm -af -t 0"
		# --ulimit: podman asks for RLIMIT_NOFILE 1048576 and an
		# RLIMIT_NPROC by default, above this host's hard limits, which
		# root cannot raise here (no CAP_SYS_RESOURCE): crun and runc
		# then fail every run (until session 5 those failures were
		# timed as runs) and cell-oci lowers them with a warning. A
		# failed run is not timed, and the row says how many failed.
		: >"$BENCH_TMP/podman-$rt.fail"
		wrap $rt bash -c '
			. "$1"; P=$2; n=$3; root=$4; out=$5
			for ((i = 0; i < n + 2; i++)); do
				if ! bench_time_us $P run --rm --network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --rootfs "$root" /bin/true; then
					echo x >>"$out.fail"
					continue
				fi
				[ $i -ge 2 ] && echo $BENCH_US >>"$out"
			done' _ "$REPO/bench/lib.sh" "$P" "$(( N < 10 ? N : 10 ))" "$ROOT" "$BENCH_TMP/podman-$rt"
	done
	PM=$(bench_median "$BENCH_TMP/podman-crun")
	for rt in crun runc cell-oci; do
		m=$(bench_median "$BENCH_TMP/podman-$rt")
		f=$(wc -l <"$BENCH_TMP/podman-$rt.fail")
		printf '%-34s %10s %10s %8s%s\n' "podman run --rm ($rt)" "$m" \
			"$(bench_pct "$BENCH_TMP/podman-$rt" 90)" "$(bench_ratio "$m" "$PM")" \
			"$([ "$f" -gt 0 ] && echo "  ($f failed)")"
	done
fi

# detached containers: all started, memory, all deleted
avail_kb() { awk '/MemAvailable/ { print $2 }' /proc/meminfo; }
echo
printf '%-22s %8s %12s %14s %12s\n' "detached x$COUNT" "start s" "per ctr ms" "host KiB/ctr" "delete s"
for rt in crun cell-oci; do
	bin=$(rt_bin $rt)
	bench_on_exit "wrap $rt bash -c 'for i in \$(seq $COUNT); do $bin delete -f ${ID}d\$i; done'"
	sync; echo 1 >/proc/sys/vm/drop_caches 2>/dev/null
	res=$(wrap $rt bash -c '
		bin=$1; n=$2; b=$3; id=$4
		avail() { awk "/MemAvailable/ { print \$2 }" /proc/meminfo; }
		m0=$(avail); t0=$EPOCHREALTIME
		for ((i = 1; i <= n; i++)); do
			$bin run -d --bundle "$b" "$id$i" >/dev/null 2>&1 </dev/null || echo "fail $i" >&2
		done
		t1=$EPOCHREALTIME; sleep 2; m1=$(avail)
		for ((i = 1; i <= n; i++)); do $bin delete -f "$id$i" >/dev/null 2>&1; done
		t2=$EPOCHREALTIME
		echo $(( 10#${t1/./} - 10#${t0/./} )) $(( m0 - m1 )) $(( 10#${t2/./} - 10#${t1/./} ))
		' _ "$bin" "$COUNT" "$BS" "${ID}d")
	read -r us kb del <<<"$res"
	awk -v rt="$rt" -v us="$us" -v kb="$kb" -v del="$del" -v n="$COUNT" 'BEGIN {
		printf "%-22s %8.2f %12.2f %14.0f %12.2f\n", rt, us / 1e6, us / 1e3 / n, kb / n, del / 1e6 }'
done
echo "  host KiB/ctr: drop in MemAvailable while all run, divided by the count (target: below crun's)"
