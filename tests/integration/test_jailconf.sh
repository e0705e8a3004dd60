#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# jail(8) with jail.conf(5): the exec.* life cycle in FreeBSD's order and
# environment, rollback of a failed start, depend ordering and cycles,
# jail -e round trip, -C, -f -, and bad files that change nothing.
. "$(dirname "$0")/lib.sh"

R=$T/root
mkroot "$R"
chmod 711 "$T"                  # exec.system_user's hook reaches $T/pub
mkdir -m 1777 "$T/pub"
LOG=$T/log
N=jc$$
A=${N}a B=${N}b X=${N}x Y=${N}y Z=${N}z
MADE="$A $B $X $Y $Z ${N}m ${N}n ${N}p ${N}q ${N}t"

# every host-side hook appends "step JID JNAME JPATH" (JID "-" when empty)
hooks() {
	local s
	for s in prepare prestart created poststart prestop poststop release; do
		printf "exec.%s += 'echo %s \${JID:--} \$JNAME \$JPATH >> '\"\$log\";\n" "$s" "$s"
	done
}

cat >"$T/life.conf" <<EOF
# the implicit "*" block
\$log = "$LOG";
path = "$R";
persist;
exec.consolelog = "$T/console";
$(hooks)
exec.start = "echo start-inside \$\$";
exec.stop = "echo stop-inside";
$A {
	host.hostname = "$A.test";
}
EOF

log_is() { # DESCRIPTION EXPECTED-LINES
	local got
	got=$(cat "$LOG" 2>/dev/null)
	if [ "$got" = "$2" ]; then ok "$1"; else
		not_ok "$1 (expected '$2', got '$got')"; fi
	: >"$LOG"
}

jid_of() { "$JLS" -j "$1" -n jid 2>/dev/null | sed 's/^jid=//'; }

# --- create: order and environment ---
check_rc "jail -f FILE -c NAME" 0 "$JAIL" -f "$T/life.conf" -c $A
j=$(jid_of $A)
log_is "create: exec.* order and JID/JNAME/JPATH" \
"prepare - $A $R
prestart - $A $R
created $j $A $R
poststart $j $A $R"
check "exec.start ran inside (pid 2, output to exec.consolelog)" "start-inside 2" cat "$T/console"
check "the jail persists after jail(8) exits" "$A.test" "$JEXEC" $A hostname

# --- modify: live change, no hooks; a create-only change needs -mr ---
sed "s/$A.test/$A.changed/" "$T/life.conf" >"$T/life2.conf"
check_rc "jail -f FILE -m NAME" 0 "$JAIL" -f "$T/life2.conf" -m $A
check "host.hostname changed in place" "$A.changed" "$JEXEC" $A hostname
log_is "modify runs no exec.* hooks" ""
check "modify kept the jid" "$j" jid_of $A
sed "s/^$A {/$A { allow.raw_sockets;/" "$T/life2.conf" >"$T/life3.conf"
check_match "jail -m of a create-only change is refused" \
	"cannot be changed on a running jail" "$JAIL" -f "$T/life3.conf" -m $A
: >"$LOG"
check_rc "jail -mr restarts for a create-only change" 0 "$JAIL" -f "$T/life3.conf" -mr $A
j2=$(jid_of $A)
log_is "-mr: stop then start, in order" \
"prestop $j $A $R
poststop $j $A $R
release $j $A $R
prepare - $A $R
prestart - $A $R
created $j2 $A $R
poststart $j2 $A $R"
sed "s/^$A {/$A { allow.noraw_sockets;/" "$T/life2.conf" >"$T/life4.conf"
check_rc "-cmr of a running jail with a create-only change restarts it" 0 "$JAIL" -f "$T/life4.conf" -cmr $A
j4=$(jid_of $A)
check "... running the new parameters" "allow.noraw_sockets" "$JLS" -j $A -n allow.raw_sockets
log_is "... through the stop and start hooks" \
"prestop $j2 $A $R
poststop $j2 $A $R
release $j2 $A $R
prepare - $A $R
prestart - $A $R
created $j4 $A $R
poststart $j4 $A $R"
j2=$j4
check "-cm on a running jail modifies it" "0" sh -c "'$JAIL' -f '$T/life.conf' -cm $A; echo \$?"
check "-cm changed the host name back" "$A.test" "$JEXEC" $A hostname
: >"$LOG"

