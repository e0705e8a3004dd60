#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cell audit: verdicts follow the policy of each jail, however it was made
# (jail -c, jail.conf, a child jail, vnet), a disagreement between the
# record's policy and what the jail can do is a FAIL with exit 1, and the
# audit leaves nothing behind.
CELL_IT_TMP=cell-secaudit
. "$CELL_SOURCE_DIR/tests/integration/lib.sh"
CELL=$B/src/cell

R=$T/root
mkroot "$R" sh ls cat echo true sleep
N=aud$$
MADE="$N ${N}x ${N}c ${N}p ${N}v ${N}t ${N}h"
"$JAIL" -c name=$N path="$R" host.hostname=$N persist >/dev/null || { not_ok "create"; finish; exit 1; }

out=$("$CELL" audit $N 2>&1); rc=$?
check "default jail: every boundary as the policy says (exit 0)" "0" echo $rc
[ $rc = 0 ] || echo "$out" | grep FAIL
check_match "one line per boundary with its governing parameter" \
	'^raw sockets: denied \(allow\.raw_sockets=false\)$' echo "$out"
for want in 'host processes visible: denied' 'ptrace of the jail.s init: denied' \
	'escape by /proc/\*/root: denied' 'open_by_handle_at: denied \(never\)' \
	'mount \(tmpfs\): denied \(allow\.mount=false' 'pivot_root: denied \(never\)' \
	'unshare \(8 namespace kinds\): denied \(never\)' 'setns: denied' \
	'cgroup release_agent \(CVE-2022-0492\): denied' 'mknod \(block device\): denied' \
	'/dev/mem, /dev/kmem, /dev/port: denied' 'kernel module load: denied \(never\)' \
	'bpf: denied \(never\)' 'io_uring: denied \(never\)' 'TIOCSTI \(CVE-2017-5226\): denied' \
	'clock setting: denied \(allow\.settime=false' \
	'host name change: allowed \(allow\.set_hostname=true, host=new\)' \
	'reserved ports: allowed \(allow\.reserved_ports=true\)' \
	'capabilities held \(effective\): 00000000a00485fb' \
	'devices in /dev: .*\(devfs_ruleset=4\)' '[0-9]+ boundaries checked, 0 FAIL$'; do
	check_match "line: $want" "^$want" echo "$out"
done
check_match "JSON: a document per jail, every boundary ok" "^ok [7-9][0-9] 0$" \
	sh -c "'$CELL' audit -j $N | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(\"ok\" if d[\"ok\"] else \"bad\", len(d[\"boundaries\"]), d[\"fails\"])'"

# parameters that open or close boundaries move the verdicts with them
"$JAIL" -c name=${N}x path="$R" allow.raw_sockets allow.noreserved_ports allow.noset_hostname allow.socket_af persist >/dev/null
out=$("$CELL" audit ${N}x 2>&1); rc=$?
check "allow.* jail: exit 0" "0" echo $rc
[ $rc = 0 ] || echo "$out" | grep FAIL
check_match "raw sockets allowed with allow.raw_sockets" '^raw sockets: allowed \(allow\.raw_sockets=true\)$' echo "$out"
check_match "packet sockets follow allow.raw_sockets" '^packet sockets: allowed \(allow\.raw_sockets=true\)$' echo "$out"
check_match "reserved ports denied with allow.noreserved_ports" '^reserved ports: denied \(allow\.reserved_ports=false\)$' echo "$out"
check_match "host name change denied with allow.noset_hostname" '^host name change: denied \(allow\.set_hostname=false' echo "$out"
check_match "other socket families with allow.socket_af" '^other socket families .*: allowed \(allow\.socket_af=true\)$' echo "$out"
check_match "capabilities follow (CAP_NET_RAW in, NET_BIND_SERVICE out)" '^capabilities held \(effective\): 00000000a004a1fb' echo "$out"

