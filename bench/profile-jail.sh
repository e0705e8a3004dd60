#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# profile-jail.sh: where the wall time of `jail -c ... command=/bin/true`
# goes, for whoever owns the code (this script changes nothing in cell).
#
#   0. phases of R back-to-back runs, cut at syscalls every run makes
#      (perf trace of 7 syscalls only, so little overhead), medians
#   1. perf trace -s of one run: syscall time per process (creator, init,
#      attach helper, the jailed command)
#   2. syscalls that blocked >= 0.2 ms over R back-to-back runs, summed
#      per process/syscall/file, divided by R (ms per jail)
#   3. the host's cgroup v1 attach cost (a write to cgroup.procs) when
#      attaches are back to back vs after an idle gap, on a cgroup of ours
#   4. jail -c wall median back to back vs after 100 ms idle, and CPU
#      time per run of jail -c, jexec, bwrap, /bin/true
#   5. CPU profile (perf record) by library, for the user-space part, and
#      the start-up cost of the binary (jail -h vs /bin/true)
# Falls back to strace -c -f when perf is missing.
#
# usage: profile-jail.sh [-r RUNS]   (default 20)

set -u
. "$(dirname "$0")/lib.sh"
R=20
while getopts "r:h" opt; do
	case $opt in
	r) R=$OPTARG ;;
	*) sed -n '3,18s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
bench_need_root
bench_init
bench_build
export CELL_RUN_DIR=$BENCH_TMP/run
mkdir -p "$CELL_RUN_DIR"
ROOT=$BENCH_TMP/root
bench_rootfs "$ROOT" || bench_die "cannot build the busybox root"
NAME=cellprof$$
JAIL=("$BUILD/src/jail" -c "name=$NAME" path="$ROOT" host.hostname=bench command=/bin/true)
bench_on_exit "$BUILD/src/jail -r $NAME"
"${JAIL[@]}" || bench_die "jail -c failed"

echo "profile-jail: $(bench_machine)"
echo "  cell: $(bench_source)"
echo "  state dir $CELL_RUN_DIR on $(stat -f -c %T "$CELL_RUN_DIR") (default /run/cell is on $(stat -f -c %T /run))"
echo