# --- restart ---
: >"$T/console"
check_rc "jail -f FILE -rc NAME" 0 "$JAIL" -f "$T/life.conf" -rc $A
j3=$(jid_of $A)
log_is "restart: the whole stop sequence, then the start sequence" \
"prestop $j2 $A $R
poststop $j2 $A $R
release $j2 $A $R
prepare - $A $R
prestart - $A $R
created $j3 $A $R
poststart $j3 $A $R"
check "exec.stop ran inside before removal" "stop-inside
start-inside 2" cat "$T/console"

# --- remove ---
check_rc "jail -f FILE -r NAME" 0 "$JAIL" -f "$T/life.conf" -r $A
log_is "remove: exec.prestop, poststop, release" \
"prestop $j3 $A $R
poststop $j3 $A $R
release $j3 $A $R"
check "removed jail leaves no trace" "" traces $A
check_rc "jail -r of a jail that is not running fails" 1 "$JAIL" -f "$T/life.conf" -r $A
log_is "... and runs no hook" ""

# --- -R without hooks, then -C ---
"$JAIL" -f "$T/life.conf" -c $A >/dev/null 2>&1
: >"$LOG"
check_rc "jail -R removes without hooks" 0 "$JAIL" -R $A
log_is "-R ran no hook" ""
check_rc "jail -C cleans up after the removed jail" 0 "$JAIL" -f "$T/life.conf" -C $A
log_is "-C: exec.poststop then exec.release" \
"poststop - $A $R
release - $A $R"
"$JAIL" -f "$T/life.conf" -c $A >/dev/null 2>&1
check_match "jail -C of a running jail is refused" "still running" "$JAIL" -f "$T/life.conf" -C $A
"$JAIL" -f "$T/life.conf" -r $A >/dev/null 2>&1
: >"$LOG"

# --- -r of a running jail the file does not have: no hooks of "*" ---
MADE="$MADE ${N}f"
cat >"$T/r1.conf" <<EOF
\$log = "$LOG";
exec.consolelog = "$T/console.f";
$(hooks)
exec.stop = "echo stop-inside";
$A { path = "$R"; }
EOF
: >"$LOG"
: >"$T/console.f"; "$JAIL" -c name=${N}f path="$R" persist >/dev/null
check_rc "jail -f FILE -r FOREIGN removes it" 0 "$JAIL" -f "$T/r1.conf" -r ${N}f
log_is "... without the \"*\" block's host hooks" ""
check "... and ran no exec.stop inside it" "" cat "$T/console.f"
check "... it is gone" "" traces ${N}f
: >"$T/console.f"; "$JAIL" -c name=${N}f path="$R" persist >/dev/null
check_rc "jail -f FILE -r '*' with a foreign jail running" 0 "$JAIL" -f "$T/r1.conf" -r '*'
log_is "... runs no hook for it either" ""
check "... and no exec.stop" "" cat "$T/console.f"
check "... it is gone" "" traces ${N}f

# --- rollback: a hook fails in the middle ---
cat >"$T/fail.conf" <<EOF
\$log = "$LOG";
path = "$R";
persist;
$(hooks)
$B {
	exec.poststart += "exit 3";
}
${N}p {
	exec.start = "echo in; exit 4";
}
${N}q {
	exec.timeout = 1;
	exec.prestart += "sleep 30";
}
${N}t {
	exec.timeout = 1;
	exec.start = "sleep 30";
}
EOF
check_match "a failing exec.poststart fails the command" \
	"exec.poststart \"exit 3\" failed \(exit 3\)" "$JAIL" -f "$T/fail.conf" -c $B