# allow.mount with allow.mount.tmpfs: the agent mounts a tmpfs for it
"$JAIL" -c name=${N}m path="$R" allow.mount allow.mount.tmpfs enforce_statfs=1 persist >/dev/null
MADE="$MADE ${N}m"
out=$("$CELL" audit ${N}m 2>&1); rc=$?
check "allow.mount.tmpfs jail: exit 0" "0" echo $rc
[ $rc = 0 ] || echo "$out" | grep FAIL
check_match "tmpfs mounts allowed with allow.mount.tmpfs" \
	'^mount \(tmpfs\): allowed \(allow\.mount=true, enforce_statfs=1, allow\.mount\.tmpfs=true\)$' echo "$out"
check_match "binds still denied without allow.mount.nullfs" \
	'^bind mount of /: denied \(.*allow\.mount\.nullfs=false\)$' echo "$out"

# a child jail: its own wishes within its parent's
mkroot "$R/jails/kid" sh true
"$JAIL" -c name=${N}p path="$R" children.max=1 allow.noraw_sockets persist >/dev/null
"$JAIL" -c name=${N}p.kid path="$R/jails/kid" allow.raw_sockets persist >/dev/null
MADE="$MADE ${N}p.kid"
out=$("$CELL" audit ${N}p.kid 2>&1); rc=$?
check "child jail: exit 0" "0" echo $rc
check_match "child asked for raw sockets, parent has none: denied" \
	'^raw sockets: denied \(allow\.raw_sockets=true, within its parents\)$' echo "$out"

# a jail made from jail.conf
cat >"$T/jail.conf" <<EOF
${N}c {
	path = "$R";
	host.hostname = "conf";
	allow.raw_sockets;
	persist;
}
EOF
"$JAIL" -f "$T/jail.conf" -c ${N}c >/dev/null 2>&1
out=$("$CELL" audit ${N}c 2>&1); rc=$?
check "jail.conf jail: exit 0" "0" echo $rc
check_match "jail.conf jail: raw sockets allowed as its file says" '^raw sockets: allowed' echo "$out"

# a vnet jail: its own network namespace (and abstract socket namespace)
if "$JAIL" -c name=${N}v path="$R" vnet persist >/dev/null 2>&1; then
	out=$("$CELL" audit ${N}v 2>&1); rc=$?
	check "vnet jail: exit 0" "0" echo $rc
	[ $rc = 0 ] || echo "$out" | grep FAIL
	check_match "vnet jail: host abstract unix sockets unreachable" \
		'^host abstract unix sockets: denied \(vnet=true' echo "$out"
	check_match "vnet jail: only its own interfaces" '^interfaces: lo=127\.0\.0\.1$' echo "$out"
else
	not_ok "vnet jail created"
fi
# a non-vnet jail shares the host's abstract unix sockets: reported;
# with cell.abstract_unix_scope (Landlock ABI 6) they are out of reach
check_match "shared stack: abstract sockets reported as reachable" \
	'^host abstract unix sockets: allowed \(vnet=false' "$CELL" audit $N
"$JAIL" -c name=${N}h path="$R" cell.abstract_unix_scope persist >/dev/null
check_match "cell.abstract_unix_scope: reported unreachable (Landlock)" \
	'^host abstract unix sockets: denied \(vnet=false: the host.s network namespace, Landlock-scoped' \
	"$CELL" audit ${N}h
"$JAIL" -r ${N}h >/dev/null 2>&1

# a record whose policy says more than the jail can do: a FAIL, exit 1
"$JAIL" -c name=${N}t path="$R" persist >/dev/null
jid=$("$JLS" -j ${N}t jid)
echo "allow.raw_sockets=true" >>"$CELL_RUN_DIR/jails/$jid"
out=$("$CELL" audit ${N}t 2>&1); rc=$?
check "policy/reality mismatch: exit 1" "1" echo $rc
check_match "the mismatch is a FAIL line naming the parameter" \
	'^FAIL raw sockets: denied, policy says allowed \(allow\.raw_sockets=true\)' echo "$out"