# phases: cut each run at exec of jail, clone3 (init born, in its cgroup),
# pivot_root (init's mounts done), init's vfork (the command started, right
# after the root is built), execveat (the exec stub: the command's tail
# done and its gate opened by the creator), execve and exit_group of
# /bin/true, exit_group of the creator
PHASES_AWK=$(cat <<'AWK'
function ts() { return $1 + 0 }
{
	if (!match($0, /\): [^ ]+\/[0-9]+ /)) next
	who = substr($0, RSTART + 3, RLENGTH - 4)
	comm = who; sub(/\/.*/, "", comm); pid = who; sub(/.*\//, "", pid)
	rest = substr($0, RSTART + RLENGTH)
	if (rest ~ /^execve\(/ && comm == "jail") { cr = pid; t0 = ts(); st = 1; next }
	if (!st) next
	if (rest ~ /^clone3\(/ && pid == cr) tc = ts()
	else if (rest ~ /^pivot_root\(/) tp = ts()
	else if (rest ~ /^v?fork\(|^clone\(/ && pid != cr && !tf) tf = ts()
	else if (rest ~ /^execveat\(/ && !ta) ta = ts()
	else if (rest ~ /^execve\(/ && comm == "true") tx = ts()
	else if (rest ~ /^exit_group\(/ && comm == "true") te = ts()
	else if (rest ~ /^exit_group\(/ && pid == cr) {
		n++
		A[n] = tc - t0; B[n] = tp - tc; C[n] = tf - tp; D[n] = ta - tf
		E[n] = tx - ta; F[n] = te - tx; G[n] = ts() - te
		T[n] = ts() - t0
		st = 0; tf = 0; ta = 0
	}
}
function med(a,   i, j, v, k, m) {
	k = 0; for (i = 1; i <= n; i++) v[++k] = a[i]
	for (i = 2; i <= k; i++) { m = v[i]; for (j = i - 1; j >= 1 && v[j] > m; j--) v[j + 1] = v[j]; v[j + 1] = m }
	return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
}
END {
	printf "  runs parsed: %d (medians, ms, under perf trace with 9 syscalls traced)\n", n
	printf "  %6.2f  start: exec, libraries, lock, record, cgroup                   (exec jail -> clone3)\n", med(A)
	printf "  %6.2f  init: namespaces, lo, mounts, /proc masks, /dev (creator: device program)  (clone3 -> pivot_root)\n", med(B)
	printf "  %6.2f  old root detached, host name, ready, init starts the command   (pivot_root -> vfork)\n", med(C)
	printf "  %6.2f  the command's tail (session, caps, ids, filters) || creator's save, gate  (vfork -> exec stub)\n", med(D)
	printf "  %6.2f  the exec stub                                                  (execveat -> execve true)\n", med(E)
	printf "  %6.2f  /bin/true runs                                                 (execve -> exit)\n", med(F)
	printf "  %6.2f  init ends (its namespaces go), removal                         (exit -> jail exits)\n", med(G)
	printf "  %6.2f  total\n", med(T)
}
AWK
)

if ! command -v perf >/dev/null || ! perf trace -o /dev/null -- true >/dev/null 2>&1; then
	echo "== perf trace unavailable: strace -c -f of one run (syscall CPU, not wall)"
	strace -c -f -o "$BENCH_TMP/strace.txt" "${JAIL[@]}"
	head -30 "$BENCH_TMP/strace.txt"
	exit 0
fi

echo "== 0. phases of jail -c, $R back-to-back runs"
perf trace -e execve,execveat,clone,clone3,vfork,pivot_root,exit_group,seccomp,flock \
	-o "$BENCH_TMP/phases.txt" -- bash -c \
	"for i in \$(seq $R); do $(printf '%q ' "${JAIL[@]}"); done"
awk "$PHASES_AWK" "$BENCH_TMP/phases.txt"
echo

echo "== 1. perf trace -s, one run: top syscalls per process (msec)"
perf trace -s -o "$BENCH_TMP/pt.txt" -- "${JAIL[@]}"
awk '/events,/ { proc = $1 " " $2; n = 0; print "  " proc; next }
     /^ +[a-z_0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+/ {
	if (n++ < 6) printf "      %-16s calls %4d  total %7.3f  max %7.3f\n", $1, $2, $4, $7 }' \
	"$BENCH_TMP/pt.txt"
echo

echo "== 2. syscalls blocking >= 0.2 ms, $R back-to-back runs, ms per jail"
perf trace --duration 0.2 -o "$BENCH_TMP/slow.txt" -- bash -c \
	"for i in \$(seq $R); do $(printf '%q ' "${JAIL[@]}"); done"
awk -v R="$R" -v name="$NAME" '
	match($0, /\( *[0-9.]+ ms\): [^ ]+ [a-z_0-9]+\(/) {
		s = substr($0, RSTART, RLENGTH)
		dur = s; sub(/^\( */, "", dur); sub(/ ms.*/, "", dur)
		rest = s; sub(/^.*ms\): /, "", rest)
		comm = rest; sub(/\/.*/, "", comm)
		sc = rest; sub(/^[^ ]+ /, "", sc); sub(/\($/, "", sc)
		if (comm == "bash" || comm == "seq") next
		file = ""
		if (match($0, /<[^>]*>/)) {
			file = substr($0, RSTART + 1, RLENGTH - 2)
			gsub(name, "NAME", file); gsub(/[0-9]+/, "N", file)
			sub(/^\/sys\/fs\/cgroup\/[a-z_,]+\//, "/sys/fs/cgroup/*/", file)
		}
		k = sprintf("%-6s %-10s %s", comm, sc, file)
		t[k] += dur; n[k]++
	}
	END { for (k in t) printf "  %7.2f ms  (%5.1f calls)  %s\n", t[k] / R, n[k] / R, k }' \
	"$BENCH_TMP/slow.txt" | sort -rn | head -15
echo "  (recvfrom/poll/read/wait4 in the creator, init and helper are waits for"
echo "   each other: the blocking work is the other lines)"
echo

echo "== 3. cgroup v1 attach (echo PID > cgroup.procs) on this host"
probe=/sys/fs/cgroup/cpu/cellbench-probe$$
if mkdir "$probe" 2>/dev/null; then
	bench_on_exit "rmdir $probe"
	for gap in 0 0.1; do
		: >"$BENCH_TMP/attach"
		# stderr: a child killed before its exec reports itself
		for i in $(seq 15); do
			sleep 5 &
			p=$!
			t0=$EPOCHREALTIME
			echo $p >"$probe/cgroup.procs"
			t1=$EPOCHREALTIME
			echo $(( 10#${t1/./} - 10#${t0/./} )) >>"$BENCH_TMP/attach"
			kill $p
			wait $p 2>/dev/null
			sleep $gap
		done 2>/dev/null
		printf '  attach after %-4ss idle: median %s ms, max %s ms\n' $gap \
			"$(bench_median "$BENCH_TMP/attach")" "$(bench_pct "$BENCH_TMP/attach" 100)"
	done
	rmdir "$probe"
	echo "  (the first attach after idle waits for an RCU grace period:"
	echo "   cgroup_threadgroup_rwsem is a percpu rwsem, its write side"
	echo "   (cgroup_attach_lock) must rcu_sync_enter())"
else
	echo "  no v1 cpu hierarchy: skipped"
fi
echo

echo "== 4. jail -c wall time, back to back vs 100 ms idle before each"
# CPU of the waited-for children (cutime+cstime, ticks) of the calling
# shell: read with a builtin, a $(...) would be another process
child_ticks() {
	local st
	read -r -a st <"/proc/$BASHPID/stat"
	CHILD_TICKS=$(( st[15] + st[16] ))
}
for gap in 0 0.1; do
	: >"$BENCH_TMP/wall"
	for i in $(seq $R); do
		sleep $gap
		bench_time_us "${JAIL[@]}"
		echo "$BENCH_US" >>"$BENCH_TMP/wall"
	done
	printf '  gap %-4ss: median %s ms (p10 %s, p90 %s)\n' $gap "$(bench_median "$BENCH_TMP/wall")" \
		"$(bench_pct "$BENCH_TMP/wall" 10)" "$(bench_pct "$BENCH_TMP/wall" 90)"
done
echo
echo "== 4b. CPU time per run (user+sys of all processes, tick-accounted over 100 runs)"
hz=$(getconf CLK_TCK)
cpu_per_run() {
	local c0 i
	child_ticks
	c0=$CHILD_TICKS
	for i in $(seq 100); do "$@" >/dev/null 2>&1 </dev/null; done
	child_ticks
	awk -v t=$((CHILD_TICKS - c0)) -v hz="$hz" 'BEGIN { printf "%5.1f ms", t * 1000 / hz / 100 }'
}
"$BUILD/src/jail" -c name=${NAME}p path="$ROOT" host.hostname=bench persist >/dev/null ||
	bench_die "cannot create the persistent jail"
bench_on_exit "$BUILD/src/jail -r ${NAME}p"
echo "  jail -c /bin/true   $(cpu_per_run "${JAIL[@]}")"
echo "  jexec /bin/true     $(cpu_per_run "$BUILD/src/jexec" ${NAME}p /bin/true)"
echo "  bwrap /bin/true     $(cpu_per_run bwrap --unshare-all --die-with-parent --bind "$ROOT" / --proc /proc --dev /dev /bin/true)"
echo "  /bin/true           $(cpu_per_run /bin/true)"
echo "  (wall ~ CPU means the run is CPU-bound, not waiting)"
echo

echo "== 5. CPU samples of jail/init/true by object, $R runs (perf record)"
perf record -q -o "$BENCH_TMP/perf.data" -F 20000 -- bash -c \
	"for i in \$(seq $R); do $(printf '%q ' "${JAIL[@]}"); done" >/dev/null 2>&1
perf report -i "$BENCH_TMP/perf.data" --no-children --sort comm,dso --stdio 2>/dev/null |
	grep '%' | awk '$2 ~ /^(jail|init|true)$/' | head -12 | sed 's/^/  /'
echo "  (percent of all samples of the run, including the bash loop; init is"
echo "   the jail's init, jail the creator and the attach helper)"
for i in $(seq 50); do
	bench_time_us "$BUILD/src/jail" -h
	echo "$BENCH_US" >>"$BENCH_TMP/start-jail"
	bench_time_us /bin/true
	echo "$BENCH_US" >>"$BENCH_TMP/start-true"
done
echo "  start-up: 'jail -h' median $(bench_median "$BENCH_TMP/start-jail") ms vs /bin/true $(bench_median "$BENCH_TMP/start-true") ms"
if ! ldd "$BUILD/src/jail" 2>&1 | grep -q 'statically linked\|not a dynamic'; then
	echo "  dynamic libraries of jail: $(ldd "$BUILD/src/jail" | awk '$1 !~ /vdso|ld-linux/ { printf "%s ", $1 }')"
else
	echo "  jail is linked statically (-Dstatic_frontends)"
fi
exit 0