jb=$(sed -n 's/^created \([0-9]*\) .*/\1/p' "$LOG")
log_is "rollback: the jail is removed, then exec.poststop, exec.release" \
"prepare - $B $R
prestart - $B $R
created $jb $B $R
poststart $jb $B $R
poststop $jb $B $R
release $jb $B $R"
check "no jail, process or cgroup left" "" traces $B
check_rc "a failing exec.start (inside) fails" 1 "$JAIL" -f "$T/fail.conf" -c ${N}p
check_match "... and undoes: no poststart, poststop and release ran" \
	"created [0-9]+ ${N}p .*poststop [0-9]+ ${N}p .*release" tr '\n' ' ' <"$LOG"
grep -q "poststart" "$LOG" && not_ok "poststart ran after a failed exec.start" || ok "poststart did not run after a failed exec.start"
: >"$LOG"
check "nothing left of the failed exec.start" "" traces ${N}p
start=$(date +%s)
check_match "exec.timeout kills a hook that runs too long" \
	"exec.timeout \(1 s\) expired" "$JAIL" -f "$T/fail.conf" -c ${N}q
[ $(($(date +%s) - start)) -lt 10 ] && ok "... within the timeout" || not_ok "exec.timeout took $(($(date +%s) - start))s"
log_is "timeout in exec.prestart: not created, exec.release undoes exec.prepare" \
"prepare - ${N}q $R
prestart - ${N}q $R
release - ${N}q $R"
check "nothing left of the timed-out jail" "" traces ${N}q
start=$(date +%s)
check_match "exec.timeout also limits commands inside the jail" \
	"exec.start \"sleep 30\": exec.timeout \(1 s\) expired" "$JAIL" -f "$T/fail.conf" -c ${N}t
[ $(($(date +%s) - start)) -lt 15 ] && ok "... and the jail went quickly" || not_ok "inside timeout took $(($(date +%s) - start))s"
check "nothing left of the jail whose exec.start timed out" "" traces ${N}t
check "its undo hooks ran" "poststop release" sh -c "grep -E '^(poststop|release)' '$LOG' | awk '{print \$1}' | tr '\n' ' ' | sed 's/ \$//'"
: >"$LOG"

# --- a command with no shell metacharacter runs without /bin/sh ---
# (FreeBSD's run_command splits it on blanks; a root need not have sh)
MADE="$MADE ${N}s"
mkdir -p "$T/nosh/proc" "$T/nosh/dev" "$T/nosh/tmp"
cp /bin/busybox "$T/nosh/busybox"
cat >"$T/nosh.conf" <<EOF
${N}s {
	path = "$T/nosh";
	persist;
	exec.start = "/busybox touch /tmp/started";
}
EOF
check_rc "exec.start without metacharacters in a root with no /bin/sh" 0 \
	"$JAIL" -f "$T/nosh.conf" -c ${N}s
check "... ran, split on blanks" "yes" \
	sh -c "[ -f '$T/nosh/tmp/started' ] && echo yes"
"$JAIL" -f "$T/nosh.conf" -r ${N}s >/dev/null 2>&1
check_match "... one with a metacharacter still needs /bin/sh" "/bin/sh" \
	"$JAIL" -c name=${N}s path="$T/nosh" persist \
	"exec.start=/busybox true; /busybox true"
check "nothing left of ${N}s" "" traces ${N}s

# --- exec.system_user and exec.clean ---
cat >"$T/user.conf" <<EOF
${N}m {
	path = "$R";
	exec.system_user = "nobody";
	exec.prestart = 'id -un > $T/pub/who; echo \${JNAME:-unset} >> $T/pub/who';
	exec.clean;
	exec.poststart = 'echo \${JID:-unset} \$USER >> $T/pub/who';
}
EOF
check_rc "exec.system_user / exec.clean jail" 0 "$JAIL" -f "$T/user.conf" -c
check "host hooks ran as exec.system_user with a clean environment" \
	"nobody
