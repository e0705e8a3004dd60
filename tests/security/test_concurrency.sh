#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# 50 concurrent creates of distinct names all succeed with distinct jids;
# repair never takes a jail whose creator finished while it looked;
# 50 concurrent creates of one name: exactly one succeeds, the others fail
# cleanly (exit 1, a message, no signal, no record or cgroup left);
# a removal of a jail that is still being created is refused.
CELL_IT_TMP=cell-conc
. "$CELL_SOURCE_DIR/tests/integration/lib.sh"
R=$T/root
mkroot "$R" sh true echo
P=cc$$
MADE=""
for i in $(seq 1 50); do MADE="$MADE ${P}d$i"; done
for i in $(seq 1 20); do MADE="$MADE ${P}v$i"; done
MADE="$MADE ${P}same ${P}slow ${P}dup ${P}mid ${P}other ${P}sha ${P}shb"

for i in $(seq 1 50); do
	( "$JAIL" -c name=${P}d$i path="$R" persist >/dev/null 2>"$T/d$i.err"; echo $? >"$T/d$i.rc" ) &
done
wait
okc=0
for i in $(seq 1 50); do [ "$(cat "$T/d$i.rc")" = 0 ] && okc=$((okc+1)); done
check "50 concurrent creates of distinct names: all succeed" "50" echo $okc
[ $okc = 50 ] && true || cat "$T"/d*.err | sort | uniq -c | head -5
jids=$("$JLS" jid name | grep " ${P}d" | awk '{print $1}' | sort -u | wc -l)
check "... jids unique" "50" echo $jids
for i in $(seq 1 50); do "$JAIL" -r ${P}d$i >/dev/null 2>&1 & done
wait
check "all 50 removed" "0" sh -c "'$JLS' name | grep -c '^${P}d'"

# vnet jails at once: each creator makes its stack in a thread and clones
# init while that thread runs (lib/net/stack.c); every jail gets a stack
# of its own, with lo up
for i in $(seq 1 20); do
	( "$JAIL" -c name=${P}v$i path="$R" vnet persist >/dev/null 2>"$T/v$i.err"; echo $? >"$T/v$i.rc" ) &
done
wait
okc=0
for i in $(seq 1 20); do [ "$(cat "$T/v$i.rc")" = 0 ] && okc=$((okc+1)); done
check "20 concurrent vnet creates: all succeed" "20" echo $okc
[ $okc = 20 ] || cat "$T"/v*.err | sort | uniq -c | head -5
# each jail's stack, read on the host through its init (the record's
# init=PID)
host_net=$(readlink /proc/self/ns/net)
nets=$(for i in $(seq 1 20); do
	f=$(grep -l "^name=${P}v$i\$" "$CELL_RUN_DIR"/jails/* 2>/dev/null)
	pid=$(sed -n '1s/.* init=\([0-9]*\).*/\1/p' "$f" 2>/dev/null)
	[ -n "$pid" ] && readlink /proc/$pid/ns/net
done | grep -vxF "$host_net" | sort -u | wc -l)
check "... each in a stack of its own" "20" echo $nets
los=$(for i in $(seq 1 20); do
	"$JEXEC" ${P}v$i sh -c 'read f </sys/class/net/lo/flags; echo $f'
done 2>&1 | sort | uniq -c | sed 's/^ *//')
check "... each with lo up" "20 0x9" echo "$los"
for i in $(seq 1 20); do "$JAIL" -r ${P}v$i >/dev/null 2>&1 & done
wait
check "... all 20 removed" "0" sh -c "'$JLS' name | grep -c '^${P}v'"

for i in $(seq 1 50); do
	( "$JAIL" -c name=${P}same path="$R" persist >/dev/null 2>"$T/s$i.err"; echo $? >"$T/s$i.rc" ) &
done
wait
won=0 lost=0 other=0
for i in $(seq 1 50); do
	case $(cat "$T/s$i.rc") in
	0) won=$((won+1));;
	1) lost=$((lost+1));;
	*) other=$((other+1));;
	esac
done
check "50 concurrent creates of one name: exactly one succeeds" "1" echo $won
check "... the other 49 fail with exit 1 (no signal, no crash)" "49 0" echo $lost $other
msgs=$(cat "$T"/s*.err | sed 's/^jail: //' | sort | uniq -c | sort -rn | head -3)
echo "# loser messages: $msgs"
check_nomatch "... each with an error message, none empty" "^ *[0-9]+ *$" echo "$msgs"
check "... one record for the name" "1" sh -c "grep -l '^name=${P}same\$' '$CELL_RUN_DIR'/jails/* | wc -l"
check "... and it works" "ok" "$JEXEC" ${P}same echo ok
"$JAIL" -r ${P}same >/dev/null
check "nothing left of the name" "" traces ${P}same
check "no record left" "0" sh -c "ls '$CELL_RUN_DIR'/jails | wc -l"

