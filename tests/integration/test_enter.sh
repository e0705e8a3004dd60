#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The enter path's Linux-only parts: an init that becomes the jail's
# process behind a start gate (the OCI runtime's create/start), the
# process options (numeric ids, umask, oom_score_adj, capability
# narrowing, a second seccomp filter, exec of a sealed descriptor, a pty
# made in the jail) and the cell.* parameters (sysctls, joined network
# namespace, masked/read-only paths, read-only root, cgroup path,
# X-mount.mkdir).
. "$(dirname "$0")/lib.sh"

DRIVE=$B/tests/integration/enter-drive
R=$T/root
mkroot "$R" sh ls cat echo id touch mkdir tty stty umask grep sleep \
	mount umount su hostid
mkdir -p "$R/mnt" "$R/data"
echo inside > "$R/data/f"
N=ent$$
NS=cellent$$
CG=cellent$$
MADE="$N ${N}b ${N}t.c ${N}t"
HN=cell-it-$$   # a host node in /dev (cell.devices in a user namespace)
trap 'ip netns del $NS 2>/dev/null; for d in /sys/fs/cgroup/*/$CG /sys/fs/cgroup/$CG; do [ -d "$d" ] && rmdir "$d"/sub "$d" 2>/dev/null; done; rm -f "/dev/$HN"; cleanup' EXIT

drive() { "$DRIVE" name=$N path="$R" "$@"; }

# --- init becomes the process --------------------------------------------
check "the process is pid 1 and waits for its start byte" \
	"$(printf 'created\npid 1\nexit 0')" \
	drive --proc --gate -- /bin/sh -c 'echo pid $$'
check "its exit status is the jail's" "$(printf 'created\nexit 7')" \
	drive --proc -- /bin/sh -c 'exit 7'
check_rc "a missing program fails the create, not the start" 1 \
	drive --proc --gate -- /nonexistent
check_match "... and says so" "exec.*nonexistent.*No such file" \
	drive --proc --gate -- /nonexistent
check_clean "... leaving nothing" $N
# (busybox sh exports a PATH of its own when it has none)
check "exact env: only what was given" "$(printf 'created\nA=1\nB=2\nexit 0')" \
	drive --proc --gate --exact-env --env A=1 --env B=2 -- /bin/sh -c \
	'env | grep -v "^PWD=\|^SHLVL=\|^_=\|^PATH=" | sort'
check_match "a later NAME= replaces an earlier one (PATH)" "^PATH=/x:/bin$" \
	drive --env PATH=/x:/bin -- /bin/sh -c 'env | grep ^PATH='
check "preserved descriptors stay open, the rest closed" \
	"$(printf 'created\n3\n4\nno 5\nexit 0')" \
	drive --proc --gate --preserve 2 -- /bin/sh -c \
	'for f in 3 4; do [ -e /proc/self/fd/$f ] && echo $f; done; [ -e /proc/self/fd/5 ] || echo no 5'
check_match "the process filter's listener reaches the creator" \
	"Invalid cross-device link" \
	drive --proc --notify mkdir -- mkdir /tmp/notified
check "the prepivot hook runs in init's own mount namespace, before pivot_root" \
	"$(printf 'prepivot root=/ own-mntns=yes\ncreated\nexit 0')" \
	drive --proc --prepivot -- /bin/sh -c true
check "the start gate FIFO is gone after start" "" \
	sh -c "ls $CELL_RUN_DIR | grep gate"