unset
unset nobody" cat "$T/pub/who"
check "non-persistent jail without processes is gone" "" traces ${N}m

# --- exec.system_jail_user: a boolean (the jail's root has no "nobody") ---
MADE="$MADE ${N}u1 ${N}u2 ${N}u3 ${N}u4"
cat >"$T/sju.conf" <<EOF
path = "$R";
exec.jail_user = nobody;
command = "id -u";
${N}u1 { exec.system_jail_user; }
${N}u2 { exec.system_jail_user = false; }
${N}u3 { exec.system_jail_user; exec.nosystem_jail_user; }
EOF
check "a bare exec.system_jail_user: the user from the host's passwd" \
	"65534" "$JAIL" -f "$T/sju.conf" -c ${N}u1
check_match "exec.system_jail_user = false: the jail's passwd" \
	"nobody: no such user" "$JAIL" -f "$T/sju.conf" -c ${N}u2
check_match "exec.nosystem_jail_user: the jail's passwd" \
	"nobody: no such user" "$JAIL" -f "$T/sju.conf" -c ${N}u3
check "jail -u USER: the user from the host's passwd" "65534" \
	"$JAIL" -u nobody -c name=${N}u4 path="$R" command=id -u
for n in u1 u2 u3 u4; do check "nothing left of ${N}$n" "" traces ${N}$n; done

# --- depend: three jails, file order not dependency order ---
cat >"$T/dep.conf" <<EOF
\$log = "$LOG";
path = "$R";
persist;
$(hooks)
$Z { depend = $Y; }
$Y { depend = $X; }
$X { }
EOF
check_rc "jail -c of the last jail starts its dependencies" 0 "$JAIL" -f "$T/dep.conf" -c $Z
check "dependencies start first, each through exec.poststart" \
	"$X prepare $X poststart $Y prepare $Y poststart $Z prepare $Z poststart" \
	sh -c "grep -E '^(prepare|poststart)' '$LOG' | awk '{print \$3, \$1}' | tr '\n' ' ' | sed 's/ \$//'"
: >"$LOG"
check_rc "jail -r of the last jail stops only it" 0 "$JAIL" -f "$T/dep.conf" -r $Z
check_rc "jail -c of a jail whose dependencies run" 0 "$JAIL" -f "$T/dep.conf" -c $Z
check "running dependencies are left alone" "$Z prestop $Z prepare" \
	sh -c "grep -E '^(prepare|prestop)' '$LOG' | awk '{print \$3, \$1}' | tr '\n' ' ' | sed 's/ \$//'"
: >"$LOG"
check_rc "jail -r of the first jail" 0 "$JAIL" -f "$T/dep.conf" -r $X
check "dependants stop first, each through exec.release" \
	"$Z prestop $Z release $Y prestop $Y release $X prestop $X release" \
	sh -c "grep -E '^(prestop|release)' '$LOG' | awk '{print \$3, \$1}' | tr '\n' ' ' | sed 's/ \$//'"
for n in $X $Y $Z; do check "$n is gone" "" traces $n; done
: >"$LOG"
check_rc "jail -c with no name starts every configured jail" 0 "$JAIL" -f "$T/dep.conf" -c
check "every jail runs" "3" sh -c "'$JLS' -n name | grep -c '$N'"
check_rc "jail -r with no name is a usage error (FreeBSD)" 1 "$JAIL" -f "$T/dep.conf" -r
check_match "... that prints the usage" "^usage: jail" "$JAIL" -f "$T/dep.conf" -r
check "... and removes nothing" "3" sh -c "'$JLS' -n name | grep -c '$N'"
check_rc "jail -r '*' removes every jail" 0 "$JAIL" -f "$T/dep.conf" -r '*'
check "... all of them" "0" sh -c "'$JLS' -n name | grep -c '$N'"
: >"$LOG"

