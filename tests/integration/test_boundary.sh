#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The boundary: each check asserts a concrete denial inside a default jail
# (and the matching grant where an allow.* parameter opens it).
. "$(dirname "$0")/lib.sh"

R=$T/root
mkroot "$R"
N=bnd$$
MADE="$N ${N}a ${N}raw ${N}s"
# a marker outside the jail's root that no escape may reach
MARK=cell-outside-$$
touch "/tmp/$MARK" "$T/$MARK"
trap 'rm -f "/tmp/$MARK"; cleanup' EXIT

"$JAIL" -c name=$N path="$R" host.hostname=$N.test persist >/dev/null || { not_ok "create"; finish; exit 1; }
injail() { "$JEXEC" $N "$@"; }
probe() { "$JEXEC" $N /bin/cell-probe "$@"; }

# processes
check "the host's processes are invisible" "denied ENOENT" probe open /proc/$$/status
check "pid 1 is the jail's init" "init" injail cat /proc/1/comm
check_match "only a handful of processes" "^[2-6]$" injail sh -c 'ls /proc | grep -c "^[0-9]*$"'
check "ptrace of the jail's init is refused" "denied EPERM" probe ptrace 1
check "init's /proc entries are closed (non-dumpable: CVE-2019-5736)" "denied EACCES" probe readlink /proc/1/exe
check "signals cannot reach outside (no host pid visible)" "1" injail sh -c 'kill -0 '"$$"' 2>/dev/null; echo $?'

# file system escapes
check "no way out of the root (.., /proc/*/root, cwd, chroot)" "contained" probe escape "$MARK"
check "/proc/self/root is the jail's root" "/" probe readlink /proc/self/root
check "no inherited descriptors" "0" probe fds

# abstract unix sockets: Linux keys them by network namespace, so a jail
# on the host's stack shares the host's (CVE-2020-15257 class);
# cell.abstract_unix_scope has Landlock scope each jailed process to its
# own tree's (ABI 6, Linux 6.12)
AB=cellbnd$$
"$PROBE" abstract-listen $AB 10 >"$T/ab.out" &
ab=$!
for k in $(seq 30); do grep -q listening "$T/ab.out" 2>/dev/null && break; sleep 0.1; done
check "by default the host's abstract sockets are the jail's too (R-audit-1)" \
	"allowed" "$JAIL" -c name=${N}a path="$R" command=/bin/cell-probe abstract $AB
if [ "$("$PROBE" landlock-abi)" -ge 6 ]; then
	"$JAIL" -c name=${N}s path="$R" cell.abstract_unix_scope children.max=1 persist >/dev/null
	check "cell.abstract_unix_scope: the host's are out of reach" \
		"denied EPERM" "$JEXEC" ${N}s /bin/cell-probe abstract $AB
	# a child on the parent's stack gets no more than the parent
	mkroot "$R/jails/skid"
	MADE="$MADE ${N}s.kid"
	"$JAIL" -c name=${N}s.kid path="$R/jails/skid" persist >/dev/null
	check "... nor from a child jail on the parent's stack" \
		"denied EPERM" "$JEXEC" ${N}s.kid /bin/cell-probe abstract $AB
	"$JAIL" -r ${N}s.kid >/dev/null
	check "... within one process tree of the jail they work" "allowed" \
		"$JEXEC" ${N}s /bin/cell-probe abstract-pair ${AB}in
	"$JEXEC" ${N}s /bin/cell-probe abstract-listen ${AB}j 10 >"$T/abj.out" &
	abj=$!
	for k in $(seq 30); do grep -q listening "$T/abj.out" 2>/dev/null && break; sleep 0.1; done
	check "... not between two entries of it (the price; vnet has none)" \
		"denied EPERM" "$JEXEC" ${N}s /bin/cell-probe abstract ${AB}j
	kill $abj 2>/dev/null; wait $abj 2>/dev/null
	"$JAIL" -r ${N}s >/dev/null
else
	echo "# Landlock ABI < 6: cell.abstract_unix_scope has no effect here"
fi
kill $ab 2>/dev/null; wait $ab 2>/dev/null

# mounts
check "mount denied" "denied EPERM" probe mount
check "umount denied" "denied EPERM" probe umount
check "pivot_root denied" "denied EPERM" probe pivot_root
check "unshare denied (children.max=0)" "denied EPERM" probe unshare
check "user namespace denied" "denied EPERM" probe userns
check "setns denied" "denied EPERM" probe setns

# kernel surfaces
for s in bpf module kexec perf keyctl userfaultfd open_by_handle; do
	check "$s denied" "denied EPERM" probe $s
done
check "clock setting denied" "denied EPERM" probe settime
check "mknod of a device denied" "denied EPERM" probe mknod

# /proc and /sys
# (this machine's kernel has no /proc/kcore or sysrq-trigger; where a
# kernel has them they are masked like the others)
for f in sysrq-trigger kcore kallsyms keys timer_list kpageflags kpagecount kpagecgroup; do
	if [ -e /proc/$f ]; then
		check "/proc/$f masked" "empty" probe open /proc/$f
		check "/proc/$f not writable" "denied EROFS" probe open /proc/$f w
	else
		check "/proc/$f absent here and in the jail" "denied ENOENT" probe open /proc/$f
	fi
