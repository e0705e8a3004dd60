#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Bad input: every command fed random argv, and jail(8) fed truncated and
# garbled jail.conf files. No crash (no exit by signal), no sanitizer
# report (in the ASan build), no partial state (after the next command,
# every record is a running jail, and removing them leaves nothing).
#
# Random argv is drawn from a pool of options, parameter names, values
# and junk that can do no harm on the host: no exec.* hook, no path
# outside the test's directory, the manager's directory private; `cell
# setup` and `bootstrap` (storage set-up) are not fed. Garbled jail.conf
# files are only printed (jail -e), never created from, since a garbled
# exec.* line would run on the host.
CELL_IT_TMP=cell-bad
# absolute: the random command lines run in the temp dir (below)
CELL_SOURCE_DIR=$(cd "${CELL_SOURCE_DIR:?}" && pwd)
CELL_BUILD_DIR=$(cd "${CELL_BUILD_DIR:?}" && pwd)
. "$CELL_SOURCE_DIR/tests/integration/lib.sh"
CELL=$B/src/cell
export CELL_HOME=$T/home
R=$T/root
mkroot "$R" sh true echo
P=bad$$
# seeded, so that a failure can be replayed: CELL_BADINPUT_SEED=N
SEED=${CELL_BADINPUT_SEED:-$$}
RANDOM=$SEED
echo "# seed $SEED"
ROUNDS=${CELL_BADINPUT_ROUNDS:-150}

pool=(
	-c -m -r -R -e -f -J -u -U -n -s -d -h -i -l -q -v -j -N -p -x -- - ''
	--help --json --nat -B -T -Z -99 -h -e, -f/dev/null
	"name=$P" "name=$P.a" "name=$P.a.b" "name=" "name=.." "name=$P%" "name=1"
	"path=$R" "path=" "path=/nonexistent" "path=$R/../root" "path=$R/bin/sh"
	persist nopersist "host.hostname=x" "host.hostname=" "ip4.addr=192.0.2.1"
	"ip4.addr=999.1.1.1" "ip4.addr=192.0.2.1/99" "ip6.addr=::1" "ip6.addr=zz::"
	"ip4=disable" "ip4=new" "ip4=bogus" vnet "vnet=new" "vnet.interface=nosuch0"
	"allow.raw_sockets" "allow.noraw_sockets" "allow.mount=2" "allow.nosuch"
	"securelevel=3" "securelevel=-5" "securelevel=99999999999999999999"
	"devfs_ruleset=0" "devfs_ruleset=4" "devfs_ruleset=9" "children.max=1"
	"children.max=-1" "enforce_statfs=7" "command=/bin/true" "command="
	"mount=tmpfs $R/tmp tmpfs rw 0 0" "mount=garbage" "mount.fstab=/nonexistent"
	"meta.k=v" "env.A=b" "cell.sysctl=kernel.x=1" "cell.netns=/nonexistent"
	"=" "==" "a=b=c" "allow." ".allow" "nosuch=1" "$(printf 'x%.0s' {1..5000})"
	"$(printf '\001\002\377')" "name=$(printf 'n%.0s' {1..300})" "%s%s%n" "ö=ü"
	"$P" "$P.a" 0 1 -1 999999999 "jid" "name,path" "*" ALL
	list create destroy start stop restart cmd snapshot rollback clone rename
	limits export import cp rcp audit jail jls jexec memory pids 10M -5 add
	remove clear show "$T/x.tar" "$T/nonexistent" busybox echo true
)
pick() { echo "${pool[RANDOM % ${#pool[@]}]}"; }

crashes=0 reports=0 runs=0
run_one() {
	runs=$((runs+1))
	timeout -s KILL 10 "$@" >/dev/null 2>"$T/err" </dev/null
	local rc=$?
	if [ $rc -ge 128 ] && [ $rc != 137 ]; then
		crashes=$((crashes+1))
		echo "# crash ($rc): $(printf '%q ' "$@" | cut -c1-300)"
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehavior' "$T/err"; then
		reports=$((reports+1))
		echo "# sanitizer: $(printf '%q ' "$@" | cut -c1-300)"
		grep -m3 -E 'ERROR|runtime error' "$T/err" | sed 's/^/#   /'
	fi
	[ $rc = 137 ] && echo "# timeout: $(printf '%q ' "$@" | cut -c1-200)"
	return 0
}