# --- all jails (no name, '*') skip running ones on create (JF_WILD) ---
check_rc "only $X runs" 0 "$JAIL" -f "$T/dep.conf" -c $X
: >"$LOG"
check "jail -c with no name: $X is left alone, silently" "" "$JAIL" -f "$T/dep.conf" -c
check "... the others start, in depend order" "$Y prepare $Z prepare" \
	sh -c "grep -E '^prepare' '$LOG' | awk '{print \$3, \$1}' | tr '\n' ' ' | sed 's/ \$//'"
check "... all three run" "3" sh -c "'$JLS' -n name | grep -c '$N'"
: >"$LOG"
check "jail -c '*' with every jail running: nothing to do, no error" "" "$JAIL" -f "$T/dep.conf" -c '*'
log_is "... and no hook ran" ""
check_rc "jail -rc '*' restarts every configured jail" 0 "$JAIL" -f "$T/dep.conf" -rc '*'
check "... dependants stop first, dependencies start first" \
	"$Z prestop $Y prestop $X prestop $X prepare $Y prepare $Z prepare" \
	sh -c "grep -E '^(prestop|prepare)' '$LOG' | awk '{print \$3, \$1}' | tr '\n' ' ' | sed 's/ \$//'"
"$JAIL" -f "$T/dep.conf" -r $Y >/dev/null 2>&1
: >"$LOG"
check_rc "jail -rc with no name: the absent ones are only started" 0 "$JAIL" -f "$T/dep.conf" -rc
check "... $X stopped and started, $Y and $Z started" \
	"$X prestop $X prepare $Y prepare $Z prepare" \
	sh -c "grep -E '^(prestop|prepare)' '$LOG' | awk '{print \$3, \$1}' | tr '\n' ' ' | sed 's/ \$//'"
"$JAIL" -f "$T/dep.conf" -r '*' >/dev/null 2>&1
for n in $X $Y $Z; do check "$n is gone" "" traces $n; done
: >"$LOG"

# --- a child jail depends on its parent (FreeBSD's implied dependency) ---
P=${N}p
MADE="$MADE $P.kid $P"
mkroot "$R/jails/kid"
cat >"$T/parent.conf" <<EOF
\$log = "$LOG";
persist;
$(hooks)
$P.kid { path = "$R/jails/kid"; }
$P { path = "$R"; children.max = 2; }
EOF
order() { grep -E "^($1) " "$LOG" | awk '{print $3, $1}' | tr '\n' ' ' | sed 's/ $//'; }
: >"$LOG"
check_rc "jail -c of a child written before its parent" 0 "$JAIL" -f "$T/parent.conf" -c
check "the parent starts first" "$P prepare $P poststart $P.kid prepare $P.kid poststart" order "prepare|poststart"
: >"$LOG"
check_rc "jail -r of the parent" 0 "$JAIL" -f "$T/parent.conf" -r $P
check "the child stops first, through its own hooks" \
	"$P.kid prestop $P.kid release $P prestop $P release" order "prestop|release"
: >"$LOG"
check_rc "jail -c of the child alone" 0 "$JAIL" -f "$T/parent.conf" -c $P.kid
check "... starts its parent first" "$P prepare $P poststart $P.kid prepare $P.kid poststart" order "prepare|poststart"
: >"$LOG"
check_rc "jail -r of the child alone" 0 "$JAIL" -f "$T/parent.conf" -r $P.kid
check "... leaves the parent running" "$P" sh -c "'$JLS' -N -n name | grep -o 'name=$P[^ ]*'| sed 's/name=//'"
"$JAIL" -f "$T/parent.conf" -r $P >/dev/null 2>&1
check "nothing left of the parent" "" traces $P
check "nothing left of the child" "" traces $P.kid
rm -rf "$R/jails"
: >"$LOG"

