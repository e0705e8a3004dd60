#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Crash safety of cell-oci create and delete: SIGKILLed at each step
# (the core's CELL_TEST_CRASH_AT points of create and remove, and
# cell-oci's own: oci-dir, oci-jail, oci-jail-removed) and at random
# moments by a timer. After each kill the next command reports what the
# killed one left and repairs it: no state directory, jail record,
# cgroup or process of the container, and the id is free again.
. "$(dirname "$0")/lib.sh"
ID=cr
MADE="$ID"
B1=$(bundle "$ID" 'sleep 30')

# processes whose root is the container's (its init, anything in it)
procs() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$ROOTFS" ] &&
			! grep -q '^State:.*[ZX]' "$p/status" 2>/dev/null &&
			echo "${p#/proc/}"
	done
}
# everything of the container: OCI directory (hidden ones too), record,
# cgroups, processes
leftovers() {
	ls -A "$OCI_ROOT" 2>/dev/null
	traces "$ID"
	procs
}
# repair: what a client does next (state, then delete --force)
repair() {
	oci state "$ID" >"$T/state.out" 2>&1
	oci delete --force "$ID" >/dev/null 2>&1
}

for step in reserve cgroup init network active oci-dir oci-jail; do
	CELL_TEST_CRASH_AT=$step oci create --bundle "$B1" "$ID" >/dev/null 2>&1
	check "create killed after '$step' (SIGKILL)" 137 echo $?
	repair
	check "... the next command reports it" "yes" \
		sh -c "grep -qE 'does not exist|killed runtime|creating' $T/state.out && echo yes || cat $T/state.out"
	check "... and repairs it: nothing left" "" leftovers
	check_rc "... the id is free again" 0 oci create --bundle "$B1" "$ID"
	oci delete --force "$ID" >/dev/null 2>&1
done

for step in stop network-removed cgroup-removed oci-jail-removed; do
	oci run --detach --bundle "$B1" "$ID" >/dev/null 2>&1 ||
		not_ok "run ($step)"
	CELL_TEST_CRASH_AT=$step oci delete --force "$ID" >/dev/null 2>&1
	check "delete killed after '$step' (SIGKILL)" 137 echo $?
	check_rc "... the next delete succeeds" 0 oci delete --force "$ID"
	check "... nothing left" "" leftovers
done

# a create killed between the mkdir of its directory (<root>/.new/ID.PID)
# and the rename into place: planted here, under a pid that has exited
P=$(sh -c 'echo $$')
mkdir -p "$OCI_ROOT/.new/$ID.$P" && echo '{}' >"$OCI_ROOT/.new/$ID.$P/state.json"
check_rc "delete --force of an id a killed create left only in .new" 0 \
	oci delete --force "$ID"
check "... removes that directory, and .new with it" "" leftovers
# the next create of the id sweeps a dead create's directory, and keeps
# a live one's (this shell's pid)
mkdir -p "$OCI_ROOT/.new/$ID.$P" "$OCI_ROOT/.new/$ID.$$"
check_rc "create of the id succeeds" 0 oci create --bundle "$B1" "$ID"
check "... having removed the dead create's directory, not the live one's" \
	"$ID.$$" ls "$OCI_ROOT/.new"
rmdir "$OCI_ROOT/.new/$ID.$$" "$OCI_ROOT/.new"
oci delete --force "$ID" >/dev/null 2>&1

# random moments: create or delete killed by a timer after 0..60 ms
kill_after() {
	local d=$1; shift
	"$@" >/dev/null 2>&1 &
	local pid=$!
	sleep "$d"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
}
# run --detach whose process dies between the create and the start
# (run holds the start FIFO open both ways, so its byte is written
# whoever reads): the start fails as start fails, and nothing is left
rm -f "$T/run.pid"
CELL_TEST_PAUSE_AT=oci-run-start:800 "$OCI_BIN" --root "$OCI_ROOT" run \
	--detach --pid-file "$T/run.pid" --bundle "$B1" "$ID" >"$T/rd.out" 2>&1 &
rp=$!
for k in $(seq 100); do [ -s "$T/run.pid" ] && break; sleep 0.02; done
[ -s "$T/run.pid" ] && kill -9 "$(cat "$T/run.pid")"
wait $rp
check "run --detach whose process died before its start fails" 1 echo $?
check_match "... saying why" "cannot start a container that is stopped" \
	cat "$T/rd.out"
repair
check "... and the next delete leaves nothing" "" leftovers

killed=0 bad=0
for i in $(seq 1 24); do
	d=$(printf '0.%03d' $((RANDOM % 60)))
	kill_after "$d" "$OCI_BIN" --root "$OCI_ROOT" create --bundle "$B1" "$ID"
	[ $? = 137 ] && killed=$((killed+1))
	if [ "$(field "$ID" status)" = created ]; then
		kill_after "$d" "$OCI_BIN" --root "$OCI_ROOT" delete --force "$ID"
		[ $? = 137 ] && killed=$((killed+1))
	fi
	repair
	left=$(leftovers)
	if [ -n "$left" ]; then
		not_ok "random kill $i (after ${d}s): left $(echo $left)"
		bad=1
		break
	fi
done
[ $bad = 0 ] && ok "24 random kills of create/delete ($killed landed): nothing left"
check "no container init outlived the test's commands" "" procs
finish