done
# directory masks: an empty read-only directory over each (one tmpfs
# for all masks, file and directory alike)
for d in /sys/firmware /sys/kernel/security /sys/fs/bpf; do
	if [ -d $d ]; then
		check "$d masked: empty" "0" injail sh -c "ls -A $d | wc -l"
		check "$d masked: read-only" "denied EROFS" probe open $d/x c
	fi
done
# the masks' file system is attached under the jail's root in the host's
# tree until the pivot (lib/enter.c, step 6): nothing of it may remain
# in the jail but the masks themselves
check "the masks' file system is seen only as masks" "0" \
	injail sh -c "grep size=4k /proc/self/mountinfo | grep -v -e ' /proc/[^ ]* ' -e ' /sys/[^ ]* ' | wc -l"
check "/proc/sys read-only" "denied EROFS" probe open /proc/sys/kernel/hostname w
check "/proc/sys/kernel/core_pattern read-only" "denied EROFS" probe open /proc/sys/kernel/core_pattern w
check "/sys read-only" "denied EROFS" probe open /sys/kernel/mm/transparent_hugepage/enabled w
check "no cgroupfs (no release_agent)" "0" injail sh -c 'ls /sys/fs/cgroup | wc -l'

# devices: exactly ruleset 4
check "/dev holds only ruleset 4" "fd full fuse null ptmx pts random shm stderr stdin stdout tty urandom zero" \
	injail sh -c 'echo $(ls /dev)'
check "no /dev/mem" "denied ENOENT" probe open /dev/mem
check "no /dev/kmsg" "denied ENOENT" probe open /dev/kmsg

# capabilities: exactly the policy's (read /proc/self/status)
check "capability sets of jailed root (Amb Bnd Eff Inh Prm)" "0000000000000000 00000000a00485fb 00000000a00485fb 0000000000000000 00000000a00485fb" \
	injail sh -c 'grep -E "^Cap(Eff|Prm|Bnd|Inh|Amb)" /proc/self/status | sort -k1,1 | awk "{print \$2}" | tr "\n" " " | sed "s/ $//"' 
check "no_new_privs set" "NoNewPrivs:	1" injail sh -c 'grep NoNewPrivs /proc/self/status'
check "seccomp filtering" "Seccomp:	2" injail sh -c 'grep "^Seccomp:" /proc/self/status'
check "unprivileged user holds no capabilities" "0000000000000000" \
	"$JEXEC" -U user $N sh -c 'grep CapEff /proc/self/status | cut -f2'

# network privileges
check "raw socket denied by default" "denied EPERM" probe raw
check "packet socket denied by default" "denied EPERM" probe packet
check "tcp socket allowed" "allowed" probe tcp
# socketpair() makes its family's sockets (and loads its module) first:
# the family filter covers it as it covers socket()
check "socketpair of unix sockets allowed" "allowed" probe socketpair 1
check "socketpair of another family (vsock) denied" "denied EPERM" probe socketpair 40
check "socketpair of another family (netlink) denied" "denied EPERM" probe socketpair 16
check "reserved port allowed by default (allow.reserved_ports)" "allowed" probe bind80
"$JAIL" -c name=${N}raw path="$R" allow.raw_sockets allow.noreserved_ports persist >/dev/null
check "raw socket allowed with allow.raw_sockets" "allowed" "$JEXEC" ${N}raw /bin/cell-probe raw
check "reserved port denied with allow.noreserved_ports" "denied EACCES" "$JEXEC" ${N}raw /bin/cell-probe bind80
"$JAIL" -r ${N}raw

# host name
check "sethostname denied when allow.noset_hostname" "denied EPERM" \
	"$JAIL" -c name=${N}a path="$R" allow.noset_hostname command=/bin/cell-probe sethostname x
hosthn=$(hostname)
check "sethostname allowed by default (allow.set_hostname), inside only" "allowed inside.test" \
	"$JAIL" -c name=${N}a path="$R" command=/bin/sh -c 'echo $(cell-probe sethostname inside.test) $(hostname)'
check "the host's name is untouched" "$hosthn" hostname
check "a jexec'd process may rename the jail" "renamed" "$JEXEC" $N sh -c 'hostname renamed; hostname'
check "an overlong name is refused" "denied EINVAL" "$JEXEC" $N cell-probe sethostname "$(printf '%070d' 0)"
check "only the jail's root may rename it" "denied EPERM" "$JEXEC" -U user $N cell-probe sethostname x
# host=inherit shares the host's names: never settable from inside. Run in
# a throw-away UTS namespace standing in for the host, so a regression
# could not rename the real one.
check "host=inherit: sethostname denied" "denied EPERM unchanged" \
	unshare -u sh -c "hostname unchanged; '$JAIL' -c name=${N}a path='$R' host=inherit command=/bin/cell-probe sethostname x | tr '\n' ' '; hostname"

