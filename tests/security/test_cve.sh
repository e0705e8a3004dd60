#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Known Linux container escapes, re-created against cell. Each check is a
# real attempt (tests/security/attack.c runs inside the jail as its root)
# with a verdict that a vulnerable cell would fail.
CELL_IT_TMP=cell-cve
. "$CELL_SOURCE_DIR/tests/integration/lib.sh"
ATTACK=$B/tests/security/cell-attack

R=$T/root
mkroot "$R" sh ls cat echo true sleep mkdir ln grep
cp "$ATTACK" "$R/bin/attack"
# the loader and libraries of jexec, so that a host binary re-executed
# inside (#!/proc/self/exe) would run, as it does in a Debian jail
for l in $(ldd "$JEXEC" | grep -o '/lib[^ ]*'); do
	mkdir -p "$R$(dirname "$l")"
	cp -L "$l" "$R$l"
done
N=cve$$
MADE="$N ${N}m ${N}p ${N}s ${N}d ${N}n"
"$JAIL" -c name=$N path="$R" persist >/dev/null || { not_ok "create"; finish; exit 1; }

# --- CVE-2019-5736: the host binary through /proc/PID/exe ----------------
# A copy of jexec enters the jail, so that whatever happens, only the copy
# is at stake. It is named so that the attacker can find it.
JX=$T/jxcopy
cp "$JEXEC" "$JX"
hostid=$(stat -c '%d:%i' "$JX")
sum0=$(sha256sum <"$JX")

# during entry: the forked child runs the host binary inside the jail
# until exec; the attacker stops every such process and tries its exe,
# its memory (CVE-2016-9962) and ptrace
"$JEXEC" $N /bin/attack exe-watch 3 jxcopy >"$T/during" 2>&1 &
w=$!
sleep 0.3
for i in $(seq 1 30); do "$JX" $N /bin/true; done
wait $w
check "CVE-2019-5736 during entry: the host binary's /proc/PID/exe never opened" "" \
	grep "^seen $hostid" "$T/during"
check "CVE-2016-9962: the entering process's memory never opened" "" grep "^mem-open $hostid" "$T/during"
check "CVE-2016-9962: the entering process never ptraced" "" grep "^ptrace-seized $hostid" "$T/during"

# after entry: the jail's command is "#!/proc/self/exe", so the kernel
# runs the entering (host) binary again, now dumpable, inside the jail;
# once it exits, its exe is no longer busy and could be opened to write
printf '#!/proc/self/exe\n' >"$R/bin/evil"
chmod 755 "$R/bin/evil"
rm -f "$R/tmp/go"
"$JEXEC" $N /bin/attack exe-watch 3 +evil /tmp/go >"$T/after" 2>&1 &
w=$!
sleep 0.3
for i in $(seq 1 30); do timeout 10 "$JX" $N /bin/evil >/dev/null 2>&1; done
# the host no longer runs the binary: it is not busy any more
touch "$R/tmp/go"
wait $w
seen=$(grep -c "^seen $hostid" "$T/after")
wr=$(grep -c "^writable $hostid" "$T/after")
echo "# #!/proc/self/exe: host binary reached $seen times, writable $wr times"
check_true "the attacker caught the re-executed binary (the attack ran)" grep -q "^seen " "$T/after"
# The tail starts every jail program through a sealed memfd stub
# (lib/stub/exec_stub.c), so /proc/self/exe inside is never the host's.
check "CVE-2019-5736 after entry (#!/proc/self/exe): the host binary never reached" \
	"0" echo "$seen"
check "CVE-2019-5736 after entry (#!/proc/self/exe): the host binary never writable" \
	"0" echo "$wr"
check "... and the copy of the host binary is unchanged" "$sum0" sh -c "sha256sum <'$JX'"
check "the jailed process cannot write its own /proc/self/exe" "denied ETXTBSY" \
	"$JEXEC" $N /bin/attack exe-self
# cell audit's probe runs from a sealed memfd: nothing of the host to reach
check_match "cell audit: the probe's /proc/self/exe is not writable" \
	'^overwrite /proc/self/exe \(CVE-2019-5736\): denied' "$B/src/cell" audit $N

# --- CVE-2024-21626: a leaked descriptor as working directory ------------
exec 7</sys/fs/cgroup 8<"$T"
check "CVE-2024-21626: no host descriptor crosses into the jail" "none" \
	"$JEXEC" $N /bin/attack fd-cwd
check_rc "CVE-2024-21626: jexec -d /proc/self/fd/7 refused" 1 \
	"$JEXEC" -d /proc/self/fd/7 $N /bin/true
check_rc "CVE-2024-21626: jail -c command with exec.jail_user cwd via fd refused" 1 \
	"$JEXEC" -d /proc/self/fd/8/.. $N /bin/true
check "CVE-2024-21626: jail -c's command sees no leaked descriptor" "none" \
	"$JAIL" -c name=${N}n path="$R" command=/bin/attack fd-cwd
exec 7<&- 8<&-