# --- depend= on the command line: the jails must run (FreeBSD) ---
MADE="$MADE ${N}d ${N}e"
check_match "jail -c ... depend=NOSUCH fails" "depends on nonexistent jail \"nosuch$$\"" \
	"$JAIL" -c name=${N}d path="$R" persist depend=nosuch$$
check "... and creates nothing" "" traces ${N}d
"$JAIL" -c name=${N}e path="$R" persist >/dev/null
check_rc "jail -c ... depend=RUNNING succeeds" 0 "$JAIL" -c name=${N}d path="$R" persist depend=${N}e
"$JAIL" -r ${N}d >/dev/null 2>&1; "$JAIL" -r ${N}e >/dev/null 2>&1
check "nothing left of them" "" eval "traces ${N}d; traces ${N}e"

# --- -r with a wildcard: a non-final '*' is one name component ---
MADE="$MADE ${N}w.kid ${N}w"
mkroot "$R/jails/kid"
"$JAIL" -c name=${N}w path="$R" children.max=1 persist >/dev/null
"$JAIL" -c name=${N}w.kid path="$R/jails/kid" persist >/dev/null
check_rc "jail -r '*.kid'" 0 "$JAIL" -f "$T/dep.conf" -r '*.kid'
check "... removes the child" "" traces ${N}w.kid
check_rc "... and leaves the parent" 0 "$JLS" -j ${N}w
"$JAIL" -r ${N}w >/dev/null 2>&1
rm -rf "$R/jails"
check "nothing left of them" "" eval "traces ${N}w; traces ${N}w.kid"

# --- a depend cycle: named, nothing runs ---
cat >"$T/cycle.conf" <<EOF
\$log = "$LOG";
path = "$R";
$(hooks)
$X { depend = $Y; }
$Y { depend = $Z; }
$Z { depend = $X; }
EOF
check_match "a depend cycle is an error that names it" \
	"depend cycle: $X -> $Y -> $Z -> $X" "$JAIL" -f "$T/cycle.conf" -c $X
check_rc "... and exits non-zero" 1 "$JAIL" -f "$T/cycle.conf" -c
log_is "... and runs nothing" ""
check_match "depend on an unknown jail is an error" "not a configured jail" \
	sh -c "printf '$X { path = \"$R\"; depend = nosuch$$; }\n' | '$JAIL' -f - -c"

# --- jail -e: round trip through the parser ---
"$JAIL" -f "$T/life.conf" -e ';' >"$T/e1" 2>&1
# FreeBSD's form: name=value, quoted only when needed ('"' or '\''), a
# boolean's name alone
check_match "jail -e prints the jail's parameters joined by SEP, as FreeBSD's" \
	"^name=$A;path=$R;persist;.*;exec\.prepare\+=\"echo prepare .*;host\.hostname=$A\.test\$" cat "$T/e1"
while IFS= read -r line; do
	name=$(printf '%s\n' "$line" | sed 's/^name=\([^;]*\);.*/\1/')
	printf '"%s" { %s; }\n' "$name" "$line"
done <"$T/e1" >"$T/rt.conf"
"$JAIL" -f "$T/rt.conf" -e ';' >"$T/e2" 2>&1
check "jail -e output parses back to the same jails" "" diff "$T/e1" "$T/e2"
check "jail -f - reads standard input" "name=$A persist" \
	sh -c "printf '$A { persist; }\n' | '$JAIL' -f - -e ' '"
check "jail -e of several jails: one line each" "3" sh -c "'$JAIL' -f '$T/dep.conf' -e , | grep -c ''"