# device nodes in the jail's tree are inert (nodev): only /dev's work
mknod "$R/tmp/zero" c 1 5
check "a device node planted in the jail tree cannot be opened" "denied EACCES" probe open /tmp/zero
rm -f "$R/tmp/zero"

# the device cgroup repeats the ruleset: a node that appears in /dev anyway
# (made here from the host, through init's root) still cannot be opened
jid=$("$JLS" -j $N jid)
init=$(sed -n '1s/.* init=\([0-9]*\) .*/\1/p' "$CELL_RUN_DIR/jails/$jid")
if [ -n "$init" ] && mknod "/proc/$init/root/dev/mem" c 1 1 2>/dev/null; then
	check "device cgroup refuses a node outside the ruleset" "denied EPERM" probe open /dev/mem
	rm -f "/proc/$init/root/dev/mem"
else
	not_ok "could not plant /dev/mem through init's root (init=$init)"
fi
check "device cgroup lets the ruleset's nodes through" "allowed" probe open /dev/zero w

# init takes persistence changes only from the host
check "a signal from inside cannot make init drop the jail" "alive" \
	injail sh -c 'kill -USR1 1; kill -USR2 1; kill -TERM 1; sleep 0.2; echo alive'
check "jail still runs after the signals" "ok" injail echo ok
check "a queued SIGUSR1 that claims pid 0 reaches init" "allowed" probe sigqueue 1 10
sleep 0.2
check "... but init ignores it (SI_QUEUE is not SI_USER): the jail stands" "ok" injail echo ok

# a child jail cannot exceed its parent
mkroot "$R/jails/kid"
check_match "child jail refused without children.max" "children.max" \
	"$JAIL" -c name=$N.kid path="$R/jails/kid" command=/bin/true
"$JAIL" -c name=${N}p path="$R" children.max=1 allow.noraw_sockets persist >/dev/null
MADE="$MADE ${N}p"
check_match "a child's path must lie in its parent's" "inside its parent" \
	"$JAIL" -c name=${N}p.out path="$T" persist
check_rc "child jail created inside its parent" 0 \
	"$JAIL" -c name=${N}p.kid path="$R/jails/kid" host.hostname=kid allow.raw_sockets allow.mlock persist
check "children.max does not give the jail new namespaces" "denied EPERM denied EPERM" \
	"$JEXEC" ${N}p sh -c 'echo $(cell-probe unshare) $(cell-probe userns)'
check "child asked for allow.raw_sockets; its parent has none: denied" "denied EPERM" \
	"$JEXEC" ${N}p.kid /bin/cell-probe raw
check "child's capabilities are within its parent's (no NET_RAW, no IPC_LOCK)" "00000000a00485fb" \
	"$JEXEC" ${N}p.kid sh -c 'grep CapBnd /proc/self/status | cut -f2'
# a grandchild is bounded by its grandparent too
mkroot "$R/jails/kid/jails/g"
"$JAIL" -r ${N}p.kid >/dev/null 2>&1
"$JAIL" -c name=${N}p.kid path="$R/jails/kid" host.hostname=kid allow.raw_sockets allow.mlock children.max=1 persist >/dev/null
check_rc "grandchild created" 0 "$JAIL" -c name=${N}p.kid.g path="$R/jails/kid/jails/g" allow.raw_sockets persist
check "grandchild: no raw sockets (its grandparent has none)" "denied EPERM" "$JEXEC" ${N}p.kid.g /bin/cell-probe raw
"$JAIL" -r ${N}p.kid.g >/dev/null
check "the parent sees its child's init" "2" "$JEXEC" ${N}p sh -c 'grep -l "^init$" /proc/[0-9]*/comm | wc -l'
check "the child does not see its parent" "1" "$JEXEC" ${N}p.kid sh -c 'grep -l "^init$" /proc/[0-9]*/comm | wc -l'
check_match "children.max is enforced" "children.max \(1\) reached" \
	"$JAIL" -c name=${N}p.kid2 path="$R/jails/kid" persist
check_rc "removing the parent removes the child" 0 "$JAIL" -r ${N}p
check "no child left" "" traces ${N}p.kid
# a jail that is not persistent lives while it has processes: a child
# jail's keep it after its command ended (init says so with the
# command's status, and jail -c leaves it standing)
"$JAIL" -c name=${N}q path="$R" children.max=1 command=/bin/sleep 1 &
qpid=$!
MADE="$MADE ${N}q"
for i in $(seq 50); do "$JLS" -j ${N}q >/dev/null 2>&1 && break; sleep 0.02; done
check_rc "a child of a jail that runs a command" 0 \
	"$JAIL" -c name=${N}q.kid path="$R/jails/kid" persist
wait $qpid
check "the command ended, the jail stands with its child" "${N}q ${N}q.kid" \
	sh -c "'$JLS' -q name | grep '^${N}q' | sort | tr '\n' ' ' | sed 's/ \$//'"
check_rc "removing it removes the child" 0 "$JAIL" -r ${N}q
check "nothing of the child left" "" traces ${N}q.kid
check "nor of the jail" "" traces ${N}q

"$JAIL" -r $N
check "removal leaves nothing" "" traces $N
finish
