#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# jail(8), jls(8), jexec(8): every command and flag, bad input, and the
# repair of what a killed command left.
. "$(dirname "$0")/lib.sh"

# were there cell jails on this host before us? (then cell/ stays)
cell_cg_before=$(ls -d /sys/fs/cgroup/*/cell /sys/fs/cgroup/cell 2>/dev/null)
R=$T/root
mkroot "$R"
N=cli$$
MADE="$N ${N}b ${N}c ${N}d ${N}e ${N}f ${N}g ${N}n ${N}p"

# --- jail -c with a command: runs, returns its status, leaves nothing ---
check "jail -c command= runs in the jail" "hello $N.test" \
	"$JAIL" -c name=$N path="$R" host.hostname=$N.test \
	command=/bin/sh -c 'echo hello $(hostname)'
check_rc "jail -c returns the command's status" 7 \
	"$JAIL" -c name=$N path="$R" command=/bin/sh -c 'exit 7'
check "non-persistent jail leaves no trace" "" traces $N
# a persistent one stays after its command (init ends early only when
# told it is not persistent)
check_rc "jail -c persist command=" 0 "$JAIL" -c name=${N}p path="$R" persist command=/bin/true
check "... the jail stands after its command" "ok" "$JEXEC" ${N}p echo ok
check_rc "... and goes with jail -r" 0 "$JAIL" -r ${N}p
# its creator removes an ended jail by jid, and only if the record is
# still that jail's: here, while the creator waits before the lock, the
# ended jail is repaired away (jls: a full repair) and a newcomer takes
# its jid. With a failing command the same holds for the failed start's
# undo.
newcomer_stands() {  # COMMAND WHAT
	CELL_TEST_PAUSE_AT=ended-before-lock:1500 "$JAIL" -i -c name=${N}f \
		path="$R" command="$1" >"$T/f.jid" 2>/dev/null &
	local fpid=$! gjid
	sleep 0.5
	"$JLS" >/dev/null 2>&1
	gjid=$("$JAIL" -i -c name=${N}g path="$R" persist)
	wait $fpid
	check "$2: the newcomer has the ended jail's jid" "$(cat "$T/f.jid")" echo "$gjid"
	check "$2: its creator leaves the newcomer standing" "${N}g" "$JLS" -j "$gjid" -q name
	check_rc "$2: the newcomer goes with jail -r" 0 "$JAIL" -r ${N}g
	check "$2: the ended jail left no trace" "" traces ${N}f
}
newcomer_stands /bin/true "an ended command"
newcomer_stands /bin/false "a failed command"
MADE="$MADE ${N}o ${N}cg $(seq -f "${N}e%g" 13 | tr '\n' ' ') ${N}p1.c ${N}p1"
# a jail that ended on its own (persist cleared, no process left) is
# reclaimed by a create of its name at once, by any create once the last
# full repair is a second old (CELL_REPAIR_INTERVAL_MS), by jls always;
# until then it holds its jid, and no command shows or enters it
ended() { "$JAIL" -c name=$1 path="$R" persist >/dev/null &&
	"$JAIL" -m name=$1 nopersist >/dev/null; sleep 0.3; }
"$JLS" >/dev/null   # a full repair now: the next second's creates are not
ended ${N}e1
check "an ended jail is shown by no command" "" sh -c "'$JLS' -n name | grep -w ${N}e1"
check_rc "... nor entered" 1 "$JEXEC" ${N}e1 true
check_match "... its name is free at once: the create reclaims it" "^[0-9]+$" \
	"$JAIL" -i -c name=${N}e1 path="$R" persist
"$JAIL" -r ${N}e1 >/dev/null
"$JLS" >/dev/null
ended ${N}e2
"$JAIL" -c name=${N}e3 path="$R" persist >/dev/null
left=$(traces ${N}e2 | grep -c .)
check "... a create of another name within the second leaves it (record, cgroup)" \
	"2" echo "$left"
sleep 1.1
"$JAIL" -c name=${N}e4 path="$R" persist >/dev/null
check_clean "... one a second later reclaims it (record, cgroup)" ${N}e2
"$JAIL" -r ${N}e3 >/dev/null; "$JAIL" -r ${N}e4 >/dev/null
ended ${N}e5
"$JLS" >/dev/null
check_clean "... and so does jls at once" ${N}e5
# ... but a create that takes what an ended jail may hold repairs every
# ended jail first, else the later teardown would take it back:
# a jid of its choosing, a cell.cgroup of its choosing (found existing)
"$JLS" >/dev/null
ended ${N}e6
jid6=$(sed -n 's/^jid=//p' $(grep -l "^name=${N}e6\$" "$CELL_RUN_DIR"/jails/[0-9]*))
check_match "... the ended jail's jid, asked for, is given at once" "^$jid6\$" \
	"$JAIL" -i -c name=${N}e7 path="$R" jid=$jid6 persist
"$JAIL" -r ${N}e7 >/dev/null
"$JLS" >/dev/null
"$JAIL" -c name=${N}e8 path="$R" cell.cgroup=cell/${N}cg persist >/dev/null &&
	"$JAIL" -m name=${N}e8 nopersist >/dev/null; sleep 0.3
check_rc "... its cell.cgroup, asked for, is given at once" 0 \
	"$JAIL" -c name=${N}e9 path="$R" cell.cgroup=cell/${N}cg persist
sleep 1.1
"$JAIL" -c name=${N}e10 path="$R" persist >/dev/null
check "... and a full repair later leaves the new jail whole" "ok" \
	"$JEXEC" ${N}e9 echo ok
"$JAIL" -r ${N}e9 >/dev/null; "$JAIL" -r ${N}e10 >/dev/null
# a cell.cgroup below an ended jail's cgroup: that jail goes first, else
# its later teardown (a kill of its subtree) would take the new one along
"$JLS" >/dev/null
ended ${N}e11
check_rc "... a cell.cgroup below an ended jail's cgroup is given at once" 0 \
	"$JAIL" -c name=${N}e12 path="$R" cell.cgroup=cell/${N}e11/x persist
sleep 1.1
"$JAIL" -c name=${N}e13 path="$R" persist >/dev/null
check "... and a full repair later leaves that jail whole" "ok" \
	"$JEXEC" ${N}e12 echo ok
"$JAIL" -r ${N}e12 >/dev/null; "$JAIL" -r ${N}e13 >/dev/null
check_clean "... nothing left of the ended one" ${N}e11
# children.max counts the children that run, not one that ended
mkroot "$R/jails/kid"
"$JAIL" -c name=${N}p1 path="$R" children.max=1 persist >/dev/null
"$JAIL" -c name=${N}p1.c path="$R/jails/kid" persist >/dev/null &&
	"$JAIL" -m name=${N}p1.c nopersist >/dev/null; sleep 0.3
check_rc "children.max=1 with its child ended: a new child is made" 0 \
	"$JAIL" -c name=${N}p1.c path="$R/jails/kid" persist
# jail -r of a child and its parent, the child named first or last: the
# child goes first (FreeBSD's implied dependency on the parent), also for
# running jails no configuration has
check "jail -r CHILD PARENT: the child first, both removed" \
	"${N}p1.c: removed ${N}p1: removed rc=0" \
	sh -c "echo \$('$JAIL_BIN' -r ${N}p1.c ${N}p1 2>&1) rc=\$?"
"$JAIL" -c name=${N}p1 path="$R" children.max=1 persist >/dev/null
"$JAIL" -c name=${N}p1.c path="$R/jails/kid" persist >/dev/null
check "jail -r PARENT CHILD: the same" \
	"${N}p1.c: removed ${N}p1: removed rc=0" \
	sh -c "echo \$('$JAIL_BIN' -r ${N}p1 ${N}p1.c 2>&1) rc=\$?"
rm -rf "$R/jails"
check_clean "... nothing left of the parent" ${N}p1
check_clean "... nor of the child" ${N}p1.c
check "the command is pid 2 under the jail's init" "2" \
	"$JAIL" -c name=$N path="$R" command=/bin/sh -c 'echo $$'
# command= alone is forked by the jail's init (no attach); with an
# exec.start before it, it takes the attach path: both behave the same
check "the forked command's host name changes are answered" "renamed" \
	"$JAIL" -c name=$N path="$R" command=/bin/sh -c 'hostname renamed; hostname'
check "... and refused for a non-root user" "refused" \
	"$JAIL" -c name=$N path="$R" exec.jail_user=user \
	command=/bin/sh -c 'hostname x 2>/dev/null || echo refused'
check "exec.start then command= (attach path)" "$(printf 'start\ncmd 3')" \
	"$JAIL" -c name=$N path="$R" "exec.start=echo start" \
	command=/bin/sh -c 'echo cmd $$'
check_match "a missing command is named" "command: /nonexistent: No such file" \
	"$JAIL" -c name=$N path="$R" command=/nonexistent
check "... and leaves no trace" "" traces $N

# --- persist, -i, -J, jls, jexec ---
jid=$("$JAIL" -i -c name=$N path="$R" host.hostname=$N.test \
	ip4.addr=192.0.2.10 persist meta.owner=alice osrelease=13.2-RELEASE)
if [ -n "$jid" ] && [ "$jid" -gt 0 ] 2>/dev/null; then ok "jail -i prints the jid ($jid)"; else not_ok "jail -i printed '$jid'"; fi
check_match "jls default columns" "^ +$jid  192\.0\.2\.10 +$N\.test +$R\$" "$JLS"
check_match "jls header" "^   JID  IP Address      Hostname +Path" "$JLS"
check_match "jls -q keeps the header (FreeBSD: -q only quotes)" \
	"^   JID  IP Address      Hostname +Path" "$JLS" -q
check "jls -N: FreeBSD's layout (name in 15 columns)" \
	"$(printf ' %-15s %-15s %-29s %s\n %-15s %-15s %-29s %s' JID \
		'IP Address' Hostname Path $N 192.0.2.10 $N.test "$R")" \
	sh -c "'$JLS' -N -j $N"
check_match "jls -v -N still shows the jid first (FreeBSD)" "^ +$jid  $N\.test " \
	"$JLS" -v -N -j $N
check "jls -n prints a boolean as its name (FreeBSD)" "name=$N persist" "$JLS" -n -j $N name persist
check "... or as its no name" "allow.nomount" "$JLS" -n -j $N allow.mount
check "jls params, no -n" "$N $N.test" "$JLS" -j $N name host.hostname
NJID=$("$JLS" -j $N jid)
check "jls -j 0JID: a number is a jid, as FreeBSD's strtoul reads it" "$N" \
	"$JLS" -j "0$NJID" name
check "jls -a is -d, as FreeBSD's" "$("$JLS" -d -j $N)" "$JLS" -a -j $N
# meta.KEY / env.KEY (FreeBSD 15): "KEY=" empties it, "KEY" without "="
# removes it; jls prints one key's value and -s keeps them all
MADE="$MADE ${N}m"
"$JAIL" -c name=${N}m path="$R" persist meta.a=1 "meta.b=two words" env.x=y
check "jls meta.KEY env.KEY: one key's value" '1 two words "" y' \
	"$JLS" -j ${N}m meta.a meta.b meta.c env.x
check_match "jls -s keeps meta and env" 'meta.a=1 meta.b="two words" env.x=y' "$JLS" -j ${N}m -s
"$JLS" -j ${N}m -s >"$T/m.s"
check "jls --libxo json -n: valid JSON, meta as FreeBSD's KEY=value lines" "a=1|b=two words|" \
	sh -c "'$JLS' --libxo json -n -j ${N}m | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"jail-information\"][\"jail\"][0][\"meta\"].replace(chr(10),\"|\"))'"
check_rc "jail -m meta.a (no =) removes the key" 0 "$JAIL" -m name=${N}m meta.a "meta.b="
check "... gone, and meta.b empty" 'meta.a="" meta.b=""' "$JLS" -j ${N}m -n meta.a meta.b
check_match "... jls -s no longer has meta.a" '^[^a]*meta.b="" env.x=y' sh -c "'$JLS' -j ${N}m -s | grep -o 'meta.*'"
"$JAIL" -r ${N}m
check_rc "jls -s given back to jail -c" 0 sh -c "eval \"'$JAIL' -c \$(cat '$T/m.s')\""
check "... the same jail again" "$(cat "$T/m.s")" "$JLS" -j ${N}m -s
"$JAIL" -r ${N}m
check_clean "... nothing left" ${N}m
check "jls: an empty string is \"\", an empty list - (FreeBSD)" "$N \"\" - $N.test" \
	"$JLS" -j $N name host.domainname ip6.addr host.hostname
check "... with -n, an empty list is empty" 'host.domainname="" ip6.addr=' \
	"$JLS" -n -j $N host.domainname ip6.addr
check_match "jls -h header of names" "^name path" "$JLS" -h -j $N name path
check_match "jls -v" "ACTIVE" "$JLS" -v
check_match "jls -n -v: the last format wins (FreeBSD)" "ACTIVE" "$JLS" -n -v -j $N
check_match "jls -v -n: ... here -n" "^jid=$jid name=$N " "$JLS" -v -n -j $N
check_match "jls --libxo json" "\"jail-information\": \{\"jail\": \[\{\"jid\":$jid,\"ipv4\":\"192.0.2.10\",\"hostname\":\"$N.test\"" "$JLS" --libxo json
check_match "jls -s is jail(8) parameter text" "^name=$N .*persist .*allow\.noraw_sockets" "$JLS" -s -j $N
# jls -s output creates an equivalent jail
spec=$("$JLS" -s -j $N)
eval "set -- $spec"
shift # drop name=
check_rc "jail -c accepts jls -s output" 0 "$JAIL" -c name=${N}b "$@" nopersist command=/bin/true
check_match "jls -s keeps a set parameter without Linux meaning" \
	" osrelease=13\.2-RELEASE( |\$)" echo "$spec"
"$JAIL" -c name=${N}b "$@" >/dev/null 2>&1
check "... and jls -s of a jail made from it is the same" "${spec#* }" \
	sh -c "'$JLS' -s -j ${N}b | cut -d' ' -f2-"
"$JAIL" -r ${N}b >/dev/null 2>&1
check_rc "jls -j unknown jail fails" 1 "$JLS" -j no-such-jail$$
check "jexec runs by name" "$N.test" "$JEXEC" $N hostname
check "jexec runs by jid" "$N.test" "$JEXEC" $jid hostname
check "jexec -U user (jail passwd)" "uid=1000(user) gid=1000(user) groups=50(staff),1000(user)" "$JEXEC" -U user $N id
check_rc "jexec -U unknown user fails" 1 "$JEXEC" -U nosuchuser $N id
check_match "jexec -u with -U is a usage error (FreeBSD)" "^usage: jexec" \
	"$JEXEC" -u root -U user $N id
check_rc "... exit status 1" 1 "$JEXEC" -u root -U user $N id
check_match "jexec -u user (host passwd)" "^uid=65534" "$JEXEC" -u nobody $N id
# a host user the files service does not know: the static jexec once let
# glibc dlopen libnss_systemd (nsswitch.conf's "files systemd") and
# crashed with SIGSEGV; now a clean refusal (lib/hostuser.c)
check "jexec -u unknown host user: refused, no crash" \
	"no such user on the host" \
	sh -c '"$0" -u "nosuchuser$1" "$2" id 2>&1 | grep -o "no such user on the host"' \
	"$JEXEC" $$ $N
check_rc "... exit status 1 (a crash is 139)" 1 "$JEXEC" -u nosuchuser$$ $N id
# getent reads any key strtoul takes whole as a uid: "+0" is root to it,
# and must not be to jexec
check_rc "jexec -u +0 (no such user; getent's uid 0): refused" 1 \
	"$JEXEC" -u +0 $N id
# ... and one only another service knows comes from getent(1): nobody
# with a passwd file that lacks it, in a mount namespace of the test's
# (nss_systemd makes nobody up when "files" has none)
grep -v '^nobody:' /etc/passwd >"$T/passwd.nonobody"
if unshare -m sh -c "mount --bind $T/passwd.nonobody /etc/passwd &&
		getent passwd nobody" >/dev/null 2>&1; then
	check_match "jexec -u user known to NSS only (getent)" "^uid=65534" \
		unshare -m sh -c "mount --bind $T/passwd.nonobody /etc/passwd &&
			exec \"$JEXEC\" -u nobody $N id"
else
	echo "# SKIP jexec -u user known to NSS only: no NSS service here knows nobody without /etc/passwd"
fi
check "jexec -d dir" "/tmp" "$JEXEC" -d /tmp $N sh -c pwd
check "jexec -e name=value" "bar" "$JEXEC" -e FOO=bar $N sh -c 'echo $FOO'
check "jexec -l clean environment" "/root /bin:/usr/bin:/sbin:/usr/sbin -" "$JEXEC" -l $N sh -c 'echo $HOME $PATH ${FOO:--}'
check_rc "jexec returns the status" 3 "$JEXEC" $N sh -c 'exit 3'
check_rc "jexec of a missing program: 127" 127 "$JEXEC" $N /bin/nonexistent
check_rc "jexec to a missing jail fails" 1 "$JEXEC" no-such-jail$$ true
check "jexec'd processes share the jail's pid namespace" "1" \
	"$JEXEC" $N sh -c 'ps -o pid | grep -c "^ *1$"'
check "jail -J writes the parameters" "1" sh -c "'$JAIL' -J '$T/jfile' -c name=${N}c path='$R' persist >/dev/null && grep -c 'name=${N}c' '$T/jfile'"

# --- jail -m ---
check_rc "jail -m host.hostname" 0 "$JAIL" -m name=$N host.hostname=changed.test
check "hostname changed inside" "changed.test" "$JEXEC" $N hostname
check_match "jail -m of a create-only parameter is refused" "cannot be changed on a running jail" "$JAIL" -m name=$N allow.raw_sockets
check_match "securelevel can only rise" "may only be raised" sh -c "'$JAIL' -m name=$N securelevel=1 && '$JAIL' -m name=$N securelevel=0"
# -mr rebuilds the jail from its record and the words given: a list of
# commands stays a list (joined with commas it ran as one command)
"$JAIL" -c name=${N}mr path="$R" persist 'exec.poststart=echo a,b' \
	'exec.poststart+=echo c' >/dev/null 2>&1
check "jail -mr keeps two commands two" "x y" sh -c "'$JAIL' -mr \
	name=${N}mr 'exec.poststart=echo x' 'exec.poststart+=echo y' \
	sysvshm=new 2>&1 | tr '\n' ' ' | sed 's/ \$//'"
"$JAIL" -r ${N}mr >/dev/null 2>&1
# a jail with a process lives on without persist; an empty one ends, as
# FreeBSD's does (its init a zombie until its adopter reaps it: ended)
"$JEXEC" ${N}c /bin/sh -c 'sleep 30 >/dev/null 2>&1 </dev/null &'
check_rc "jail -m nopersist keeps a jail with processes" 0 "$JAIL" -m name=${N}c nopersist
check "... it still runs" "ok" "$JEXEC" ${N}c echo ok
"$JAIL" -c name=${N}n path="$R" persist >/dev/null
"$JAIL" -m name=${N}n nopersist
for i in $(seq 50); do "$JLS" -j ${N}n >/dev/null 2>&1 || break; sleep 0.02; done
check "jail -m nopersist ends an empty jail" "" sh -c "'$JLS' -q name | grep -x '${N}n'"
check "... and leaves no trace" "" traces ${N}n

# --- jail -r / -R ---
check_rc "jail -r by name" 0 "$JAIL" -r $N
check "removed jail leaves no trace" "" traces $N
check_rc "jail -r of a missing jail fails" 1 "$JAIL" -r $N
check_rc "jail -R by name" 0 "$JAIL" -R ${N}c
"$JAIL" -c name=${N}d path="$R" persist >/dev/null
check_rc "jail -r '*'" 0 "$JAIL" -r '*'
check "jail -r '*' removed everything" "" "$JLS" -q -n name

# --- a jail made without a name: FreeBSD names it by its jid ---
uj=$("$JAIL" -i -c path="$R" persist 2>&1)
check_match "an unnamed jail is made (jail -i prints its jid)" "^[0-9]+$" echo "$uj"
check "... jls names it by its jid, as FreeBSD's does" "$uj" "$JLS" -j "$uj" name
check_rc "... and jail -r JID removes it" 0 "$JAIL" -r "$uj"
check "... record and cgroup gone" "" \
	sh -c "ls -d /sys/fs/cgroup/*/cell/$uj '$CELL_RUN_DIR'/jails/$uj 2>/dev/null"
check "jail -r of a jid no jail has: not found, as FreeBSD says it" \
	"jail: jail \"$uj\" not found" "$JAIL" -r "$uj"

# --- the legacy form: path hostname ip command ---
check "legacy jail path hostname ip command" "legacy.test" \
	"$JAIL" "$R" legacy.test 192.0.2.11 /bin/hostname
# mixed families: each address to its own family (FreeBSD: inet_pton)
check_rc "legacy form with IPv4 and IPv6 addresses" 0 \
	"$JAIL" -J "$T/legacy.j" "$R" legacy.test 127.0.0.7,::1,192.0.2.12 /bin/true
check_match "... each to its family" "ip4.addr=127.0.0.7,192.0.2.12 ip6.addr=::1( |\$)" \
	cat "$T/legacy.j"
check_match "... an empty one is an error (not a cleared list)" \
	"empty address" "$JAIL" "$R" legacy.test 127.0.0.7,,::1 /bin/true

# --- bad input: one-line error, non-zero, nothing left ---
check_match "unknown parameter is named" "unknown parameter: allow\.frobnicate" "$JAIL" -c name=${N}e path="$R" allow.frobnicate command=/bin/true
check_match "bad value is named" "securelevel: expected an integer" "$JAIL" -c name=${N}e path="$R" securelevel=high command=/bin/true
check_match "missing path" "no such directory" "$JAIL" -c name=${N}e path="$T/missing" command=/bin/true
long=/$(printf 'd%.0s' $(seq 1023))
check_match "a path longer than FreeBSD's MAXPATHLEN is refused" \
	"path: value longer than 1023 bytes" \
	"$JAIL" -c name=${N}e path="$long" command=/bin/true
check_match "path not a directory" "not a directory" "$JAIL" -c name=${N}e path=/etc/passwd command=/bin/true
check_match "unknown user" "nosuchuser: no such user" "$JAIL" -c name=${N}e path="$R" exec.jail_user=nosuchuser command=/bin/true
# a passwd entry whose home does not fit is refused, not cut short
printf 'longhome:x:1002:1002::/%0300d:/bin/sh\n' 0 >>"$R/etc/passwd"
check_match "a passwd field too long is refused" "longhome: the jail's /etc/passwd entry has a field too long" \
	"$JAIL" -c name=${N}e path="$R" exec.jail_user=longhome command=/bin/true
sed -i '/^longhome:/d' "$R/etc/passwd"
# the command's tail fails (init's ready held back 300 ms, so that the
# creator waits on it): a failure of the command, after the jail was
# made, not of the create: jail -i prints the jid, the error names the
# command
check_match "a command whose tail fails fails as the command" \
	"^[0-9]+ jail: jail ${N}e: command: nosuchuser: no such user" \
	sh -c "CELL_TEST_PAUSE_AT=init-before-ready:300 '$JAIL' -i -c name=${N}e path='$R' exec.jail_user=nosuchuser command=/bin/true 2>&1 | tr '\n' ' '"
"$JAIL" -c name=${N}e path="$R" persist >/dev/null
check_match "duplicate name" "already exists" "$JAIL" -c name=${N}e path="$R" persist
check_match "a duplicate with exec.prestart: refused" "already exists" \
	"$JAIL" -c name=${N}e path="$R" persist "exec.prestart=touch $T/prestart-ran"
check "... before its exec.prestart runs (FreeBSD's order)" "no" \
	sh -c "[ -e '$T/prestart-ran' ] && echo yes || echo no"
check_match "a duplicate with exec.poststop: refused" "already exists" \
	"$JAIL" -c name=${N}e path="$R" persist "exec.poststop=touch $T/poststop-ran"
check "... and no exec.poststop runs for it" "no" \
	sh -c "[ -e '$T/poststop-ran' ] && echo yes || echo no"
"$JAIL" -r ${N}e
check_match "unknown devfs ruleset" "devfs_ruleset" "$JAIL" -c name=${N}e path="$R" devfs_ruleset=99 command=/bin/true
check "bad input left no trace" "" traces ${N}e
check_rc "usage error exits 1" 1 "$JAIL"
check_match "cell jexec reaches cell's jexec (not OpenJDK's)" "usage: jexec \[-l\]" "$B/src/cell" jexec --help
check_match "cell jls reaches jls" "JID  IP Address" "$B/src/cell" jls
check_match "--help" "usage: jail" "$JAIL" --help

# --- concurrency: the state lock serialises names and jids ---
MADE="$MADE ${N}mr ${N}same $(seq -f "${N}k%g" 20 | tr '\n' ' ')"
for i in $(seq 20); do
	( "$JAIL" -c name=${N}same path="$R" persist >/dev/null 2>&1; echo $? >"$T/rc.same.$i" ) &
	( "$JAIL" -c name=${N}k$i path="$R" persist >/dev/null 2>&1; echo $? >"$T/rc.k.$i" ) &
done
wait
check "20 concurrent creates of one name: exactly one succeeds" "1" sh -c "cat '$T'/rc.same.* | grep -c '^0$'"
check "20 concurrent creates of distinct names: all succeed" "20" sh -c "cat '$T'/rc.k.* | grep -c '^0$'"
check "jids are unique" "" sh -c "'$JLS' -q jid | sort | uniq -d"
check_rc "and all of them go" 0 "$JAIL" -r '*'
check "nothing left after the concurrent run" "" sh -c "'$JLS' -q name"
if [ -z "$cell_cg_before" ]; then
	check "the shared cell/ cgroup goes with the last jail" "" sh -c 'ls -d /sys/fs/cgroup/*/cell /sys/fs/cgroup/cell 2>/dev/null'
fi

# --- crash safety: SIGKILL at each create step, the next command repairs ---
for step in reserve cgroup init; do
	CELL_TEST_CRASH_AT=$step "$JAIL" -c name=${N}e path="$R" persist >/dev/null 2>&1
	"$JLS" >/dev/null 2>&1
	left=$(traces ${N}e; pgrep -f "name=${N}e" 2>/dev/null)
	if [ -z "$left" ]; then ok "killed at $step: repaired, nothing left"; else not_ok "killed at $step: left $left"; fi
done
# killed once the jail is complete: it stands, registered and removable
CELL_TEST_CRASH_AT=active "$JAIL" -c name=${N}e path="$R" persist >/dev/null 2>&1
check "killed after the last create step: the persistent jail stands" "${N}e" "$JLS" -j ${N}e name
check "and it runs" "ok" "$JEXEC" ${N}e echo ok
CELL_TEST_CRASH_AT=stop "$JAIL" -r ${N}e >/dev/null 2>&1
"$JLS" >/dev/null 2>&1
check "killed during jail -r: repaired" "" traces ${N}e
# the next command may also be a create of another name within the
# second of a full repair (a partial scan): what a killed command left
# (its creator or remover dead) is still repaired
for step in reserve cgroup init; do
	"$JLS" >/dev/null 2>&1
	CELL_TEST_CRASH_AT=$step "$JAIL" -c name=${N}e path="$R" persist >/dev/null 2>&1
	"$JAIL" -c name=${N}o path="$R" command=/bin/true >/dev/null 2>&1
	left=$(traces ${N}e; pgrep -f "name=${N}e" 2>/dev/null)
	if [ -z "$left" ]; then ok "killed at $step, then a create of another name: repaired"
	else not_ok "killed at $step, then a create of another name: left $left"; fi
done
"$JAIL" -c name=${N}e path="$R" persist >/dev/null
"$JLS" >/dev/null 2>&1
CELL_TEST_CRASH_AT=stop "$JAIL" -r ${N}e >/dev/null 2>&1
"$JAIL" -c name=${N}o path="$R" command=/bin/true >/dev/null 2>&1
check "killed during jail -r, then a create of another name: repaired" "" traces ${N}e

# --- FreeBSD's notes (jail_note): "NAME: created" before the jail's own
# commands, "updated", "removed" (for a removal: with a configuration,
# several jails or a wildcard), on stdout; -q and -i none, -v also for an
# unnamed jail; the last of -q and -v wins
MADE="$MADE ${N}nt ${N}nu"
check "jail -c notes NAME: created, before the command's output" \
	"${N}nt: created
hi" "$JAIL_BIN" -c name=${N}nt path="$R" command=/bin/echo hi
check "... -q: none" "hi" "$JAIL_BIN" -q -c name=${N}nt path="$R" command=/bin/echo hi
check "... -v -q: -q wins" "hi" "$JAIL_BIN" -v -q -c name=${N}nt path="$R" command=/bin/echo hi
check "... -i: the jid only" "yes" sh -c "'$JAIL_BIN' -i -c name=${N}nt path='$R' persist | grep -qx '[0-9][0-9]*' && echo yes"
check "jail -m notes NAME: updated" "${N}nt: updated" "$JAIL_BIN" -m name=${N}nt persist
check "jail -r of one jail by name: no note (FreeBSD: no configuration, one jail)" "" \
	"$JAIL_BIN" -r name=${N}nt
"$JAIL_BIN" -q -c name=${N}nt path="$R" persist
if [ -e /etc/jail.conf ]; then
	"$JAIL_BIN" -q -r ${N}nt
	ok "# skip: ... nor by its name alone (this host has /etc/jail.conf)"
else
	check "... nor by its name alone, with no configuration file" "" \
		"$JAIL_BIN" -r ${N}nt
fi
"$JAIL_BIN" -q -c name=${N}nt path="$R" persist
: >"$T/empty.conf"
check "... with a configuration file (docf): NAME: removed" "${N}nt: removed" \
	"$JAIL_BIN" -f "$T/empty.conf" -r ${N}nt
"$JAIL_BIN" -q -c name=${N}nt path="$R" persist
check "jail -f MISSING -r: removed without a configuration, no note (FreeBSD)" \
	"rc=0 gone" sh -c "'$JAIL_BIN' -f '$T/no-such.conf' -r ${N}nt; echo rc=\$? \$('$JLS' -j ${N}nt >/dev/null 2>&1 || echo gone)"
check_match "... while jail -f MISSING -c is an error naming it" "no-such.conf" \
	"$JAIL_BIN" -f "$T/no-such.conf" -c ${N}nt
"$JAIL_BIN" -q -c name=${N}nt path="$R" persist
"$JAIL_BIN" -q -c name=${N}nu path="$R" persist
check "jail -r of two jails notes each" "${N}nt: removed
${N}nu: removed" "$JAIL_BIN" -R ${N}nt ${N}nu
check "an unnamed jail (the legacy form): no note" "hi" \
	"$JAIL_BIN" "$R" host 127.0.0.1 /bin/echo hi
check "... with -v: created" "created
hi" "$JAIL_BIN" -v "$R" host 127.0.0.1 /bin/echo hi
check_clean "... nothing left" ${N}nt
check_clean "... nothing left of the other" ${N}nu

finish