random_argv() {
	local n=$((RANDOM % 6)) a=()
	for ((k = 0; k < n; k++)); do a+=("$(pick)"); done
	printf '%s\0' "${a[@]}"
}

# in our temp dir: a random line may name a file to write ("nosuch=1",
# once committed at the top of the tree)
cd "$T" || exit 1
for cmd in jail jls jexec cell; do
	for ((i = 0; i < ROUNDS; i++)); do
		mapfile -d '' args < <(random_argv)
		case $cmd in
		cell)
			# never storage set-up; always the private home
			sub=$(pick)
			case $sub in setup|bootstrap|-d) sub=list;; esac
			run_one "$CELL" -d "$CELL_HOME" "$sub" "${args[@]}" ;;
		jail)
			# jail -c with random parameters, and the other modes
			modes=(-c -m -r -e, "" -cv -ci)
			run_one "$JAIL" ${modes[RANDOM % ${#modes[@]}]} "${args[@]}" ;;
		*)
			run_one "$B/src/$cmd" "${args[@]}" ;;
		esac
	done
done
echo "# $runs random command lines"
check "random argv: no command ended by a signal" "0" echo $crashes
check "random argv: no sanitizer report" "0" echo $reports

# truncated and garbled jail.conf files, printed with jail -e
gen=0
for f in "$CELL_SOURCE_DIR"/tests/fuzz/corpus/jailconf/*; do
	size=$(stat -c %s "$f")
	for k in 1 2 3; do
		g=$T/g.conf
		case $k in
		1) head -c $((RANDOM % (size + 1))) "$f" >"$g" ;;
		2) cp "$f" "$g"
		   for m in 1 2 3 4; do
			printf "\\x$(printf %02x $((RANDOM % 256)))" |
				dd of="$g" bs=1 seek=$((RANDOM % (size + 1))) conv=notrunc status=none
		   done ;;
		3) { head -c $((RANDOM % (size + 1))) "$f"; printf '{ "\\'; head -c 40 /dev/urandom; } >"$g" ;;
		esac
		run_one "$JAIL" -f "$g" -e ,
		gen=$((gen+1))
	done
done
echo "# $gen garbled jail.conf files"
check "garbled jail.conf: no crash" "0" echo $crashes
check "garbled jail.conf: no sanitizer report" "0" echo $reports

# no partial state: after the next command, each record is a running jail
"$JLS" >/dev/null 2>&1
partial=0
for r in "$CELL_RUN_DIR"/jails/[0-9]*; do
	[ -e "$r" ] || continue
	case $r in *.*) continue;; esac
	st=$(sed -n '1s/^state=\([a-z]*\).*/\1/p' "$r")
	[ "$st" = active ] || { partial=$((partial+1)); echo "# partial: $(head -1 "$r")"; }
done
check "no partial record (every record an active jail)" "0" echo $partial
# remove what the random commands legitimately made, then nothing is left
# (by jid: a jail made without a name has none to give; children first)
for n in $("$JLS" jid name 2>/dev/null | sort -k2 -r | awk '{print $1}'); do
	"$JAIL" -r "$n" >/dev/null 2>&1
done
# a jail that ended on its own meanwhile (its last process gone) goes
# with the next full repair: the next listing
"$JLS" >/dev/null 2>&1
check "every jail made by random argv removed; no record left" "0" \
	sh -c "ls '$CELL_RUN_DIR'/jails 2>/dev/null | grep -c '^[0-9]*\$'"
check "no cgroup left" "" sh -c "ls -d /sys/fs/cgroup/*/cell/$P* /sys/fs/cgroup/cell/$P* 2>/dev/null"
check "manager home holds no jail" "" sh -c "ls '$CELL_HOME'/jails 2>/dev/null"
finish