check_match "... counted" ' [1-9][0-9]* FAIL$' echo "$out"
"$JAIL" -r ${N}t >/dev/null 2>&1

# the jail's root against the report: it stops the probe, reopens its
# stdout through /proc/PID/fd/1 (a pipe can be reopened so), writes lines
# of its own before the probe's and holds the copy open so that the host's
# read would never end. The report is a socket: nothing to reopen.
cat >"$T/forge.c" <<'EOF'
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(void)
{
	time_t end = time(NULL) + 20;
	while (time(NULL) < end) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			int pid = atoi(e->d_name);
			if (pid <= 1 || pid == getpid())
				continue;
			char p[64], c[64] = "";
			snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
			int f = open(p, O_RDONLY);
			if (f < 0)
				continue;
			ssize_t k = read(f, c, sizeof(c) - 1);
			close(f);
			if (k <= 0 || strncmp(c, "cell-audit-probe", 16))
				continue;
			kill(pid, SIGSTOP);
			snprintf(p, sizeof(p), "/proc/%d/fd/1", pid);
			int w = open(p, O_WRONLY);
			if (w >= 0) {
				const char *l = "net.raw allowed\n"
						"net.packet allowed\n";
				if (write(w, l, strlen(l)) < 0)
					perror("write");
			}
			printf("%s\n", w >= 0 ? "opened" : "refused");
			fflush(stdout);
			kill(pid, SIGCONT);
			if (w >= 0)
				sleep(15);
			return 0;
		}
		if (d)
			closedir(d);
	}
	printf("unseen\n");
	return 1;
}
EOF
if cc -static -O2 -o "$R/bin/forge" "$T/forge.c" 2>"$T/forge.err"; then
	"$JAIL" -c name=${N}g path="$R" persist >/dev/null
	MADE="$MADE ${N}g"
	jid=$("$JLS" -j ${N}g jid)
	echo "allow.raw_sockets=true" >>"$CELL_RUN_DIR/jails/$jid"
	"$JEXEC" ${N}g /bin/forge >"$T/forge.out" 2>&1 &
	fpid=$!
	sleep 0.5
	t0=$(date +%s)
	out=$(timeout 30 "$CELL" audit ${N}g 2>&1); rc=$?
	t1=$(date +%s)
	wait $fpid
	check "forged report: the probe's stdout cannot be reopened from the jail" \
		"refused" cat "$T/forge.out"
	check "forged report: still a FAIL, exit 1" "1" echo $rc
	check_match "forged report: the probe's own line decides" \
		'^FAIL raw sockets: denied, policy says allowed' echo "$out"
	check_true "forged report: the audit does not wait for the jail" \
		test $((t1 - t0)) -lt 10
	rm -f "$R/bin/forge"
	"$JAIL" -r ${N}g >/dev/null 2>&1
else
	not_ok "a static attacker built ($(head -1 "$T/forge.err"))"
fi

# every running jail, and what the audit leaves behind
out=$("$CELL" audit 2>&1)
check_match "no operand: every running jail audited" "^jail ${N}x " echo "$out"
check_rc "a jail that does not exist: exit 1" 1 "$CELL" audit nosuch$$
check_rc "usage error: exit 2" 2 "$CELL" audit -Z
check_match "--help matches the man page synopsis" '^usage: cell audit \[-jv\] \[-r ADDR:PORT\]\.\.\. \[JAIL\.\.\.\]' "$CELL" audit --help
check "no probe file in the jail's tree" "" find "$R" -name '*audit*'
check "no marker left on the host" "" sh -c 'ls -d /tmp/cell-audit.* 2>/dev/null'
check "no marker process left" "" sh -c 'ps -eo comm | grep "^cellaud"'

for n in $MADE; do "$JAIL" -r $n >/dev/null 2>&1; done
check "nothing left" "" traces $N
finish