# --- CVE-2019-16884 / CVE-2021-30465: mount targets through symlinks ------
mkdir -p "$R/mnt/target" "$T/victim"
touch "$T/victim/untouched"
# a static symlink as target: refused, nothing mounted outside
ln -s "$T/victim" "$R/mnt/sym"
check_rc "a mount= target that is a symlink is refused" 1 \
	"$JAIL" -c name=${N}m path="$R" "mount=tmpfs $R/mnt/sym tmpfs rw,size=64k 0 0" command=/bin/true
check "... and the symlink's target is untouched" "untouched" ls "$T/victim"
# the race: the jail's root swaps the target directory with a symlink
# to a host directory while jails are created with that mount= line
rm -f "$R/mnt/sym"
ln -s "$T/victim" "$R/mnt/swap"
"$JEXEC" $N /bin/attack exchange /mnt/target /mnt/swap 6 >"$T/xchg" 2>&1 &
w=$!
ok_create=0 refused=0 escaped=0
for i in $(seq 1 25); do
	out=$("$JAIL" -c name=${N}m path="$R" "mount=tmpfs $R/mnt/target tmpfs rw,size=64k 0 0" \
		command=/bin/sh -c 'grep -c " - tmpfs " /proc/self/mountinfo; ls /mnt/target /mnt/swap 2>/dev/null | grep -c untouched; true' 2>&1)
	if [ $? = 0 ]; then ok_create=$((ok_create+1)); else refused=$((refused+1)); fi
	case $out in *untouched*) [ "$(echo "$out" | tail -1)" != 0 ] && escaped=$((escaped+1));; esac
done
wait $w
echo "# mount race: $ok_create created, $refused refused, $(cat "$T/xchg")"
check "CVE-2021-30465: the mount never landed on the host directory" "untouched" ls "$T/victim"
check "CVE-2021-30465: no host mount appeared at the victim" "" grep " $T/victim " /proc/self/mountinfo
check "CVE-2021-30465: every racing create either mounted inside or failed" "25" echo $((ok_create+refused))

# --- CVE-2023-27561 / 28642 / 2026-41579: /proc, /sys, /dev as symlinks --
for d in proc sys dev; do
	R2=$T/root-$d
	mkroot "$R2" sh ls cat true
	mkdir -p "$T/host-$d"
	rm -rf "${R2:?}/$d"
	ln -s "$T/host-$d" "$R2/$d"
	"$JAIL" -c name=${N}s path="$R2" command=/bin/true >/dev/null 2>&1
	check "/$d as a symlink to a host directory: nothing made there" "" ls -A "$T/host-$d"
	check "... and nothing mounted there" "" grep " $T/host-$d " /proc/self/mountinfo
done
# CVE-2025-31133: /dev/null in the image a symlink to a /proc file
R3=$T/root-null
mkroot "$R3" sh ls cat true stat
ln -sf /proc/sysrq-trigger "$R3/dev/null"
check "CVE-2025-31133: /dev/null in the jail is the device, not the image's symlink" "crw-rw-rw-" "$JAIL" -c name=${N}d path="$R3" command=/bin/sh -c 'ls -l /dev/null | cut -c1-10'

# --- CVE-2022-0492: cgroup v1 release_agent ------------------------------
check "CVE-2022-0492: no new user/cgroup namespace" "unshare denied EPERM" \
	sh -c "'$JEXEC' $N /bin/attack cgroup-v1 | head -1"
check "CVE-2022-0492: no cgroup v1 mount" "mount denied EPERM" \
	sh -c "'$JEXEC' $N /bin/attack cgroup-v1 | sed -n 2p"
check "CVE-2022-0492: no cgroupfs in the jail" "cgroupfs mounts 0" \
	sh -c "'$JEXEC' $N /bin/attack cgroup-v1 | tail -1"

# --- CVE-2016-9962 (and /proc/PID/mem): the jail's init ------------------
check "ptrace of init refused" "denied EPERM" "$JEXEC" $N /bin/attack ptrace 1
check "/proc/1/mem of init refused" "denied EACCES" "$JEXEC" $N /bin/attack mem 1

# --- CVE-2017-5226: TIOCSTI into the caller's terminal -------------------
check "CVE-2017-5226: TIOCSTI on stdin refused by the filter" "denied EPERM" \
	"$JEXEC" $N /bin/attack tiocsti 0
out=$(script -qec "'$JEXEC' $N /bin/attack tiocsti 0" /dev/null 2>&1 | tr -d '\r')
check "CVE-2017-5226: TIOCSTI on a real terminal refused" "denied EPERM" echo "$out"

# --- CVE-2022-29162 / bwrap a955622: inheritable and ambient caps --------
check "CVE-2022-29162: no inheritable or ambient capability even when the caller has some" \
	"CapInh:	0000000000000000 CapAmb:	0000000000000000" \
	sh -c "setpriv --inh-caps +net_raw,+sys_admin --ambient-caps +net_raw '$JEXEC' $N /bin/attack caps | grep -E 'CapInh|CapAmb' | tr '\n' ' ' | sed 's/ \$//'"
check "CVE-2022-29162: effective set is the policy's even then" "CapEff:	00000000a00485fb" \
	sh -c "setpriv --inh-caps +net_raw,+sys_admin --ambient-caps +net_raw '$JEXEC' $N /bin/attack caps | grep CapEff"

"$JAIL" -r $N >/dev/null
check "nothing left" "" traces $N
finish