# --- malformed files: file:line:col, nothing created, no hook ran ---
cat >"$T/bad.conf" <<EOF
\$log = "$LOG";
$(hooks)
$A { path = "$R"; persist; }
$B {
	path = "$R";
	host.hostname = ;
}
EOF
check_match "a syntax error gives file:line:col" "$T/bad.conf:[0-9]+:[0-9]+: " "$JAIL" -f "$T/bad.conf" -c
check_match "... of the right place" "bad.conf:12:18: " "$JAIL" -f "$T/bad.conf" -c $A
cat >"$T/bad2.conf" <<EOF
\$log = "$LOG";
$(hooks)
$A { path = "$R"; persist; }
$B { path = "$R"; allow.frobnicate; }
EOF
check_match "an unknown parameter in a later jail: its position" \
	"bad2.conf:10:[0-9]+: .*allow\.frobnicate" "$JAIL" -f "$T/bad2.conf" -c
check_match "an undefined variable: its position" "stdin>:1:[0-9]+: undefined variable \\\$nope" \
	sh -c "printf '$A { path = \"\$nope\"; }\n' | '$JAIL' -f - -c"
check_match "depend on an unknown jail: the depend statement's position" \
	"<stdin>:2:2: depend: \"nosuch$$\" is not a configured jail" \
	sh -c "printf '$X {\n\tdepend = nosuch$$;\n\tpath = \"$R\";\n}\n' | '$JAIL' -f - -c"
check_match "a jail without path: its block's position" "<stdin>:2:1: path= is required" \
	sh -c "printf '# no path\n$X { persist; }\n' | '$JAIL' -f - -c"
check_match "a missing mount.fstab file: the statement's position" \
	"<stdin>:3:2: mount.fstab $T/nofstab: No such file" \
	sh -c "printf '$X {\n\tpath = \"$R\";\n\tmount.fstab = \"$T/nofstab\";\n}\n' | '$JAIL' -f - -c"
check "nothing was created for them" "" traces $X
check "no jail was created" "" traces $A
check "no jail was created (2)" "" traces $B
log_is "no hook ran for a bad file" ""

# --- a block cannot rename its jail (FreeBSD: name is immutable) ---
printf '%s\n' "$A {" "	path = \"$R\"; persist;" "	name = $B;" "}" >"$T/rename.conf"
check_match "name = OTHER in a block: an error at its position" \
	"rename.conf:3:2: cannot redefine parameter \"name\"" "$JAIL" -f "$T/rename.conf" -c $A
check "... neither jail was created" "" eval "traces $A; traces $B"
printf '%s\n' "* { name = $B; }" "$A { path = \"$R\"; persist; }" >"$T/rename2.conf"
check_match "... also from a wildcard block" \
	"rename2.conf:1:5: cannot redefine parameter \"name\"" "$JAIL" -f "$T/rename2.conf" -c $A
check "... nothing was created" "" eval "traces $A; traces $B"

# --- mount / mount.fstab: validated, mounting not supported yet ---
printf '%s\n' "tmpfs $R/tmp tmpfs rw 0 0" "proc $R/proc" >"$T/fstab"
check_match "a malformed fstab line: file:line" "$T/fstab:2: expected fs_vfstype" \
	sh -c "printf '$A { path = \"$R\"; mount.fstab = \"$T/fstab\"; }\n' | '$JAIL' -f - -c"
check_match "a mount point outside the jail is refused" "not below the jail's path" \
	sh -c "printf '$A { path = \"$R\"; mount = \"tmpfs /etc/x tmpfs rw\"; }\n' | '$JAIL' -f - -c"
check "nothing created for bad mount lines" "" traces $A
printf '%s\n' "# the jail's /tmp" "" "tmpfs $R/tmp tmpfs rw,size=1m 0 0" >"$T/fstab"
check_rc "mount.fstab and mount lines are mounted inside the jail" 0 \
	sh -c "printf '$A { path = \"$R\"; persist; mount.fstab = \"$T/fstab\"; mount += \"tmpfs $R/home tmpfs ro\"; }\n' | '$JAIL' -f - -c"
