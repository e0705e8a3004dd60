#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Crash safety beyond jail -c: jail -r killed at each of its steps
# (CELL_TEST_CRASH_AT), and jail -c / jail -r killed at random moments
# by a timer. After each kill the next command (jls) must report a
# usable state and repair it: no record, cgroup, init process or network
# namespace of the jail left, and the name is free again. A create never
# takes (adopts, or repairs away) a cgroup with someone else's processes.
CELL_IT_TMP=cell-crash
. "$CELL_SOURCE_DIR/tests/integration/lib.sh"
R=$T/root
mkroot "$R" sh true echo sleep
P=cr$$
MADE="$P ${P}f ${P}g ${P}h"

init_of() { sed -n '1s/.* init=\([0-9]*\) .*/\1/p' "$CELL_RUN_DIR"/jails/[0-9]* 2>/dev/null | head -1; }
# a process is gone when it has no /proc entry or is a zombie (this
# host's pid 1 may reap adopted children late)
gone() { [ ! -d /proc/$1 ] || grep -q '^State:.*[ZX]' /proc/$1/status 2>/dev/null; }

for vnet in "" vnet; do
for step in stop network-removed cgroup-removed; do
	"$JAIL" -c name=$P path="$R" $vnet persist >/dev/null || { not_ok "create ($step)"; continue; }
	init=$(init_of)
	CELL_TEST_CRASH_AT=$step "$JAIL" -r $P >/dev/null 2>&1
	rc=$?
	check "jail -r ${vnet:+(vnet) }killed after '$step' (SIGKILL)" "137" echo $rc
	check_rc "the next command (jls) runs" 0 "$JLS"
	check "... and repaired it: no trace" "" traces $P
	check "... init $init is gone" "gone" sh -c "$(declare -f gone); gone $init && echo gone || echo alive"
	check_rc "... the name is free again" 0 "$JAIL" -c name=$P path="$R" $vnet command=/bin/true
done
done

# random moments: a timer kills jail -c / jail -r after 0..40 ms; the
# test reaps it (kill_after), so the next command sees it dead
kill_after() {
	local d=$1; shift
	"$@" >/dev/null 2>&1 &
	local pid=$!
	sleep "$d"
	kill -KILL $pid 2>/dev/null
	wait $pid
}
killed=0
for i in $(seq 1 30); do
	d=$(printf '0.%03d' $((RANDOM % 40)))
	[ $((i % 2)) = 0 ] && v=vnet || v=
	kill_after $d "$JAIL" -c name=$P path="$R" $v persist
	[ $? = 137 ] && killed=$((killed+1))
	"$JLS" >/dev/null 2>&1
	if "$JLS" -j $P jid >/dev/null 2>&1; then
		# it finished before the timer: kill its removal instead
		kill_after $d "$JAIL" -r $P
		[ $? = 137 ] && killed=$((killed+1))
		"$JLS" >/dev/null 2>&1
		"$JLS" -j $P jid >/dev/null 2>&1 && "$JAIL" -r $P >/dev/null 2>&1
	fi
	left=$(traces $P)
	[ -n "$left" ] && { not_ok "random kill $i (after ${d}s): left $left"; break; }
done
echo "# random kills: $killed of 30 runs killed mid-way"
check "random kills of jail -c / jail -r: nothing left each time" "" traces $P
check "no cell init left from this test" "" sh -c "ps -eo pid,comm,args | awk '\$2==\"init\"' | grep -F '$R' || true"
check "no record left" "0" sh -c "ls '$CELL_RUN_DIR'/jails 2>/dev/null | grep -c '^[0-9]*\$'"
# A cgroup someone else made, given as cell.cgroup: the test's own, in
# the unified (or v2) hierarchy, with a process of its own in a cgroup
# below it, as a slice holds its services (its own cgroup.procs empty).
U=
for d in /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ "$(stat -fc %T $d 2>/dev/null)" = cgroup2fs ] && { U=$d; break; }
done
FOREIGN=${P}slice
LEFT=${P}left
SLEEPER=
foreign_cleanup() {
	[ -n "$SLEEPER" ] && kill -KILL $SLEEPER 2>/dev/null && wait $SLEEPER 2>/dev/null
	[ -n "$U" ] && rmdir "$U/$FOREIGN/svc" "$U/$FOREIGN" "$U/$LEFT" 2>/dev/null
	cleanup
}
trap foreign_cleanup EXIT
if [ -n "$U" ] && mkdir "$U/$FOREIGN" && mkdir "$U/$FOREIGN/svc"; then
	sleep 600 &
	SLEEPER=$!
	echo $SLEEPER >"$U/$FOREIGN/svc/cgroup.procs"
	check_rc "a create does not adopt a cgroup whose subgroups hold processes" 1 \
		"$JAIL" -c name=${P}f path="$R" persist cell.cgroup=$FOREIGN
	check "... their process lives" "alive" sh -c "kill -0 $SLEEPER && echo alive"
	check "... the cgroups stay" "yes" sh -c "[ -d '$U/$FOREIGN/svc' ] && echo yes"
	"$JAIL" -r ${P}f >/dev/null 2>&1
	check "... and stay after a removal of the name" "alive yes" echo \
		$(kill -0 $SLEEPER && echo alive; [ -d "$U/$FOREIGN/svc" ] && echo yes)
	# killed right after its reserve step, before the cgroup step
	# looked at the cgroup: the repair must not take it (it killed the
	# process and removed the cgroup the record named)
	CELL_TEST_CRASH_AT=reserve "$JAIL" -c name=${P}g path="$R" persist \
		cell.cgroup=$FOREIGN/svc >/dev/null 2>&1
	check "jail -c with a cell.cgroup in use, killed after 'reserve'" 137 echo $?
	check_rc "... the next command (jls) runs" 0 "$JLS"
	check "... and repaired it: no record" "" traces ${P}g
	check "... the cgroup's process lives, the cgroup stays" "alive yes" echo \
		$(kill -0 $SLEEPER && echo alive; [ -d "$U/$FOREIGN/svc" ] && echo yes)
	# an empty leftover, taken by the cgroup step: the repair of a
	# create killed after it removes it, as one it made
	mkdir "$U/$LEFT"
	CELL_TEST_CRASH_AT=cgroup "$JAIL" -c name=${P}h path="$R" persist \
		cell.cgroup=$LEFT >/dev/null 2>&1
	check "jail -c adopting an empty leftover, killed after 'cgroup'" 137 echo $?
	"$JLS" >/dev/null 2>&1
	check "... repaired: no record, the leftover gone" "" echo \
		"$(traces ${P}h)$(ls -d "$U/$LEFT" 2>/dev/null)"
fi
finish