# --- the process's own options (create and attach alike) ---------------
for mode in --proc ""; do
	m=${mode:-attach}; m=${m#--}
	check_match "$m: numeric uid, gid and groups" \
		"uid=1000.*gid=1000.*groups=.*50" \
		drive $mode --uid 1000 --gid 1000 --group 50 -- id
	check_match "$m: umask" "^(created.)?0027" \
		drive $mode --umask 027 -- /bin/sh -c umask
	check_match "$m: oom_score_adj" "^(created.)?500" \
		drive $mode --oom 500 -- cat /proc/self/oom_score_adj
	check_match "$m: capabilities narrowed to none" \
		"CapEff:.0000000000000000" \
		drive $mode --caps 0 -- grep CapEff /proc/self/status
	check_match "$m: capabilities narrowed to CAP_CHOWN" \
		"CapEff:.0000000000000001" \
		drive $mode --caps 1 -- grep CapEff /proc/self/status
	# the ids' switch needs CAP_SETUID, SETGID and SETPCAP: kept for it
	# in the bounding set, then dropped from it too
	check_match "$m: ... the bounding set as well, after the ids' switch" \
		"CapBnd:.0000000000000001" \
		drive $mode --caps 1 -- grep CapBnd /proc/self/status
	check_match "$m: ... also for a non-root user (nothing kept for the switch)" \
		"CapBnd:.0000000000000001" \
		drive $mode --uid 1000 --gid 1000 --caps 1 -- grep CapBnd /proc/self/status
	check_match "$m: asking for CAP_SYS_ADMIN gets nothing the policy denies" \
		"CapEff:.0000000000000000" \
		drive $mode --caps 200000 -- grep CapEff /proc/self/status
	check_match "$m: a second seccomp filter narrows (mkdir EPERM)" \
		"Operation not permitted" \
		drive $mode --deny mkdir -- mkdir /tmp/denied
	check_match "$m: the jail's filter still holds under it (mount)" \
		"denied EPERM" \
		drive $mode --deny mkdir --exec-fd "$PROBE" -- cell-probe mount
	check_match "$m: exec of a sealed memfd (CVE-2019-5736)" \
		"memfd:probe" \
		drive $mode --exec-fd "$PROBE" -- cell-probe readlink /proc/self/exe
	check_match "$m: a pty from the jail's own devpts" \
		"/dev/pts/0" drive $mode --console -- tty
	check_match "$m: the window size passes" \
		"33 77" drive $mode --console -- stty size
done
check_clean "the process options leave nothing" $N

# --- cell.* parameters, through jail(8) ---------------------------------
host_shmmax=$(cat /proc/sys/kernel/shmmax)
check "cell.sysctl sets a namespaced sysctl inside" "4242" \
	"$JAIL" -c name=$N path="$R" sysvshm=new cell.sysctl=kernel.shmmax=4242 \
	command=cat /proc/sys/kernel/shmmax
check "... and not on the host" "$host_shmmax" cat /proc/sys/kernel/shmmax
check_rc "a sysctl that is not namespaced is refused" 1 \
	"$JAIL" -c name=$N path="$R" cell.sysctl=vm.swappiness=1 command=true
check_match "... naming it" "vm.swappiness.*not namespaced" \
	"$JAIL" -c name=$N path="$R" cell.sysctl=vm.swappiness=1 command=true
# a namespaced sysctl only goes into a namespace of the jail's. Each try
# runs in a network / UTS namespace of the test's, a stand-in host, so a
# regression changes that and not the machine's.
check "a net.* sysctl without the jail's own network stack is refused" \
	"rc=1 64 needs the jail's own network namespace" unshare -n sh -c "
	\"$JAIL\" -c name=$N path=\"$R\" cell.sysctl=net.ipv4.ip_default_ttl=99 \
		command=true >'$T/sy.out' 2>&1; rc=\$?
	echo rc=\$rc \$(cat /proc/sys/net/ipv4/ip_default_ttl) \
		\$(grep -o \"needs the jail's own network namespace\" '$T/sy.out')"
check "... and in a joined network namespace that is the creator's" \
	"rc=1 64 the joined namespace is the host's" unshare -n sh -c "
	\"$JAIL\" -c name=$N path=\"$R\" cell.netns=/proc/self/ns/net \
		cell.sysctl=net.ipv4.ip_default_ttl=99 command=true \
		>'$T/sy.out' 2>&1; rc=\$?
	echo rc=\$rc \$(cat /proc/sys/net/ipv4/ip_default_ttl) \
		\$(grep -o \"the joined namespace is the host's\" '$T/sy.out')"
check "... kernel.hostname with host=inherit is refused" "rc=1 standin" \
	unshare -u sh -c "hostname standin
	\"$JAIL\" -c name=$N path=\"$R\" host=inherit \
		cell.sysctl=kernel.hostname=changed command=true \
		>/dev/null 2>&1; echo rc=\$? \$(hostname)"
check_clean "... leaving nothing" $N

printf 'secret\n' > "$R/etc/secret"
check "cell.masked_paths hides a file" "" \
	"$JAIL" -c name=$N path="$R" cell.masked_paths=/etc/secret \
	command=cat /etc/secret
check_match "... read-only" "Read-only" \
	"$JAIL" -c name=$N path="$R" cell.masked_paths=/etc/secret \
	command=/bin/sh -c 'echo x > /etc/secret'
mkdir -p "$R/srv/hidden" && : > "$R/srv/hidden/f"
check "cell.masked_paths hides a directory: empty" "0" \
	"$JAIL" -c name=$N path="$R" cell.masked_paths=/srv/hidden \
	command=/bin/sh -c 'ls -A /srv/hidden | wc -l'
check_match "... read-only" "Read-only" \
	"$JAIL" -c name=$N path="$R" cell.masked_paths=/srv/hidden \
	command=touch /srv/hidden/x
check "... both at once, and the masks in /proc and /sys too" "0 ok" \
	"$JAIL" -c name=$N path="$R" cell.masked_paths=/srv/hidden,/etc/secret \
	command=/bin/sh -c 'echo $(ls -A /srv/hidden | wc -l) $(test -s /etc/secret || echo ok)'
rm -rf "$R/srv/hidden"
check_match "cell.readonly_paths makes a tree read-only" "Read-only" \
	"$JAIL" -c name=$N path="$R" cell.readonly_paths=/home \
	command=touch /home/user/x
# a symlink: its target turns read-only (a read-only mount of the link
# itself would leave the target writable), followed inside the root
ln -s /home "$R/rolink"
ln -s ../../../../../../home "$R/rolink2"
check "... through a symlink, its target, followed inside the root" \
	"Read-only Read-only" "$JAIL" -c name=$N path="$R" \
	cell.readonly_paths=/rolink,/rolink2 command=/bin/sh -c \
	'for d in /rolink /rolink2; do touch $d/user/x 2>&1 |
	 grep -o Read-only; done | tr "\n" " " | sed "s/ \$//"'
rm -f "$R/rolink" "$R/rolink2" "$R/home/user/x"
check_match "cell.root_readonly makes the root read-only" "Read-only" \
	"$JAIL" -c name=$N path="$R" cell.root_readonly=true command=touch /x
check "... but not /dev/shm" "ok" \
	"$JAIL" -c name=$N path="$R" cell.root_readonly=true \
	command=/bin/sh -c 'touch /dev/shm/x && echo ok'

# host.hostuuid / host.hostid: the jail's /etc/machine-id and /etc/hostid
check "host.hostuuid is the jail's /etc/machine-id" \
	"0123456789abcdef0123456789abcdef" \
	"$JAIL" -c name=$N path="$R" host.hostuuid=01234567-89AB-CDEF-0123-456789ABCDEF \
	command=cat /etc/machine-id
check_match "... read-only" "Read-only" \
	"$JAIL" -c name=$N path="$R" host.hostuuid=01234567-89ab-cdef-0123-456789abcdef \
	command=/bin/sh -c 'echo x > /etc/machine-id'
check "host.hostid is what gethostid(3) returns" "12345678" \
	"$JAIL" -c name=$N path="$R" host.hostid=0x12345678 command=hostid
check_rc "a host.hostuuid that is not a UUID is refused" 1 \
	"$JAIL" -c name=$N path="$R" host.hostuuid=hello command=/bin/sh -c true
check_rc "a host.hostid above 32 bits is refused" 1 \
	"$JAIL" -c name=$N path="$R" host.hostid=0x123456789 command=/bin/sh -c true
check "... and nothing is left in the jail's tree but the mount points" \
	"" sh -c "cat '$R/etc/machine-id' '$R/etc/hostid' 2>/dev/null"

# a network namespace made here, joined by the jail
ip netns add $NS
ip -n $NS link add cellent0 type veth peer name cellent1
check_match "cell.netns joins an existing network namespace" "cellent0" \
	"$JAIL" -c name=$N path="$R" cell.netns=/run/netns/$NS \
	command=cat /proc/net/dev
check_rc "vnet and cell.netns exclude each other" 1 \
	"$JAIL" -c name=$N path="$R" vnet cell.netns=/run/netns/$NS command=true
check_rc "a missing namespace path fails cleanly" 1 \
	"$JAIL" -c name=$N path="$R" cell.netns=/run/netns/none$$ command=true
check_clean "... leaving nothing" $N

"$JAIL" -c name=$N path="$R" persist cell.cgroup=$CG/sub >/dev/null
check_true "cell.cgroup places the jail" \
	sh -c "ls -d /sys/fs/cgroup/*/$CG/sub /sys/fs/cgroup/$CG/sub 2>/dev/null | grep -q ."
"$JAIL" -r $N >/dev/null
check "... and its cgroup goes with it" "" \
	sh -c "ls -d /sys/fs/cgroup/*/$CG/sub /sys/fs/cgroup/$CG/sub 2>/dev/null"

# X-mount.mkdir: missing mount points made beneath the root only
printf 'hostfile\n' > "$T/hostfile"
check "X-mount.mkdir makes a missing file mount point" "hostfile" \
	"$JAIL" -c name=$N path="$R" \
	"mount=$T/hostfile $R/etc/new/file nullfs ro,X-mount.mkdir 0 0" \
	command=cat /etc/new/file
check_match "... read-only as asked" "Read-only" \
	"$JAIL" -c name=$N path="$R" \
	"mount=$T/hostfile $R/etc/new/file nullfs ro,X-mount.mkdir 0 0" \
	command=/bin/sh -c 'echo x > /etc/new/file'
ln -s "$T" "$R/escape"
check_rc "X-mount.mkdir never follows a symlink out" 1 \
	"$JAIL" -c name=$N path="$R" \
	"mount=tmpfs $R/escape/made tmpfs X-mount.mkdir 0 0" command=true
check "... nothing made outside" "" sh -c "ls -d $T/made 2>/dev/null"
# mounts below /dev (/proc, /sys) come after the jail's /dev, which would
# hide them (OCI's /dev/termination-log)
check "a mount below /dev is not hidden by the jail's /dev" "hostfile 1" \
	"$JAIL" -c name=$N path="$R" \
	"mount=$T/hostfile $R/dev/termination-log nullfs ro,X-mount.mkdir 0 0" \
	"mount+=tmpfs $R/dev/xtmp tmpfs X-mount.mkdir 0 0" \
	command=/bin/sh -c 'echo $(cat /dev/termination-log) $(grep -c " /dev/xtmp " /proc/mounts)'
# below /proc they go over its masks: only runc's list of files
check "... a file of runc's /proc list may be mounted over" "hostfile" \
	"$JAIL" -c name=$N path="$R" \
	"mount=$T/hostfile $R/proc/meminfo nullfs ro 0 0" command=cat /proc/meminfo
check_match "... anything else below /proc is refused (it would undo a mask)" \
	"proc/sys: below /proc only" "$JAIL" -c name=$N path="$R" \
	"mount=tmpfs $R/proc/sys tmpfs rw 0 0" command=true
check_clean "... leaving nothing" $N

# --- allow.mount.*: the agent mounts for the jail's root -------------------
M="allow.mount enforce_statfs=1"
check_match "allow.mount.tmpfs: the jail's root mounts a tmpfs, nosuid and nodev forced" \
	" /mnt rw,nosuid,nodev" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.tmpfs command=/bin/sh -c \
	'mount -t tmpfs t /mnt && grep " /mnt " /proc/self/mountinfo'
check "... and unmounts it, by a relative path too" "ok" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.tmpfs command=/bin/sh -c \
	'cd / && mount -t tmpfs t mnt && umount mnt && echo ok'
check "the boundary's own mounts are not the jail's to unmount" \
	"$(printf '/proc 1\n/dev 1\n/proc/kcore 1\n/ 1')" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.tmpfs command=/bin/sh -c \
	'for m in /proc /dev /proc/kcore /; do umount $m 2>/dev/null; echo $m $?; done'
check "proc: the jail's processes only, no /proc/sys (subset=pid)" \
	"$(printf '1\nno sys')" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.procfs command=/bin/sh -c \
	'mount -t proc p /mnt && ls /mnt | grep -c "^1$"; [ -e /mnt/sys ] || echo no sys'
check "a bind of /proc keeps its masks (always recursive)" \
	"$(printf 'empty\nRead-only')" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.nullfs command=/bin/sh -c \
	'mount --bind /proc /mnt && { [ -s /mnt/kcore ] || echo empty; };
	 echo x 2>&1 > /mnt/sys/kernel/core_pattern | grep -o Read-only'
check "a bind of the jail's own directory" "inside" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.nullfs command=/bin/sh -c \
	'mount --bind /data /mnt && cat /mnt/f'
check "a bind source through a symlink stays inside the jail" "inside" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.nullfs command=/bin/sh -c \
	'ln -sf /../../../../data /tmp/up; mount --bind /tmp/up /mnt && cat /mnt/f'
check "a file system not allowed is refused" "1 1" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.tmpfs command=/bin/sh -c \
	'mount -t sysfs s /mnt 2>/dev/null; a=$?; mount -t proc p /mnt 2>/dev/null; echo $a $?'
check "remount and move are refused" "1 1" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.tmpfs command=/bin/sh -c \
	'mount -o remount,rw / 2>/dev/null; a=$?; mount --move /dev /mnt 2>/dev/null; echo $a $?'
check "enforce_statfs=2 (the default) keeps mounts off" "1" \
	"$JAIL" -c name=$N path="$R" allow.mount allow.mount.tmpfs \
	command=/bin/sh -c 'mount -t tmpfs t /mnt 2>/dev/null; echo $?'
check "only the jail's root: a user is refused" "1" \
	"$JAIL" -c name=$N path="$R" $M allow.mount.tmpfs exec.jail_user=user \
	command=/bin/sh -c 'mount -t tmpfs t /mnt 2>/dev/null; echo $?'
"$JAIL" -c name=$N path="$R" $M allow.mount.tmpfs persist >/dev/null
"$JEXEC" $N mount -t tmpfs t /mnt
check "a mount made in one jexec is unmounted from another" "0" \
	sh -c "'$JEXEC' $N umount /mnt; echo \$?"
"$JAIL" -r $N >/dev/null
check_clean "... leaving nothing" $N

# --- cell.uidmap / cell.gidmap: the jail's own user namespace -------------
U=$T/uroot
cp -a "$R" "$U"
printf 'hostroot\n' > "$T/hostfile-root"
chmod 644 "$T/hostfile-root"
chown -R 300000:300000 "$U"
UM="cell.uidmap=0:300000:65536 cell.gidmap=0:300000:65536"
check "the jail's root is uid 0 inside" "uid=0(root) gid=0(root)" \
	"$JAIL" -c name=$N path="$U" $UM command=id
check "... and host uid 300000 outside (a file it makes)" "300000" \
	sh -c "'$JAIL' -c name=$N path='$U' $UM command=touch /tmp/made-inside && stat -c %u '$U/tmp/made-inside'"
chmod 711 "$T"   # the bind's source must be reachable by the mapped root
check_match "a host root file bound in is not the jail root's to write" \
	"can't create /etc/hostfile: Permission denied" \
	"$JAIL" -c name=$N path="$U" $UM \
	"mount=$T/hostfile-root $U/etc/hostfile nullfs X-mount.mkdir 0 0" \
	command=/bin/sh -c 'echo x > /etc/hostfile'
check "/dev's nodes work (bound from the host: no mknod in a user namespace)" \
	"ok" "$JAIL" -c name=$N path="$U" $UM \
	command=/bin/sh -c 'echo x > /dev/null && echo ok'
check "the agent answers the namespace's root (host name)" "renamed" \
	"$JAIL" -c name=$N path="$U" $UM command=/bin/sh -c 'hostname renamed; hostname'
# its network stack belongs to its user namespace (made by the clone, not
# ahead by the creator's thread, net/stack.c): its root administers it
ln -sf busybox "$U/bin/ifconfig"
check "a vnet jail's root in its own user namespace administers its stack" \
	"0x8" "$JAIL" -c name=$N path="$U" $UM vnet \
	command=/bin/sh -c 'ifconfig lo down && cat /sys/class/net/lo/flags'
"$JAIL" -c name=$N path="$U" $UM persist allow.mount allow.mount.tmpfs \
	enforce_statfs=1 >/dev/null
check "jexec joins the user namespace" "0 300000 65536" \
	sh -c "'$JEXEC' $N cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //'"
check "the agent mounts for the namespace's root" "ok" \
	"$JEXEC" $N /bin/sh -c 'mount -t tmpfs t /mnt && umount /mnt && echo ok'
check "... and not for its other users" "1" \
	"$JEXEC" -U user $N /bin/sh -c 'mount -t tmpfs t /mnt 2>/dev/null; echo $?'
check "jexec in a user namespace: the jail's cgroup namespace too" "" \
	sh -c "'$JEXEC' $N cat /proc/self/cgroup | grep -v ':/\$'"
"$JAIL" -r $N >/dev/null
check_rc "cell.uidmap without cell.gidmap is refused" 1 \
	"$JAIL" -c name=$N path="$U" cell.uidmap=0:300000:65536 command=true
check_rc "a map that does not map 0 is refused" 1 \
	"$JAIL" -c name=$N path="$U" cell.uidmap=1:300000:10 \
	cell.gidmap=0:300000:65536 command=true
check_rc "a malformed map is refused" 1 \
	"$JAIL" -c name=$N path="$U" cell.uidmap=0:-1:5 \
	cell.gidmap=0:300000:65536 command=true
# cell.devices in a user namespace: the node is the host's own, bound;
# an owner asked must not be given to the host's inode (a map of the
# host's root would let a chown through, and it outlived the jail)
mknod -m 0600 "/dev/$HN" c 1 3
HM="cell.uidmap=0:0:65536 cell.gidmap=0:0:65536"
check_match "cell.devices: a bound host node's owner is not changed" \
	"/dev/$HN .owner: in a user namespace the node is the host.s" \
	"$JAIL" -c name=$N path="$R" $HM "cell.devices=/dev/$HN c 1:3 0600 5:5" \
	command=true
check "... the host's node keeps its owner" "0:0" stat -c %u:%g "/dev/$HN"
check "... the owner it has is accepted" "ok" \
	"$JAIL" -c name=$N path="$R" $HM "cell.devices=/dev/$HN c 1:3 0600 0:0" \
	command=/bin/sh -c "echo x > /dev/$HN && echo ok"
rm -f "/dev/$HN"
check_clean "... leaving nothing" $N

# the compiled filter kept beside the record, loaded by later entries
jid=$("$JAIL" -i -c name=$N path="$R" persist)
check_true "the jail's compiled filter is kept beside its record" \
	test -s "$CELL_RUN_DIR/jails/$jid.bpf"
check "jexec loads it: mount still denied" "denied EPERM" \
	"$JEXEC" $N /bin/cell-probe mount
printf 'garbage' > "$CELL_RUN_DIR/jails/$jid.bpf"
check "a damaged one is not loaded: compiled again, same verdict" \
	"denied EPERM" "$JEXEC" $N /bin/cell-probe mount
"$JAIL" -r $N >/dev/null
check "removal takes it away" "" sh -c "ls $CELL_RUN_DIR/jails/ | grep bpf"
check_match "compiled filters are kept by policy for the next jail (bpf/)" \
	"^jail-[0-9a-f]{40}-[0-9.]+-[0-9a-f]+-[0-9a-f]{16}-[0-9a-f]+-f$" \
	ls "$CELL_RUN_DIR/bpf"
kept() { ls "$CELL_RUN_DIR/bpf" | grep -c -- '-f$'; }
n0=$(kept)
"$JAIL" -c name=$N path="$R" allow.mlock allow.socket_af command=/bin/sh -c true
n1=$(kept)
"$JAIL" -c name=$N path="$R" allow.mlock allow.socket_af command=/bin/sh -c true
check "a new policy's filter is kept once, and used again" \
	"$((n0 + 1)) $((n0 + 1))" echo "$n1 $(kept)"
check "a jail made from the kept filter holds the same boundary" \
	"denied EPERM" "$JAIL" -c name=$N path="$R" command=/bin/cell-probe mount
# at most 64 are kept: filters of other builds and policies (here fakes of
# an older build, older than every real one) go first, oldest first
for i in $(seq 70); do
	printf 'x' > "$CELL_RUN_DIR/bpf/jail-$(printf '%040d' $i)-2.5.4-c000003e-0000000000000000-0-f"
	touch -d '2000-01-01' "$CELL_RUN_DIR/bpf/jail-$(printf '%040d' $i)-2.5.4-c000003e-0000000000000000-0-f"
done
"$JAIL" -c name=$N path="$R" allow.mlock allow.sysvipc command=/bin/sh -c true
check "the kept filters are bounded (64), the newest kept" "64 yes" \
	sh -c "echo \$(ls '$CELL_RUN_DIR/bpf' | grep -c '^jail-') \
		\$(ls -t '$CELL_RUN_DIR/bpf' | grep '^jail-' | head -4 | grep -qv '^jail-0000' && echo yes)"

# --- cgroups: placement and the cgroup namespace --------------------------
# init is cloned into the jail's cgroup v2 / unified directory and makes
# its cgroup namespace once placed: every line of /proc/self/cgroup reads
# "/" (a namespace made at clone was rooted at the creator's cgroups and
# showed /cell/NAME, and memory:/../../cell/NAME)
check "jail -c: every cgroup the command sees is its namespace's root" "" \
	sh -c "'$JAIL' -c name=$N path='$R' command=cat /proc/self/cgroup | grep -v ':/\$'"
"$JAIL" -c name=$N path="$R" persist >/dev/null
check "jexec: the same" "" \
	sh -c "'$JEXEC' $N cat /proc/self/cgroup | grep -v ':/\$'"
UNI=/sys/fs/cgroup/unified
if [ -d $UNI/cell ] && [ -d /sys/fs/cgroup/memory ]; then
	# a hybrid host: the unified directory carries a jail without limits
	rec=$(grep -l "^name=$N\$" "$CELL_RUN_DIR"/jails/*)
	init=$(sed -n '1s/.* init=\([0-9]*\) .*/\1/p' "$rec")
	check "init is in the jail's unified cgroup" "0::/cell/$N" \
		grep '^0::' /proc/$init/cgroup
	check "... and the jail has no v1 cgroup without a limit" "" \
		sh -c "ls -d /sys/fs/cgroup/*/cell/$N 2>/dev/null | grep -v unified"
fi
"$JAIL" -r $N >/dev/null
if [ -d $UNI ] && [ -d /sys/fs/cgroup/memory ]; then
	# a cgroup path below directories of others (a slice an admin made):
	# on removal the unified directories cell made for it go, the
	# others' stay (cell marks its own: trusted.cell.made)
	ADM=$UNI/celltest$$
	mkdir -p $ADM/slice
	"$JAIL" -c name=$N path="$R" persist cell.cgroup=celltest$$/slice/made/ctr
	check "a jail below another's slice: cell makes what is missing" "yes" \
		sh -c "[ -d $ADM/slice/made/ctr ] && echo yes"
	"$JAIL" -r $N >/dev/null
	check "... and its removal takes what cell made, not the slice" \
		"slice gone" sh -c "[ -d $ADM/slice ] && echo -n 'slice '; [ -d $ADM/slice/made ] || echo gone"
	rmdir $ADM/slice/made/ctr $ADM/slice/made 2>/dev/null
	rmdir $ADM/slice $ADM
fi
# clone3 refused (ENOSYS, an older kernel or a filter): init comes from
# clone(2), the jexec child from a plain fork, both placed by writes
rm -f "$R/tmp/ready"
"$DRIVE" --host-deny clone3 name=$N path="$R" -- \
	/bin/sh -c 'cat /proc/self/cgroup > /tmp/cg; touch /tmp/ready; sleep 3' \
	>"$T/hd.out" 2>&1 &
hd=$!
for k in $(seq 50); do [ -f "$R/tmp/ready" ] && break; sleep 0.1; done
n_in=$(cat $UNI/cell/$N/cgroup.procs 2>/dev/null | wc -l)
[ -d $UNI/cell ] || n_in=$(cat /sys/fs/cgroup/cell/$N/cgroup.procs 2>/dev/null | wc -l)
wait $hd
check "clone3 refused: the jail is made anyway (clone(2))" "exit 0" \
	tail -1 "$T/hd.out"
check "... init and the jexec child are in the jail's cgroup (placed by writes)" \
	"2" echo "$n_in"
check "... and see only their cgroup namespace's root" "" \
	grep -v ':/$' "$R/tmp/cg"
check_clean "... nothing left of it" $N
# openat2 refused (ENOSYS: before Linux 5.6, or a filter): paths in the
# jail's root are walked one component at a time, no symlink followed,
# no ".." (open_beneath's fallback). The jail is the same, and what a
# symlink would redirect is still refused.
mkdir -p "$R/srv/hidden"
ln -s /home "$R/rolink"
"$DRIVE" --host-deny openat2 name=$N path="$R" cell.readonly_paths=/home \
	cell.masked_paths=/srv/hidden -- /bin/sh -c \
	'touch /home/user/x 2>&1 | grep -o Read-only; ls -A /srv/hidden | wc -l' \
	>"$T/oa.out" 2>&1 </dev/null
check "openat2 refused: read-only and masked paths hold (the walk)" \
	"Read-only 0 exit 0" sh -c "tr '\n' ' ' < '$T/oa.out' | sed 's/ \$//'"
check_match "... a read-only symlink is refused, not left writable" \
	"rolink.*(Too many levels of symbolic links|ELOOP)" \
	"$DRIVE" --host-deny openat2 name=$N path="$R" \
	cell.readonly_paths=/rolink -- /bin/sh -c true
check_match "... a symlink on the way to a read-only path is refused" \
	"(Too many levels of symbolic links|ELOOP)" \
	"$DRIVE" --host-deny openat2 name=$N path="$R" \
	cell.readonly_paths=/rolink/user -- /bin/sh -c true
check_match "... and on the way to a masked path" \
	"(Too many levels of symbolic links|ELOOP)" \
	"$DRIVE" --host-deny openat2 name=$N path="$R" \
	cell.masked_paths=/rolink/user -- /bin/sh -c true
rm -rf "$R/rolink" "$R/srv/hidden" "$R/home/user/x"
check_clean "... nothing left of it" $N

# --- a vnet jail's stack is made ahead by a thread (net/stack.c) ----------
# With clone3 refused and clone(2) refused whenever it asks for
# CLONE_NEWNET, a vnet jail can only come from the stack made ahead; the
# other way round (unshare(CLONE_NEWNET) refused), only from a clone (a
# child born in a new stack, cell_netns_by_clone). Both must give the
# same jail: its own stack, only lo, and lo up.
HOSTNS=$(readlink /proc/self/ns/net)
for how in "ahead:--host-deny clone3 --host-deny clone:0x40000000" \
	   "clone:--host-deny unshare:0x40000000" \
	   "clone, its thread killed:--host-deny unshare:0x40000000:kill"; do
	# shellcheck disable=SC2086
	"$DRIVE" ${how#*:} name=$N path="$R" vnet -- /bin/sh -c \
		'ls /sys/class/net; cat /sys/class/net/lo/flags; ls -l /proc/self/ns/net' \
		>"$T/na.out" 2>&1 </dev/null
	check "vnet stack made by the ${how%%:*}: the jail is made" "exit 0" \
		tail -1 "$T/na.out"
	check "... and the creator's descriptor 0 is left alone" "" \
		grep "closed descriptor 0" "$T/na.out"
	check "... sees only its lo, and lo is up (0x9)" "lo 0x9" \
		sh -c "head -2 '$T/na.out' | tr '\n' ' ' | sed 's/ \$//'"
	check "... in a network namespace of its own" "no" \
		sh -c "grep -qF -- '$HOSTNS' '$T/na.out' && echo yes || echo no"
	check_clean "... nothing left of it" $N
done
# init joins the stack made ahead before the first thing that shows a
# network namespace: the jail's own mounts (a sysfs here), its sysctls,
# sysfs
check "a vnet jail's own sysfs mount shows its stack, not the host's" "lo" \
	"$JAIL" -c name=$N path="$R" vnet \
	"mount=sysfs $R/mnt sysfs ro,X-mount.mkdir 0 0" command=ls /mnt/class/net
PS_HOST=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
PS_JAIL=$((PS_HOST == 80 ? 81 : 80))
check "a vnet jail's net.* sysctl is set in its own stack" "$PS_JAIL" \
	"$JAIL" -c name=$N path="$R" vnet \
	cell.sysctl=net.ipv4.ip_unprivileged_port_start=$PS_JAIL \
	command=cat /proc/sys/net/ipv4/ip_unprivileged_port_start
check "... and not in the host's" "$PS_HOST" \
	cat /proc/sys/net/ipv4/ip_unprivileged_port_start
[ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" = "$PS_HOST" ] ||
	echo "$PS_HOST" > /proc/sys/net/ipv4/ip_unprivileged_port_start
# the stack late (the thread held 300 ms after making it): init waits
# for it before sysfs, and the jail is the same
CELL_TEST_PAUSE_AT=stack:300 "$DRIVE" name=$N path="$R" vnet -- /bin/sh -c \
	'ls /sys/class/net; cat /sys/class/net/lo/flags' >"$T/nl.out" 2>&1 </dev/null
check "a stack made late: init waits for it, only lo, up" "lo 0x9 exit 0" \
	sh -c "tr '\n' ' ' < '$T/nl.out' | sed 's/ \$//'"
# no way to make a stack at all: the create fails at "vnet", leaving
# nothing
check_match "no network stack can be made: a clear error" \
	"vnet: making a network stack" \
	"$DRIVE" --host-deny clone3 --host-deny clone:0x40000000 \
	--host-deny unshare:0x40000000 name=$N path="$R" vnet -- /bin/true
check_clean "... nothing left of it" $N

# --- the device program fails while init mounts: init killed, all undone --
# (the creator loads it after 'G', beside init's mounts; bpf refused here)
check_match "a device program that cannot load fails the create" \
	"devices: loading device program" \
	"$DRIVE" --host-deny bpf name=$N path="$R" -- /bin/true
check_clean "... and leaves nothing: init, cgroup, record" $N

# --- jail -c's command runs its tail early, but starts only on the gate --
# init forks the command as soon as the root is built; the command runs
# its tail while the creator finishes (record, network, hooks) and execs
# only when the creator opens its gate. A pause of the creator after
# init's ready ("init", the step's end) must find the program not yet run.
rm -f "$R/tmp/gate-ran"
CELL_TEST_PAUSE_AT=init:600 timeout 10 "$JAIL" -c name=$N path="$R" \
	command=/bin/touch /tmp/gate-ran >"$T/gate.out" 2>&1 &
gp=$!
sleep 0.3
check "the early command does not start before the creator opens its gate" \
	"no" sh -c "[ -e '$R/tmp/gate-ran' ] && echo yes || echo no"
check "... the command's tail is already done: it waits in the jail's cgroup" \
	"2" sh -c "{ cat $UNI/cell/$N/cgroup.procs 2>/dev/null ||
		   cat /sys/fs/cgroup/cell/$N/cgroup.procs; } | wc -l"
wait $gp
check "... and runs once it is open" "yes" \
	sh -c "[ -e '$R/tmp/gate-ran' ] && echo yes || echo no"
rm -f "$R/tmp/gate-ran"
check_clean "... nothing left of it" $N

# --- the start command ends before init waits for it ----------------------
# init forks the command, then drops privileges and only then blocks
# SIGCHLD: a command that ended in between left a zombie and no signal,
# and init waited forever (found under perf trace); meanwhile jail -c
# spun on the agent listener's hang-up. The pause puts the command's end
# in that window every time.
cpu_of() { # CPU seconds (user+sys) of the command's children, x100
	( "$@" >/dev/null 2>&1; times ) | tail -1 |
		sed 's/m/ /g; s/s//g' | awk '{printf "%d", ($2 + $4) * 100}'
}
check "a command that ends before init reaps: jail -c returns its status" \
	"0" sh -c "CELL_TEST_PAUSE_AT=init-forked:400 timeout 10 '$JAIL' -c \
		name=$N path='$R' command=/bin/sh -c true; echo \$?"
c=$(CELL_TEST_PAUSE_AT=init-forked:400 cpu_of timeout 10 "$JAIL" -c \
	name=$N path="$R" command=/bin/sh -c true)
check "... and jail -c waits without spinning (CPU x100 < 20 for a 400 ms wait)" \
	"yes" sh -c "[ ${c:-999} -lt 20 ] && echo yes || echo 'no ($c)'"
check_clean "... nothing left of it" $N

# --- the command borrows init's memory until its exec ---------------------
# (vfork); a copy when the id switch could make that memory ptrace-able
# (fs.suid_dumpable 1; CELL_TEST_NO_VFORK=1 stands in for it here). The
# creator pauses with the jail active and the gate shut: the command
# waits at it as "user", init waits for its exec (D) or in its loop (S).
# gate_report BG FIND: once the command's tail (a child of the init that
# "FIND BG" prints) waits at the gate, switched to user and asleep in
# read: "INIT-STATE TAIL-/proc-OWNER"; then waits for BG
gate_report() {
	local bg=$1 find=$2 init="" tail="" i
	for i in $(seq 100); do
		init=$("$find" "$bg")
		[ -n "$init" ] && tail=$(ps -o pid= --ppid "$init" | head -1 | tr -d ' ')
		[ -n "$tail" ] && [ "$(stat -c %U /proc/$tail/status 2>/dev/null)" != "" ] &&
			[ "$(awk '{print $3}' /proc/$tail/stat 2>/dev/null)" = S ] && break
		sleep 0.02
	done
	sleep 0.2
	echo "$(awk '{print $3}' /proc/$init/stat 2>/dev/null) $(stat -c %U /proc/$tail/status 2>/dev/null)"
	wait $bg
}
first_child() { ps -o pid= --ppid "$1" | head -1 | tr -d ' '; }
gated() { # gated ENV...: "INIT-STATE TAIL-/proc-OWNER"
	env "$@" CELL_TEST_PAUSE_AT=active:1000 "$JAIL" -c name=$N \
		path="$R" exec.jail_user=user command=/bin/sh -c : &
	gate_report $! first_child
}
check "the command borrows init's memory: init waits for its exec (D), the tail is not dumpable" \
	"D root" gated
check "with CELL_TEST_NO_VFORK=1 (suid_dumpable 1): a copy, init in its loop (S), not dumpable" \
	"S root" gated CELL_TEST_NO_VFORK=1
check_clean "... nothing left of either" $N

# --- cell.timens: the jail's clocks, with offsets --------------------------
# init itself stays in the host's time namespace (unshare gives the new
# one to its children and its exec), so jexec must join the jail's
# through init's time_for_children, not init's own
TOFF='echo $(cat /proc/self/timens_offsets)'
check "cell.timens with offsets: the command's clocks" \
	"monotonic 86400 0 boottime -2 500000000" \
	"$JAIL" -c name=$N path="$R" cell.timens=1 cell.timens.monotonic=86400 \
	cell.timens.boottime=-1.5 command=/bin/sh -c "$TOFF"
check_rc "a persistent jail with cell.timens" 0 \
	"$JAIL" -c name=$N path="$R" persist cell.timens=1 cell.timens.boottime=100000
check "... jexec joins its time namespace" "monotonic 0 0 boottime 100000 0" \
	"$JEXEC" $N sh -c "$TOFF"
check "... its uptime runs 100000 s ahead" "yes" \
	"$JEXEC" $N sh -c "test \$(cut -d. -f1 /proc/uptime) -ge $(( $(cut -d. -f1 /proc/uptime) + 99999 )) && echo yes"
check "... jls -n shows the parameters" \
	'cell.timens cell.timens.monotonic="" cell.timens.boottime=100000' \
	sh -c "'$JLS' -j $N -n cell.timens cell.timens.monotonic cell.timens.boottime"
check_rc "... removed" 0 "$JAIL" -r $N
# a child jail without cell.timens runs on its parent's clocks (its init
# is cloned in the parent's time namespace): jexec into it too
mkroot "$R/kid"
"$JAIL" -c name=${N}t path="$R" persist children.max=1 cell.timens=1 \
	cell.timens.boottime=100000 >/dev/null
"$JAIL" -c name=${N}t.c path="$R/kid" persist >/dev/null
check "a child jail's jexec joins its parent's time namespace" \
	"monotonic 0 0 boottime 100000 0" "$JEXEC" ${N}t.c sh -c "$TOFF"
"$JAIL" -r ${N}t >/dev/null
rm -rf "$R/kid"
check_clean "... nothing left of the child" ${N}t.c
check_clean "... nor of the parent" ${N}t
check_match "offsets without cell.timens are refused" "need cell.timens" \
	"$JAIL" -c name=$N path="$R" cell.timens.boottime=1 command=/bin/true
check_match "an offset that is no number is refused" \
	"cell.timens.monotonic: expected \[-\]SECONDS" \
	"$JAIL" -c name=$N path="$R" cell.timens=1 cell.timens.monotonic=1e5 command=/bin/true
check_match "an offset the kernel refuses fails the create, saying why" \
	"cell.timens: .*out of range" \
	"$JAIL" -c name=$N path="$R" cell.timens=1 cell.timens.boottime=-9000000000 command=/bin/true
check_clean "... nothing left" $N

# --- X-mount.idmap: an idmapped bind --------------------------------------
IDS=$T/idsrc; mkdir -p "$IDS" "$R/ids"; touch "$IDS/f0" "$IDS/f1"; chown 1000:1000 "$IDS/f1"
check "X-mount.idmap: owners seen through the mount's maps" "2000:2000 3000:3000" \
	"$JAIL" -c name=$N path="$R" \
	"mount=$IDS $R/ids nullfs ro,X-mount.idmap=b:0:2000:1\\040u:1000:3000:1\\040g:1000:3000:1" \
	command=/bin/sh -c 'echo $(stat -c %u:%g /ids/f0 /ids/f1)'
check "... on disk they stay" "0:0 1000:1000" echo $(stat -c %u:%g "$IDS/f0" "$IDS/f1")
check_match "X-mount.idmap without gids is refused" "mount: .*idmap.*Invalid argument" \
	"$JAIL" -c name=$N path="$R" "mount=$IDS $R/ids nullfs X-mount.idmap=u:0:2000:1" command=/bin/true
check_match "... and a malformed one" "Invalid argument" \
	"$JAIL" -c name=$N path="$R" "mount=$IDS $R/ids nullfs X-mount.idmap=b:0:-1:1" command=/bin/true
check_clean "... nothing left" $N

# --- child jails: built from inside their parent -------------------------
# A child's init is cloned inside its parent's namespaces and sees the
# parent's /proc: /proc/sys read-only there, and shaped by the parent jail
# (${N}n has no procfs: its root owns /proc, here a stand-in's files).
PR=$T/pr; NP=$T/np
mkroot "$PR"; mkroot "$PR/kid"; mkroot "$NP"; mkroot "$NP/kid"
MADE="$MADE ${N}p ${N}n"
init_of() { # the host pid of jail $1's init, from its record
	sed -n "1s/.* init=\([0-9]*\) .*/\1/p" \
		$(grep -l "^name=$1\$" "$CELL_RUN_DIR"/jails/* 2>/dev/null) 2>/dev/null
}
"$JAIL" -c name=${N}p path="$PR" vnet children.max=1 persist >/dev/null
"$JAIL" -c name=${N}n path="$NP" mount.procfs=false children.max=1 persist >/dev/null
PINIT=$(init_of ${N}p)
TTL_HOST=$(cat /proc/sys/net/ipv4/ip_default_ttl)
TTL_P=$("$JEXEC" ${N}p cat /proc/sys/net/ipv4/ip_default_ttl)
SHM_P=$("$JEXEC" ${N}p cat /proc/sys/kernel/shmmax)
check "a child jail's net.* sysctl is set in its own stack" "77" \
	"$JAIL" -c name=${N}p.c path="$PR/kid" vnet \
	cell.sysctl=net.ipv4.ip_default_ttl=77 \
	command=cat /proc/sys/net/ipv4/ip_default_ttl
check "... not in its parent's" "$TTL_P" \
	"$JEXEC" ${N}p cat /proc/sys/net/ipv4/ip_default_ttl
check "... nor in the host's" "$TTL_HOST" cat /proc/sys/net/ipv4/ip_default_ttl
check "a child jail's kernel.shmmax in its own IPC namespace" "4243 $SHM_P" \
	sh -c "echo \$('$JAIL' -c name=${N}p.c path='$PR/kid' sysvshm=new \
	cell.sysctl=kernel.shmmax=4243 command=cat /proc/sys/kernel/shmmax) \
	\$('$JEXEC' ${N}p cat /proc/sys/kernel/shmmax)"
check "a child jail's kernel.domainname in its own UTS namespace" "kid.example" \
	"$JAIL" -c name=${N}p.c path="$PR/kid" host=new \
	cell.sysctl=kernel.domainname=kid.example \
	command=cat /proc/sys/kernel/domainname
check "a child's sysctl in a joined namespace that is the host's is refused" \
	"rc=1 $TTL_HOST the joined namespace is the host's" unshare -n sh -c "
	echo $TTL_HOST > /proc/sys/net/ipv4/ip_default_ttl
	\"$JAIL\" -c name=${N}p.c path=\"$PR/kid\" cell.netns=/proc/self/ns/net \
		cell.sysctl=net.ipv4.ip_default_ttl=99 command=true \
		>'$T/sy.out' 2>&1; rc=\$?
	echo rc=\$rc \$(cat /proc/sys/net/ipv4/ip_default_ttl) \
		\$(grep -o \"the joined namespace is the host's\" '$T/sy.out')"
check "... and in one that is its parent's" \
	"rc=1 $TTL_P the joined namespace is the parent jail's" sh -c "
	\"$JAIL\" -c name=${N}p.c path=\"$PR/kid\" cell.netns=/proc/$PINIT/ns/net \
		cell.sysctl=net.ipv4.ip_default_ttl=99 command=true \
		>'$T/sy.out' 2>&1; rc=\$?
	echo rc=\$rc \$('$JEXEC' ${N}p cat /proc/sys/net/ipv4/ip_default_ttl) \
		\$(grep -o \"the joined namespace is the parent jail's\" '$T/sy.out')"
check_clean "... nothing left of the child" ${N}p.c
# fs.suid_dumpable (whether the command may borrow init's memory) is the
# host's, read by the creator: not the "1" ${N}n's root put in its /proc
# (the child's init is a child of its parent jail's init, named "init")
child_init() {
	ps -o pid=,comm= --ppid "$(init_of ${N}n)" | awk '$2 == "init" {print $1; exit}'
}
gated_child() { # ENV...: "INIT-STATE TAIL-/proc-OWNER" of ${N}n.c
	env "$@" CELL_TEST_PAUSE_AT=active:1000 "$JAIL" -c name=${N}n.c \
		path="$NP/kid" exec.jail_user=user command=/bin/sh -c : &
	gate_report $! child_init
}
mkdir -p "$NP/proc/sys/fs"; echo 1 > "$NP/proc/sys/fs/suid_dumpable"
if [ "$(cat /proc/sys/fs/suid_dumpable)" = 1 ]; then
	ok "# skip: a child's init reads the host's fs.suid_dumpable (it is 1 here)"
else
	check "a child's init reads the host's fs.suid_dumpable, not its parent's /proc: its command borrows init's memory (D)" \
		"D root" gated_child
fi
check_clean "... nothing left of the child" ${N}n.c

# the child's init is cloned by a fork of the creator that joins the
# parent's namespaces: it keeps only its own descriptors (the socket to
# the creator, the command's gate), nothing the creator had open on the
# host (the child's root, its cgroup directory, the parent's pidfd).
# Seen from the host while init holds ready back.
child_init_fds() {
	CELL_TEST_PAUSE_AT=init-before-ready:1500 "$JAIL" -c name=${N}p.c \
		path="$PR/kid" command=/bin/true </dev/null >/dev/null 2>&1 &
	local bg=$! init="" i
	for i in $(seq 100); do
		init=$(ps -o pid=,comm= --ppid "$PINIT" | awk '$2 == "init" {print $1; exit}')
		[ -n "$init" ] && break
		sleep 0.02
	done
	sleep 0.2
	for f in /proc/$init/fd/*; do
		[ "${f##*/}" -ge 3 ] && readlink "$f" | sed 's/:\[.*//'
	done | sort | tr '\n' ' '; echo
	wait $bg
}
check "a child's init holds no descriptor of the creator's: two sockets above stdio" \
	"socket socket " child_init_fds
check_clean "... nothing left of the child" ${N}p.c

# init hides the host's command line it was copied with: a child's init
# finds where it lies from the creator, not from its parent's /proc
# (${N}n's root planted a stat there that points at unmapped memory)
mkdir -p "$NP/proc/self"
{ printf '1 (x) S'; for i in $(seq 4 47); do printf ' 0'; done
  printf ' 4096 8192 0 0 0\n'; } > "$NP/proc/self/stat"
check "a child's init hides its command line, whatever its parent's /proc says" \
	"init" sh -c "'$JAIL' -c name=${N}n.c path='$NP/kid' \
	command=cat /proc/1/cmdline 2>&1 | tr -d '\0'"
check_clean "... nothing left of the child" ${N}n.c

# cell.timens and X-mount.idmap in a child: init writes the offsets and
# the idmap's maps through a procfs of its own, not its parent's /proc
# (${N}n has none: a planted file there took the offsets, or the open
# failed)
mkdir -p "$NP/proc/self"; : > "$NP/proc/self/timens_offsets"
check "a child's cell.timens offsets, whatever its parent's /proc holds" \
	"monotonic 0 0 boottime 4242 0" "$JAIL" -c name=${N}n.c path="$NP/kid" \
	cell.timens=1 cell.timens.boottime=4242 command=/bin/sh -c "$TOFF"
check "... the parent's planted file untouched" "" cat "$NP/proc/self/timens_offsets"
# (a child's bind source is a path of its parent's tree: its init binds
# in the parent's mount namespace)
IDK=$NP/idkid; mkdir -p "$IDK" "$NP/kid/ids"; touch "$IDK/f0"
check "a child's X-mount.idmap, whatever its parent's /proc holds" "2000:2000" \
	"$JAIL" -c name=${N}n.c path="$NP/kid" \
	"mount=/idkid $NP/kid/ids nullfs ro,X-mount.idmap=b:0:2000:1" \
	command=/bin/sh -c 'stat -c %u:%g /ids/f0'
check_clean "... nothing left of the child" ${N}n.c
check_match "X-mount.idmap in a jail with cell.uidmap is refused, saying so" \
	"X-mount.idmap in a jail with cell.uidmap is not supported" \
	"$JAIL" -c name=$N path="$R" cell.uidmap=0:500000:65536 cell.gidmap=0:500000:65536 \
	"mount=$IDK $R/ids nullfs ro,X-mount.idmap=b:0:2000:1" command=/bin/true
check_clean "... nothing left" $N

# --- the agent against a jail that races it --------------------------------
# The mount's id recorded for umount is the mount's own: a target swapped
# for a symlink to /proc after the attach once had /proc/timer_list's
# mask recorded as the jail's, and unmounted (/proc/sys alike: the host's
# sysctls writable)
A=${N}ag
MADE="$MADE $A"
check_match "the agent records its own mount, whatever the target names after" \
	"^held [0-9]+$" "$JAIL" -c name=$A path="$R" $M allow.mount.tmpfs \
	command=/bin/cell-probe mount-race /proc/timer_list 5
check_clean "... leaving nothing" $A

# A mount of the agent's that a lazy umount of one above it took along
# stayed in the record; its plain mount id was given to the next mount,
# a clone of a mask in a bind of /proc, which the jail could then unmount
# (the probe only opens core_pattern: were it writable, nothing is written)
check "a recorded mount gone without the agent's umount leaves no id to reuse" \
	"$(printf 'mask kept\ndenied EROFS\nown ok')" \
	"$JAIL" -c name=$A path="$R" $M allow.mount.tmpfs allow.mount.nullfs \
	command=/bin/sh -c 'mkdir -p /mnt/a /mnt/p; mount -t tmpfs a /mnt/a
	i=0; while [ $i -lt 60 ]; do mkdir /mnt/a/$i; mount -t tmpfs b /mnt/a/$i; i=$((i+1)); done
	umount -l /mnt/a; sleep 1; mount --bind /proc /mnt/p
	umount /mnt/p/sys 2>/dev/null || echo mask kept
	cell-probe open /mnt/p/sys/kernel/core_pattern w
	umount /mnt/p && echo own ok'
check_clean "... leaving nothing" $A

finish