# Repair peeks a record (creating, creator alive), the creator finishes
# the jail and exits, repair finds the creator dead: it must read the
# record again (now active, init alive) and keep it. Once one in ~12 runs
# of the 50 concurrent creates above; the pauses make it certain.
( CELL_TEST_PAUSE_AT=cgroup:400 "$JAIL" -c name=${P}slow path="$R" persist \
	>/dev/null 2>"$T/slow.err"; echo $? >"$T/slow.rc" ) &
sleep 0.15
CELL_TEST_PAUSE_AT=repair-peeked:1500 "$JLS" >/dev/null
wait
check "a create that finished during another command's repair: succeeded" \
	"0" cat "$T/slow.rc"
check "... and its jail still runs" "ok" "$JEXEC" ${P}slow echo ok
"$JAIL" -r ${P}slow >/dev/null 2>&1
check "... removed, nothing left" "" traces ${P}slow

# the same window in a create's own repair: the record it peeked was
# replaced (active) by a creator that then exited; its name is taken
# all the same (each asks for its own cgroup path, so that the cgroup
# step cannot be what refuses the second)
( CELL_TEST_PAUSE_AT=cgroup:400 "$JAIL" -c name=${P}dup path="$R" persist \
	cell.cgroup=cell/${P}dupA >/dev/null 2>"$T/dupA.err"; echo $? >"$T/dupA.rc" ) &
sleep 0.15
CELL_TEST_PAUSE_AT=repair-peeked:1500 "$JAIL" -c name=${P}dup path="$R" persist \
	cell.cgroup=cell/${P}dupB >"$T/dupB.out" 2>&1
echo $? >"$T/dupB.rc"
wait
check "the first create of a name succeeded" "0" cat "$T/dupA.rc"
check_match "the second, peeked during the first, is refused" "a jail named ${P}dup already exists" cat "$T/dupB.out"
check "one jail of that name" "1" sh -c "'$JLS' -q name | grep -c '^${P}dup\$'"
"$JAIL" -r ${P}dup >/dev/null 2>&1
check "... removed, nothing left" "" sh -c "ls -d /sys/fs/cgroup/*/cell/${P}dupA /sys/fs/cgroup/*/cell/${P}dupB 2>/dev/null; grep -l '^name=${P}dup\$' '$CELL_RUN_DIR'/jails/* 2>/dev/null"
# A removal while a create runs past its lock (after the cgroup step):
# the record is the creator's until it is active. Taking it deleted the
# record and the cgroup under the creator; a create meanwhile reused the
# jid, and the first creator's undo then deleted that jail's record (a
# jail running with no record, beyond jls and jail -r).
( CELL_TEST_PAUSE_AT=cgroup:1500 "$JAIL" -c name=${P}mid path="$R" persist \
	>/dev/null 2>"$T/mid.err"; echo $? >"$T/mid.rc" ) &
for _ in $(seq 1 100); do
	grep -qs "^name=${P}mid\$" "$CELL_RUN_DIR"/jails/* && break
	sleep 0.01
done
CHECK_RC_OUT=first check_rc "jail -R of a jail being created is refused" 1 \
	"$JAIL" -R ${P}mid
check_rc "... a create meanwhile succeeds" 0 "$JAIL" -c name=${P}other \
	path="$R" persist
wait
check "... the first create succeeds" "0" cat "$T/mid.rc"
check "... both jails listed" "${P}mid ${P}other" sh -c \
	"'$JLS' -q name | grep '^${P}' | sort | tr '\n' ' ' | sed 's/ \$//'"
check "... both run" "ok ok" echo $("$JEXEC" ${P}mid echo ok) \
	$("$JEXEC" ${P}other echo ok)
"$JAIL" -r ${P}mid >/dev/null 2>&1
"$JAIL" -r ${P}other >/dev/null 2>&1
check "... removed, nothing left" "" echo "$(traces ${P}mid)$(traces ${P}other)"
# Two creates of one cell.cgroup at once: the first made it and dropped
# the lock, its init not in it yet; the second took the empty cgroup as a
# leftover, and the removal of either killed both.
( CELL_TEST_PAUSE_AT=cgroup:1000 "$JAIL" -c name=${P}sha path="$R" persist \
	cell.cgroup=cell/${P}shared >/dev/null 2>"$T/sha.err"; echo $? >"$T/sha.rc" ) &
for _ in $(seq 1 100); do
	[ -d /sys/fs/cgroup/unified/cell/${P}shared ] ||
		[ -d /sys/fs/cgroup/cell/${P}shared ] ||
		[ -d /sys/fs/cgroup/pids/cell/${P}shared ] && break
	sleep 0.01
done
CHECK_RC_OUT=first check_rc "a second create of a cgroup being created is refused" 1 \
	"$JAIL" -c name=${P}shb path="$R" persist cell.cgroup=cell/${P}shared
wait
check "... the first create succeeds" "0" cat "$T/sha.rc"
check "... and its jail runs" "ok" "$JEXEC" ${P}sha echo ok
"$JAIL" -r ${P}sha >/dev/null 2>&1
check "... removed, nothing left" "" echo "$(traces ${P}sha)$(traces ${P}shb)$(ls -d /sys/fs/cgroup/*/cell/${P}shared 2>/dev/null)"
finish