check "... seen inside, mount before mount.fstab" "tmpfs /home tmpfs ro
tmpfs /tmp tmpfs rw" sh -c "'$JEXEC' $A cat /proc/mounts | awk '\$2 == \"/tmp\" || \$2 == \"/home\" {print \$1, \$2, \$3, substr(\$4, 1, 2)}'"
check "... and not on the host" "" sh -c "grep ' $R/' /proc/mounts"
"$JAIL" -r $A >/dev/null 2>&1

# --- jls -s output is jail.conf parameter text ---
"$JAIL" -c name=${A}s path="$R" host.hostname="s.example" "meta.note=two words; \$x" \
	ip4.addr=192.0.2.7 allow.noset_hostname securelevel=1 persist >/dev/null
MADE="$MADE ${A}s ${A}t"
spec=$("$JLS" -s -j ${A}s)
# each "name=value" word becomes a statement of a block for another jail
python3 - "$spec" "${A}t" >"$T/from-jls.conf" <<'PY'
import re, sys
# a word is name, name=value or name="quoted value" (jls -s quotes as
# jail.conf does, so a quoted value is copied as it is)
words = [m.group(0) for m in
	 re.finditer(r'[^\s=]+(?:=(?:"(?:[^"\\]|\\.)*"|\S*))?', sys.argv[1])
	 if not m.group(0).startswith("name=")]
print(sys.argv[2] + " {")
for w in words:
    print("  " + w.replace("=", " = ", 1) + ";")
print("}")
PY
check_rc "a jail.conf made of jls -s output creates a jail" 0 "$JAIL" -f "$T/from-jls.conf" -c ${A}t
check "... with the same parameters" "$(printf '%s' "$spec" | sed "s/^name=${A}s /name=${A}t /")" "$JLS" -s -j ${A}t
"$JAIL" -r ${A}t >/dev/null 2>&1; "$JAIL" -r ${A}s >/dev/null 2>&1

# --- -h -l -n -s -u -U are parameters of a command-line jail ---
MADE="$MADE ${N}v"
printf '%s\n' "${N}v { path = \"$R\"; command = \"id -u\"; }" >"$T/u1.conf"
for o in "-U user" "-u nobody" "-l" "-n ${N}w" "-s 1" "-h"; do
	check_rc "jail $o with a configuration: a usage error" 1 \
		"$JAIL" $o -f "$T/u1.conf" -c ${N}v
done
check_match "... that names the option" "^jail: -U sets a parameter.*usage: jail" \
	sh -c "'$JAIL' -U user -f '$T/u1.conf' -c ${N}v 2>&1 | tr '\n' ' '"
check_rc "... also with -r" 1 "$JAIL" -u nobody -f "$T/u1.conf" -r ${N}v
check "... and nothing ran" "" traces ${N}v
check "with param=value they still apply (-U user)" "1000" \
	"$JAIL" -U user -c name=${N}v path="$R" command=id -u
check "-U after -u: the jail's passwd again (exec.system_jail_user cleared)" \
	"1000" "$JAIL" -u nobody -U user -c name=${N}v path="$R" command=id -u

# --- -J, -p, usage ---
check_rc "-p N is accepted" 0 "$JAIL" -p 2 -J "$T/jfile" -f "$T/life.conf" -c $A
check_match "-J writes the created jail's parameters" "name=$A " cat "$T/jfile"
"$JAIL" -f "$T/life.conf" -r $A >/dev/null 2>&1
check_match "a jail that is not in the file" "jail \"${N}n\" is not in the configuration" \
	sh -c "printf '$A { path = \"$R\"; }\n' | '$JAIL' -f - -c ${N}n"
check_match "an empty configuration is an error" "no jail is configured" sh -c "printf '# nothing\n' | '$JAIL' -f - -c"
check_rc "-p needs a number" 1 "$JAIL" -p x -f "$T/life.conf" -c $A
check_match "usage lists -f, -e, -C" "-f conf_file.*-e separator.*-C" sh -c "'$JAIL' --help | tr '\n' ' '"

finish
